/// One worker's copy of the computation: the layers of a `Model`, all reading the
/// model's shared parameters and each holding its own activations and gradients.
/// The trainer runs one per thread on a shard of the batch and then sums the
/// gradients in worker order.
final class Network {
    let spec: ModelSpec
    let encoders: [FeatureEncoder]
    let dense: [Dense]
    let norm: L2Normalize?
    let loss: OutputLoss
    let itemTower: ItemTower?
    let gradients: [Gradient]
    private var rows = 0

    /// Binds every layer to its tensors by (owner, role) in the model's layout.
    init(spec: ModelSpec, layout: ParameterLayout, parameters: [Parameter], noise: [Float], itemInputs: ItemInputs?, seed: UInt64) {
        self.spec = spec
        func p(_ owner: ParameterLayout.Owner, _ role: ParameterLayout.Role) -> Parameter {
            parameters[layout.index(owner, role)!]
        }
        encoders = spec.encoders.enumerated().map { i, e -> FeatureEncoder in
            let table = p(.encoder(i), .table)
            switch e.kind {
            case .embedding: return EmbeddingPool(spec: e, table: table)
            case .lstm:
                return LSTMEncoder(spec: e, table: table, wx: p(.encoder(i), .inputWeights),
                                   wh: p(.encoder(i), .recurrentWeights), bias: p(.encoder(i), .bias))
            case .attention: return AttentionPool(spec: e, table: table, query: p(.encoder(i), .query))
            }
        }
        dense = spec.hidden.indices.map { i in
            Dense(weight: p(.dense(i), .weight), bias: p(.dense(i), .bias), relu: spec.hidden[i].activation == .relu)
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
        gradients = encoders.flatMap(\.gradients) + dense.flatMap { [$0.dWeight, $0.dBias] } + loss.gradients
    }

    var flops: Double {
        encoders.reduce(0) { $0 + $1.flops } + dense.reduce(0) { $0 + $1.flops } + loss.flops + (itemTower?.flops ?? 0)
    }

    /// The user tower: encoders → concat (+ dense inputs) → hidden layers → (L2 norm).
    /// Returns rows × towerDimension.
    func tower(_ batch: SampleBatch) -> [Float] {
        rows = batch.count
        let width = spec.concatDimension
        var x = [Float].zeros(rows * width)
        var offset = 0
        for enc in encoders {
            let ids = batch.sparse[enc.spec.feature] ?? RaggedIDs(offsets: [Int32](repeating: 0, count: rows + 1), ids: [])
            let out = enc.forward(ids)
            let d = enc.outputDimension
            precondition(out.count == rows * d && offset + d <= width)
            Network.copyColumns(out, width: d, into: &x, width: width, at: offset, rows: rows)
            offset += d
        }
        for name in spec.denseInputs {
            if let col = batch.dense[name] { for r in 0..<rows { x[r * width + offset] = col[r] } }
            offset += 1
        }
        for layer in dense { x = layer.forward(x, rows: rows) }
        if let norm { x = norm.forward(x, rows: rows) }
        return x
    }

    /// Copies the rows × w matrix `src` into columns [at, at+w) of the rows × width
    /// matrix `dst`, row by row (the caller checks the sizes).
    private static func copyColumns(_ src: [Float], width w: Int, into dst: inout [Float], width: Int, at: Int, rows: Int) {
        guard w > 0, rows > 0 else { return }
        src.withUnsafeBufferPointer { sp in
            dst.withUnsafeMutableBufferPointer { dp in
                for r in 0..<rows { (dp.baseAddress! + r * width + at).update(from: sp.baseAddress! + r * w, count: w) }
            }
        }
    }

    func towerBackward(_ dUser: [Float]) {
        var g = dUser
        if let norm { g = norm.backward(g) }
        for layer in dense.reversed() { g = layer.backward(g) }
        let width = spec.concatDimension
        var offset = 0
        for enc in encoders {
            let d = enc.outputDimension
            var part = [Float].zeros(rows * d)
            precondition(g.count == rows * width && offset + d <= width)
            if d > 0 && rows > 0 { g.withUnsafeBufferPointer { gp in
                part.withUnsafeMutableBufferPointer { pp in
                    for r in 0..<rows { (pp.baseAddress! + r * d).update(from: gp.baseAddress! + r * width + offset, count: d) }
                }
            } }
            enc.backward(part)
            offset += d
        }
    }

    /// Forward and backward on one shard; gradients are scaled by `scale` (1/batch).
    /// Returns the summed loss of the shard. `batchNumber` (the training run's batch
    /// count) draws the item tower's id dropout; nil drops nothing.
    func step(_ batch: SampleBatch, negatives: [Int32], scale: Float, batchNumber: UInt64? = nil) -> Double {
        itemTower?.dropoutSalt = batchNumber
        defer { itemTower?.dropoutSalt = nil }
        let user = tower(batch)
        let l = loss.forward(user: user, rows: batch.count, labels: batch.labels, negatives: negatives)
        towerBackward(loss.backward(scale: scale))
        return l
    }

    func zeroGradients() { for g in gradients { g.zero() } }
}
