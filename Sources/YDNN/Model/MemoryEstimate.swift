import Foundation

/// Bytes a model will need, estimated from its spec before anything is allocated,
/// so a caller can refuse a network that cannot fit (two `dense 65536` layers
/// otherwise abort the process with "failed to allocate 17179869216 bytes").
///
/// Weights and optimizer state are exact (they come from the parameter layout);
/// gradients and activations are upper-bound estimates of the buffers the layers
/// keep per training worker, within a small factor of what a batch really touches.
public struct MemoryEstimate: Sendable, Equatable, CustomStringConvertible {
    /// The parameters, Float32.
    public var weights: Int
    /// Adam's two moments or Adagrad's one, as large as the weights each (SGD: 0).
    public var optimizerState: Int
    /// Every worker's gradient buffers: full for dense tensors, touched rows (and a
    /// row map) for the sparse tables.
    public var gradients: Int
    /// Every worker's activations for one batch, forward and backward.
    public var activations: Int

    /// Saturates at `Int.max` (an absurd spec must still get an answer, not a trap).
    public var total: Int {
        [optimizerState, gradients, activations].reduce(weights) { a, b in
            let (s, o) = a.addingReportingOverflow(b)
            return o ? Int.max : s
        }
    }

    public var description: String {
        "about \(Self.format(total)): weights \(Self.format(weights)), optimizer \(Self.format(optimizerState)), "
            + "gradients \(Self.format(gradients)), activations \(Self.format(activations)) per batch"
    }

    /// "512 B", "3.2 MB", "17.2 GB" (decimal units, as `free -h --si` and disk sizes).
    public static func format(_ bytes: Int) -> String {
        let b = Double(bytes)
        if b < 1e3 { return "\(bytes) B" }
        for (unit, scale) in [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)] where b >= scale {
            return String(format: "%.1f", b / scale) + " " + unit
        }
        return "\(bytes) B"
    }

    /// The machine's physical memory.
    public static var physicalMemory: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory) }
}

extension ModelSpec {
    /// What training this network with `optimizer` on batches of `batchSize` samples
    /// split over `threads` workers needs. `sequenceLength` bounds the ids per
    /// sample of list features (the history window; 50 is the mean-pool recipe's).
    /// Sizes overflow into `Int.max` rather than trap, so absurd specs still get an answer.
    public func memoryEstimate(features: [FeatureInfo], itemCount: Int, batchSize: Int,
                               optimizer: OptimizerSpec.Kind, threads: Int = 2,
                               sequenceLength: Int = 50) -> MemoryEstimate {
        let layout = ParameterLayout(spec: self, features: features, itemCount: itemCount)
        func mul(_ xs: Int...) -> Int {
            xs.reduce(1) { a, x in
                let (p, o) = a.multipliedReportingOverflow(by: max(0, x))
                return o ? Int.max : p
            }
        }
        func add(_ a: Int, _ b: Int) -> Int { let (s, o) = a.addingReportingOverflow(b); return o ? Int.max : s }
        let f = MemoryLayout<Float>.size
        let weights = layout.tensors.reduce(0) { add($0, mul($1.rows, $1.cols, f)) }
        let moments = optimizer == .adam ? 2 : optimizer == .adagrad ? 1 : 0
        // In-batch softmax runs as one worker over the whole batch (Trainer).
        let workers = output.loss == .inBatch ? 1 : max(1, min(threads, batchSize))
        let rows = (max(1, batchSize) + workers - 1) / workers
        let k = output.negatives
        // Items the output layer scores per shard (the compact candidate rows).
        let candidates: Int
        switch output.loss {
        case .nce: candidates = min(itemCount, mul(rows, k + 1))
        case .sampledSoftmax where output.perSample: candidates = min(itemCount, mul(rows, k + 1))
        case .sampledSoftmax: candidates = min(itemCount, add(rows, k))
        case .fullSoftmax: candidates = itemCount
        case .inBatch: candidates = min(itemCount, rows)
        }

        var gradient = 0, activation = 0
        for t in layout.tensors {
            if !t.sparse { gradient = add(gradient, mul(t.rows, t.cols, f)); continue }
            // A row map per table, plus the rows a batch can touch.
            let touched: Int
            switch t.owner {
            // A shared history (pool items shared=on) touches its clicks' rows too.
            case .output where t.role == .weight:
                touched = min(t.rows, add(candidates, mul(rows, sequenceLength, encoders.filter(\.shared).count)))
            case .output: touched = candidates
            // The values of the scored items: a few per candidate.
            case .itemEncoder: touched = min(t.rows, mul(candidates, 8))
            case .encoder(let i):
                let single = features.first { $0.name == encoders[i].feature }?.kind == .single
                touched = min(t.rows, mul(rows, single ? 1 : sequenceLength))
            case .dense, .itemDense: touched = t.rows
            }
            gradient = add(gradient, add(mul(t.rows, 4), mul(touched, t.cols, f)))
        }
        for e in encoders {
            let single = features.first { $0.name == e.feature }?.kind == .single
            let tokens = mul(rows, single ? 1 : sequenceLength)
            switch e.kind {
            case .embedding: activation = add(activation, mul(rows, e.outputDimension, f, 2))
            case .lstm:
                // Per token: embedding, four gates, cell, tanh(cell), hidden; and their gradients.
                activation = add(activation, mul(tokens, e.dim + 7 * e.hidden, f, 2))
            case .attention: activation = add(activation, mul(tokens, e.dim + 2, f, 2))
            }
        }
        var width = concatDimension
        activation = add(activation, mul(rows, width, f, 2))
        for h in hidden {
            // A batch norm keeps z, x̂ and dx̂ besides the layer's input and output.
            activation = add(activation, mul(rows, width + h.units * (h.norm == .batch ? 4 : 1), f, 2))
            width = h.units
        }
        // The item tower's activations, per candidate row, forward and backward.
        if let tower = itemTower {
            let widths = [tower.concatDimension] + tower.hidden.map(\.units) + [towerDimension]
            activation = add(activation, mul(candidates, widths.reduce(0, +), f, 2))
        }
        // Output: the compact candidate rows and their gradient, logits and their gradient.
        activation = add(activation, mul(candidates, towerDimension + 1, f, 2))
        activation = add(activation, mul(rows, output.negativesPerRow > 0 ? k + 1 : candidates, f, 2))
        return MemoryEstimate(weights: weights, optimizerState: mul(weights, moments),
                              gradients: mul(gradient, workers), activations: mul(activation, workers))
    }

    /// Throws when training this network would need more than `available` bytes
    /// (default: the machine's physical memory), naming the estimate's parts.
    public func checkFitsInMemory(features: [FeatureInfo], itemCount: Int, batchSize: Int,
                                  optimizer: OptimizerSpec.Kind, threads: Int = 2, sequenceLength: Int = 50,
                                  available: Int = MemoryEstimate.physicalMemory) throws {
        let e = memoryEstimate(features: features, itemCount: itemCount, batchSize: batchSize, optimizer: optimizer,
                               threads: threads, sequenceLength: sequenceLength)
        guard e.total <= available else {
            throw ModelError.invalidSpec("training this network needs \(e), more than the \(MemoryEstimate.format(available)) "
                                         + "of memory here: make the largest layers or the batch smaller")
        }
    }

    /// Throws when the output layer asks for more negatives per draw than the item
    /// catalogue holds (`nce negatives=N`, `softmax sampled=N`): the draws would
    /// repeat items, and for sampled softmax `softmax full` is then exact and cheaper.
    public func validateNegatives(itemCount: Int) throws {
        switch output.loss {
        case .nce, .sampledSoftmax:
            guard output.negatives <= itemCount else {
                let what = output.loss == .nce ? "nce negatives=\(output.negatives)" : "softmax sampled=\(output.negatives)"
                throw ModelError.invalidSpec("\(what) exceeds the item catalogue of \(itemCount) items: "
                                             + "use at most \(itemCount)" + (output.loss == .sampledSoftmax ? ", or softmax full" : ""))
            }
        case .fullSoftmax, .inBatch: break
        }
    }
}
