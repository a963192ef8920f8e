import Dispatch
import Foundation
import YDNNSignals

public struct TrainOptions: Sendable {
    public var epochs: Int = 1
    public var batchSize: Int = 128
    public var optimizer = OptimizerSpec()
    /// Training workers. Each batch is cut into `threads` contiguous shards that run
    /// forward/backward concurrently; their gradients are then summed in worker
    /// order, so the same seed and thread count always give identical weights.
    /// The default is a fixed 2, not the machine's core count, so a recipe prints the
    /// same numbers everywhere (on 2 cores: 1.6-1.7× the samples/s of 1 worker, ydnn-bench model).
    public var threads: Int = 2
    /// OpenBLAS threads per worker while training (1 keeps one owner of the cores).
    public var blasThreads: Int = 1
    public var shuffle: Bool = true
    /// Stop after this many batches (the way Ctrl-C stops, after a batch), so a
    /// session interrupted after batch k replays exactly with `batches=k`.
    public var maxBatches: Int? = nil
    /// Item weights for the noise / sampling distribution (e.g. click counts from the
    /// vocabulary, or damped counts). Nil: derived from the training labels according
    /// to the spec's `noise` (uniform, frequency^power or threshold-damped).
    public var noiseWeights: [Double]? = nil
    public init(epochs: Int = 1, batchSize: Int = 128, optimizer: OptimizerSpec = OptimizerSpec(), threads: Int = 2) {
        self.epochs = epochs; self.batchSize = batchSize; self.optimizer = optimizer; self.threads = threads
    }
}

/// What the trainer tells its caller after every batch (for progress bars) and at
/// the end of every epoch (`isEpochEnd`, for one line per epoch).
public struct TrainProgress: Sendable {
    public var epoch: Int               // 1-based
    public var epochs: Int
    public var batch: Int               // 1-based, within the epoch
    public var batchesPerEpoch: Int
    /// Mean loss per sample over this epoch so far.
    public var loss: Double
    public var samplesPerSecond: Double
    /// Estimated seconds until the last epoch ends.
    public var eta: Double
    public var isEpochEnd: Bool
    /// Mean loss on the validation samples, at epoch ends when some were given.
    public var validationLoss: Double? = nil
}

public struct TrainReport: Sendable {
    public enum Outcome: Sendable, Equatable {
        case completed
        /// Ctrl-C: stopped after the current batch; the weights are kept.
        case interrupted
        /// The loss became NaN or infinite; that batch was not applied.
        case nonFinite(lastGoodLoss: Double?)
    }
    public var outcome: Outcome
    /// Mean loss per sample of each finished (or interrupted) epoch.
    public var epochLosses: [Double]
    /// Mean loss per sample of every applied batch.
    public var batchLosses: [Double]
    /// Validation loss after each finished epoch (empty without validation samples).
    public var validationLosses: [Double] = []
    public var samples: Int
    public var seconds: Double
    public var samplesPerSecond: Double { seconds > 0 ? Double(samples) / seconds : 0 }
    /// Floating-point operations counted by the layers (forward + backward).
    public var flops: Double

    /// One sentence for the person at the REPL.
    public var message: String {
        switch outcome {
        case .completed: return "trained \(epochLosses.count) epoch(s), final loss \(fmt(epochLosses.last))"
        case .interrupted: return "training interrupted after \(batchLosses.count) batch(es); weights kept, last loss \(fmt(batchLosses.last))"
        case .nonFinite(let last):
            return "training stopped: the loss became NaN or infinite (last good loss \(fmt(last))); lower the learning rate"
        }
    }
    private func fmt(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "n/a" }
}

/// Mini-batch training of a `Model`.
public final class Trainer {
    public let options: TrainOptions
    public init(_ options: TrainOptions) { self.options = options }

    /// Trains in place. `progress` is called on the calling thread after each batch.
    /// With `validation` samples, their loss is computed after every epoch.
    ///
    /// Cancellation: `token` is looked at after every batch. Once it is cancelled the
    /// trainer finishes that batch, keeps the weights and returns outcome
    /// `.interrupted` (it does not throw `Cancelled`, and it leaves the token
    /// cancelled for its caller to see).
    public func train(_ model: Model, on samples: some SampleSource, validation: SampleBatch? = nil,
                      token: CancellationToken = .process,
                      progress: ((TrainProgress) -> Void)? = nil) throws -> TrainReport {
        guard samples.count > 0 else { throw ModelError.invalidSpec("there are no training samples") }
        guard options.batchSize > 0, options.epochs >= 0, options.threads > 0 else {
            throw ModelError.invalidSpec("epochs, batch and threads must be positive")
        }
        if model.spec.hidden.contains(where: { $0.norm == .batch }) && options.batchSize < 2 {
            throw ModelError.invalidSpec("norm=batch normalises over the batch, so it needs batches of at least 2 samples (batch=\(options.batchSize))")
        }
        try model.validate(samples)
        if let validation, validation.count > 0 { try model.validate(validation) }
        let labels = samples.labels  // computed for streamed samples: once, not per use
        if let w = options.noiseWeights {
            guard w.count == model.itemCount, w.allSatisfy({ $0 >= 0 && $0.isFinite }), w.contains(where: { $0 > 0 }) else {
                throw ModelError.invalidSpec("noise weights need one finite, non-negative weight per item (\(model.itemCount)), not all zero")
            }
            model.setNoise(weights: w)
        } else {
            model.setNoise(fromLabels: labels)
        }
        model.initializeOutputBias(labels: labels)
        model.restrictFullSoftmax(toLabels: labels)
        let sampler = NegativeSampler(weights: model.noise.map(Double.init))
        let optimizer = model.optimizer(for: options.optimizer)
        let threads = min(options.threads, options.batchSize)
        let workers = (0..<threads).map { model.worker($0) }
        let team = WorkerTeam(size: threads, flushDenormals: true)
        defer { team.shutdown() }
        let floatState = Denormals.flushToZero()
        defer { Denormals.restore(floatState) }
        let savedBLAS = BLAS.threads
        BLAS.threads = options.blasThreads
        defer { BLAS.threads = savedBLAS }

        // A second `train` on the same samples continues the first one's streams (also
        // across a save and load), so epochs=2 equals epochs=1 twice, bit for bit.
        var streams = model.resumeStreams(sampleCount: samples.count, sampler: sampler)
        model.streams = nil  // until this call completes: a throw must not leave a stale position
        let out = model.spec.output
        let batches = (samples.count + options.batchSize - 1) / options.batchSize
        let totalBatches = batches * options.epochs
        var report = TrainReport(outcome: .completed, epochLosses: [], batchLosses: [], samples: 0, seconds: 0, flops: 0)
        var stoppedEarly = false   // by Ctrl-C or `maxBatches`
        let flopsBefore = workers.reduce(0) { $0 + $1.flops }
        let start = DispatchTime.now().uptimeNanoseconds
        var lastGood: Double? = nil
        training: for epoch in 1...max(options.epochs, 1) where options.epochs > 0 {
            if options.shuffle { streams.shuffle() }
            let order = streams.order
            var epochSum = 0.0, epochCount = 0
            for b in 0..<batches {
                let lo = b * options.batchSize, hi = min(lo + options.batchSize, samples.count)
                let rows = hi - lo
                // Drawn for the whole batch before sharding, so they do not depend on the thread count.
                let negatives = streams.drawNegatives(model, rows: rows, sampler)
                let perRow = out.negativesPerRow
                let scale = 1 / Float(rows)
                // Every batch the model ever trained on has its own number, also across `train` calls and files.
                let batchNumber = UInt64(model.lossHistory.count)
                // In-batch negatives are the batch's other labels: a shard would only see
                // its own part, so that loss always runs as one worker.
                let shards = threads == 1 || out.loss == .inBatch ? 1 : min(threads, rows)
                // Batch norms stop every worker for the whole batch's sums (Network.trainStep).
                Network.trainStep(workers, shards: shards, team: team) { w in
                    let a = lo + rows * w / shards, z = lo + rows * (w + 1) / shards
                    let shard = samples.gather(order[a..<z])
                    let negs = perRow > 0 ? Array(negatives[(a - lo) * perRow ..< (z - lo) * perRow]) : negatives
                    workers[w].zeroGradients()
                    workers[w].begin(shard, negatives: negs, scale: scale, batchNumber: batchNumber, shards: shards)
                }
                let batchLoss = workers[0..<shards].reduce(0) { $0 + $1.stepLoss } / Double(rows)
                if !batchLoss.isFinite {
                    report.outcome = .nonFinite(lastGoodLoss: lastGood)
                    break training
                }
                // A finite loss can still come with an overflowing gradient; applying it
                // would poison the weights, so it stops training the same way. Each worker
                // checked its own shard with headroom for the sum (Network.gradientsFinite).
                if !workers[0..<shards].allSatisfy(\.gradientsFinite) {
                    report.outcome = .nonFinite(lastGoodLoss: lastGood)
                    break training
                }
                // Sums the workers' gradients, always in worker order, and applies them.
                optimizer.apply(shards: workers[0..<shards].map(\.gradients), team: team)
                lastGood = batchLoss
                report.batchLosses.append(batchLoss)
                model.lossHistory.append(batchLoss)
                epochSum += batchLoss * Double(rows); epochCount += rows
                report.samples += rows

                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                let done = (epoch - 1) * batches + b + 1
                let rate = elapsed > 0 ? Double(report.samples) / elapsed : 0
                let interrupted = token.isCancelled
                let limitReached = options.maxBatches.map { report.batchLosses.count >= $0 } ?? false
                if b + 1 == batches || interrupted || limitReached { report.epochLosses.append(epochSum / Double(epochCount)) }
                var validationLoss: Double? = nil
                if b + 1 == batches, let validation, validation.count > 0 {
                    validationLoss = try model.loss(on: validation)
                    report.validationLosses.append(validationLoss!)
                }
                progress?(TrainProgress(epoch: epoch, epochs: options.epochs, batch: b + 1, batchesPerEpoch: batches,
                                        loss: epochSum / Double(epochCount), samplesPerSecond: rate,
                                        eta: Double(totalBatches - done) * elapsed / Double(done),
                                        isEpochEnd: b + 1 == batches, validationLoss: validationLoss))
                if interrupted || limitReached {
                    if interrupted { report.outcome = .interrupted }
                    stoppedEarly = true
                    break training
                }
            }
            model.epochsTrained += 1
        }
        // Only a completed run goes on: after a stop mid-epoch the next call starts anew.
        model.streams = report.outcome == .completed && !stoppedEarly ? streams : nil
        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        report.flops = workers.reduce(0) { $0 + $1.flops } - flopsBefore
        return report
    }

}

extension Model {
    /// Mean loss per sample on `samples` without changing the weights (a validation
    /// loss). Negatives come from a fixed stream, so the number is reproducible.
    public func loss(on samples: SampleBatch, batchSize: Int = 512) throws -> Double {
        guard samples.count > 0 else { throw ModelError.invalidSpec("there are no samples to score") }
        try validate(samples)
        let sampler = NegativeSampler(weights: noise.map(Double.init))
        var rng = RNG(seed: seed, stream: "eval-negatives")
        let net = worker(0)
        var total = 0.0
        var start = 0
        while start < samples.count {
            let end = min(start + batchSize, samples.count)
            let batch = samples.gather(start..<end)
            let user = net.tower(batch)
            total += net.loss.forward(user: user, rows: batch.count, labels: batch.labels,
                                      negatives: drawNegatives(rows: batch.count, sampler, &rng))
            start = end
        }
        return total / Double(samples.count)
    }

    /// The negatives the output layer expects for a batch of `rows` samples.
    func drawNegatives(rows: Int, _ sampler: NegativeSampler, _ rng: inout RNG) -> [Int32] {
        switch spec.output.loss {
        case .nce: return NCELoss.drawNegatives(rows: rows, k: spec.output.negatives, sampler: sampler, &rng)
        case .sampledSoftmax where spec.output.perSample:
            return NCELoss.drawNegatives(rows: rows, k: spec.output.negatives, sampler: sampler, &rng)
        case .sampledSoftmax: return SoftmaxLoss.drawNegatives(k: spec.output.negatives, sampler: sampler, &rng)
        case .fullSoftmax, .inBatch: return []
        }
    }

    /// Summed loss of one batch with the given negatives, and the gradient of that sum
    /// for every parameter (by name, dense layout). For whole-model gradient tests.
    public func lossAndGradients(on batch: SampleBatch, negatives: [Int32]) throws -> (loss: Double, gradients: [String: [Float]]) {
        try validate(batch)
        let net = worker(0)
        net.zeroGradients()
        let l = net.step(batch, negatives: negatives, scale: 1)
        var grads: [String: [Float]] = [:]
        for g in net.gradients { grads[g.parameter.name] = g.toDense() }
        return (l, grads)
    }
}
