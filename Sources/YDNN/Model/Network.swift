/// One worker's copy of the computation: the layers of a `Model`, all reading the
/// model's shared parameters and each holding its own activations and gradients.
/// The trainer runs one per thread on a shard of the batch and then sums the
/// gradients in worker order.
///
/// A training step runs in stages (`begin`, `resume`): a dense layer with a batch
/// norm needs the whole batch's statistics, forward and backward, so each worker
/// stops there with its shard's sums, and `Network.trainStep` adds them in worker
/// order and resumes every worker with the totals. Without a batch norm `begin`
/// runs the whole step at once.
final class Network {
    let spec: ModelSpec
    let encoders: [FeatureEncoder]
    let dense: [Dense]
    let norm: L2Normalize?
    let loss: OutputLoss
    let itemTower: ItemTower?
    /// Every trained tensor's gradient once, in a fixed order (a shared table's
    /// gradient, held by the loss and the shared encoder, is listed once).
    let gradients: [Gradient]
    private var rows = 0

    /// Binds every layer to its tensors by (owner, role) in the model's layout.
    init(spec: ModelSpec, layout: ParameterLayout, parameters: [Parameter], noise: [Float], itemInputs: ItemInputs?, seed: UInt64) {
        self.spec = spec
        func p(_ owner: ParameterLayout.Owner, _ role: ParameterLayout.Role) -> Parameter {
            parameters[layout.index(owner, role)!]
        }
        dense = spec.hidden.indices.map { i in
            let norm = spec.hidden[i].norm == .batch
                ? BatchNorm(gamma: p(.dense(i), .normScale), beta: p(.dense(i), .normShift),
                            runningMean: p(.dense(i), .runningMean), runningVariance: p(.dense(i), .runningVariance))
                : nil
            return Dense(weight: p(.dense(i), .weight), bias: p(.dense(i), .bias), relu: spec.hidden[i].activation == .relu,
                         norm: norm)
        }
        norm = spec.normalize ? L2Normalize(dim: spec.towerDimension) : nil
        if let towerSpec = spec.itemTower, let itemInputs {
            itemTower = ItemTower(spec: towerSpec, inputs: itemInputs,
                                  tables: towerSpec.encoders.indices.map { p(.itemEncoder($0), .table) },
                                  layers: (0...towerSpec.hidden.count).map { (p(.itemDense($0), .weight), p(.itemDense($0), .bias)) },
                                  seed: seed)
        } else {
            itemTower = nil
        }
        let w = p(.output, .weight), b = layout.index(.output, .bias).map { parameters[$0] }
        let o = spec.output
        let loss: OutputLoss
        switch o.loss {
        case .nce:
            loss = NCELoss(weight: w, bias: b, negatives: o.negatives, noise: noise, normalize: spec.normalize,
                           temperature: spec.temperature, tower: itemTower)
        case .sampledSoftmax where o.perSample:
            loss = PerSampleSoftmaxLoss(weight: w, bias: b, negatives: o.negatives, noise: noise, logQ: o.logQ,
                                        normalize: spec.normalize, temperature: spec.temperature, tower: itemTower)
        case .sampledSoftmax, .fullSoftmax, .inBatch:
            let mode: SoftmaxLoss.Mode = o.loss == .fullSoftmax ? .full : o.loss == .inBatch ? .inBatch : .sampled
            loss = SoftmaxLoss(mode: mode, weight: w, bias: b, noise: noise, logQ: o.logQ,
                               normalize: spec.normalize, temperature: spec.temperature, tower: itemTower)
        }
        self.loss = loss
        // A shared encoder adds into the loss's gradient of the output table.
        let outputGradient = loss.gradients.first { $0.parameter === w }!
        encoders = spec.encoders.enumerated().map { i, e -> FeatureEncoder in
            if e.shared { return EmbeddingPool(spec: e, table: w, gradient: outputGradient) }
            let table = p(.encoder(i), .table)
            switch e.kind {
            case .embedding: return EmbeddingPool(spec: e, table: table)
            case .lstm:
                return LSTMEncoder(spec: e, table: table, wx: p(.encoder(i), .inputWeights),
                                   wh: p(.encoder(i), .recurrentWeights), bias: p(.encoder(i), .bias))
            case .attention: return AttentionPool(spec: e, table: table, query: p(.encoder(i), .query))
            }
        }
        var seen = Set<ObjectIdentifier>()
        gradients = (encoders.flatMap(\.gradients) + dense.flatMap(\.gradients) + loss.gradients)
            .filter { seen.insert(ObjectIdentifier($0)).inserted }
    }

    var flops: Double {
        encoders.reduce(0) { $0 + $1.flops } + dense.reduce(0) { $0 + $1.flops } + loss.flops + (itemTower?.flops ?? 0)
    }

    /// The user tower at inference (batch norms use their running statistics):
    /// encoders → concat (+ dense inputs) → hidden layers → (L2 norm).
    /// Returns rows × towerDimension.
    func tower(_ batch: SampleBatch) -> [Float] {
        var x = encode(batch)
        for layer in dense { x = layer.forward(x, rows: rows) }
        if let norm { x = norm.forward(x, rows: rows) }
        return x
    }

    /// Encoders → concat (+ dense inputs): rows × concatDimension.
    private func encode(_ batch: SampleBatch) -> [Float] {
        rows = batch.count
        let width = spec.concatDimension
        var x = [Float].zeros(rows * width)
        var offset = 0
        for enc in encoders {
            let ids = batch.sparse[enc.spec.feature] ?? RaggedIDs(offsets: [Int32](repeating: 0, count: rows + 1), ids: [])
            let out = enc.forward(ids)
            let d = enc.outputDimension
            precondition(out.count == rows * d && offset + d <= width)
            Columns.place(out, width: d, into: &x, width: width, at: offset, rows: rows)
            offset += d
        }
        for name in spec.denseInputs {
            if let col = batch.dense[name] { for r in 0..<rows { x[r * width + offset] = col[r] } }
            offset += 1
        }
        return x
    }


    /// The encoders' backward from dL/d(concat).
    private func encodersBackward(_ g: [Float]) {
        let width = spec.concatDimension
        var offset = 0
        for enc in encoders {
            let d = enc.outputDimension
            precondition(g.count == rows * width && offset + d <= width)
            enc.backward(Columns.take(g, width: width, at: offset, count: d, rows: rows))
            offset += d
        }
    }

    // MARK: training step

    private enum Stage { case forward, backward, done }
    private var stage = Stage.done
    /// The dense layer whose batch norm waits for the batch's sums.
    private var layer = 0
    /// The activation (forward) or its gradient (backward) where the step stopped.
    private var carry: [Float] = []
    private var labels: [Int32] = []
    private var negatives: [Int32] = []
    private var scale: Float = 1
    /// This shard's sums the waiting batch norm needs totalled over the batch (nil: not waiting).
    private(set) var pendingSums: [Double]?
    /// The summed loss of the shard, once the forward pass is through.
    private(set) var stepLoss: Double = 0
    /// Whether, at the end of the step, every gradient entry times `headroom` is
    /// finite, so that the sum over `headroom` shards is (`Gradient.isFinite(headroom:)`).
    /// Checked by each worker on its own shard, concurrently, at the end of its step.
    private(set) var gradientsFinite = true
    private var headroom: Float = 1

    /// Starts a training step on one shard; gradients are scaled by `scale` (1/batch).
    /// Runs until a batch norm needs the whole batch's sums (`pendingSums`) or to the end.
    /// `batchNumber` (the training run's batch count) draws the item tower's id
    /// dropout for this step; nil drops nothing.
    /// `shards`: how many workers' gradients will be summed (for `gradientsFinite`).
    func begin(_ batch: SampleBatch, negatives: [Int32], scale: Float, batchNumber: UInt64? = nil, shards: Int = 1) {
        labels = batch.labels; self.negatives = negatives; self.scale = scale; headroom = Float(shards)
        itemTower?.dropoutSalt = batchNumber
        carry = encode(batch)
        layer = 0; stage = .forward
        advance()
    }

    /// Goes on from `pendingSums` with their totals over every shard of the batch.
    func resume(_ totals: [Double]) {
        precondition(pendingSums != nil)
        switch stage {
        case .forward: carry = dense[layer].forwardNormalized(totals: totals); layer += 1
        case .backward: carry = dense[layer].backwardFromNorm(totals: totals); layer -= 1
        case .done: preconditionFailure("resume after the step ended")
        }
        advance()
    }

    private func advance() {
        pendingSums = nil
        if stage == .forward {
            while layer < dense.count {
                if dense[layer].norm != nil { pendingSums = dense[layer].forwardAffine(carry, rows: rows); return }
                carry = dense[layer].forward(carry, rows: rows)
                layer += 1
            }
            if let norm { carry = norm.forward(carry, rows: rows) }
            stepLoss = loss.forward(user: carry, rows: rows, labels: labels, negatives: negatives)
            carry = loss.backward(scale: scale)
            if let norm { carry = norm.backward(carry) }
            stage = .backward
            layer = dense.count - 1
        }
        while layer >= 0 {
            if dense[layer].norm != nil { pendingSums = dense[layer].backwardToNorm(carry); return }
            carry = dense[layer].backward(carry)
            layer -= 1
        }
        encodersBackward(carry)
        carry = []
        gradientsFinite = gradients.allSatisfy { $0.isFinite(headroom: headroom) }
        stage = .done
        itemTower?.dropoutSalt = nil
    }

    /// One training step over `shards` workers, shard `w` started by `begin(w)`
    /// (which calls `workers[w].begin`); each stage runs on every worker at once
    /// (on `team`, inline for one). Between stages the workers' sums are added in
    /// worker order, and the forward moments move the running statistics once per batch.
    static func trainStep(_ workers: [Network], shards: Int, team: WorkerTeam = .alone, begin: (Int) -> Void) {
        team.run(shards, begin)
        while workers[0].pendingSums != nil {
            var totals = workers[0].pendingSums!
            for w in 1..<shards {
                let s = workers[w].pendingSums!
                for j in totals.indices { totals[j] += s[j] }
            }
            if workers[0].stage == .forward { workers[0].dense[workers[0].layer].norm!.updateRunningStatistics(totals) }
            team.run(shards) { w in workers[w].resume(totals) }
        }
    }

    /// Forward and backward on a whole batch in this worker alone; returns the summed loss.
    func step(_ batch: SampleBatch, negatives: [Int32], scale: Float, batchNumber: UInt64? = nil) -> Double {
        Network.trainStep([self], shards: 1) { _ in
            begin(batch, negatives: negatives, scale: scale, batchNumber: batchNumber)
        }
        return stepLoss
    }

    func zeroGradients() { for g in gradients { g.zero() } }
}

/// Column blocks of row-major matrices: the concatenation of encoder outputs
/// (user tower, item tower) and its gradient's split back into them.
enum Columns {
    /// Copies the rows × w matrix `src` into columns [at, at+w) of the rows × width
    /// matrix `dst`, row by row (the caller checks the sizes).
    static func place(_ src: [Float], width w: Int, into dst: inout [Float], width: Int, at: Int, rows: Int) {
        guard w > 0, rows > 0 else { return }
        src.withUnsafeBufferPointer { sp in
            dst.withUnsafeMutableBufferPointer { dp in
                for r in 0..<rows { (dp.baseAddress! + r * width + at).update(from: sp.baseAddress! + r * w, count: w) }
            }
        }
    }

    /// Columns [at, at+count) of the rows × width matrix `src`, as a rows × count matrix.
    static func take(_ src: [Float], width: Int, at: Int, count: Int, rows: Int) -> [Float] {
        var part = [Float].zeros(rows * count)
        guard count > 0, rows > 0 else { return part }
        src.withUnsafeBufferPointer { sp in
            part.withUnsafeMutableBufferPointer { pp in
                for r in 0..<rows { (pp.baseAddress! + r * count).update(from: sp.baseAddress! + r * width + at, count: count) }
            }
        }
        return part
    }
}
