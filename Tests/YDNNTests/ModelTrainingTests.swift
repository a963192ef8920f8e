import XCTest
import YDNN
import YDNNTestSupport

/// Every parameter's gradient from `lossAndGradients` against central
/// differences of the summed loss, at its six largest entries (where a wiring
/// mistake would show). Returns the names of the parameters with a nonzero gradient.
@discardableResult
func checkWholeModelGradient(_ model: Model, _ data: SampleBatch, _ negatives: [Int32], _ what: String,
                             file: StaticString = #filePath, line: UInt = #line) throws -> Set<String> {
    let (_, grads) = try model.lossAndGradients(on: data, negatives: negatives)
    var nonzero = Set<String>()
    // Running statistics are state, not trained: they have no gradient.
    for (t, p) in zip(model.layout.tensors, model.parameters) where t.trainable {
        let g = grads[p.name]!
        if g.contains(where: { $0 != 0 }) { nonzero.insert(p.name) }
        for i in g.indices.sorted(by: { abs(g[$0]) > abs(g[$1]) }).prefix(6) {
            let old = p.value[i], eps: Float = 1e-3
            p.value[i] = old + eps
            let up = try model.lossAndGradients(on: data, negatives: negatives).loss
            p.value[i] = old - eps
            let down = try model.lossAndGradients(on: data, negatives: negatives).loss
            p.value[i] = old
            let numeric = (up - down) / Double(2 * eps)
            XCTAssertEqual(Double(g[i]), numeric, accuracy: 2e-3 + 3e-2 * abs(numeric), "\(what) \(p.name)[\(i)]", file: file, line: line)
        }
    }
    return nonzero
}

final class ModelTrainingTests: XCTestCase {
    var shape: SyntheticSamples.Shape {
        var s = SyntheticSamples.Shape()
        s.users = 40; s.items = 60; s.categories = 6; s.tags = 12; s.history = 4
        return s
    }

    func smallPaddleSpec() -> ModelSpec {
        var spec = ModelSpec()
        spec.encoders = [.embedding("user_id", dim: 8), .embedding("phone", dim: 3),
                         .embedding("tags", dim: 4, pool: .avg), .lstm("items", hidden: 6, dim: 5, pool: .max)]
        spec.denseInputs = ["example_age"]
        spec.hidden = [DenseSpec(12), DenseSpec(7)]
        spec.output = .nce(negatives: 3, noise: .frequency)
        return spec
    }

    /// The whole network (concat, dense inputs, every encoder, loss) against finite
    /// differences of its summed loss.
    func testWholeModelGradient() throws {
        for output in [OutputSpec.nce(negatives: 3), .sampledSoftmax(negatives: 4, bias: true), .inBatch()] {
            var spec = smallPaddleSpec()
            spec.output = output
            // Linear hidden layers: ReLU kinks make central differences unreliable here
            // (ReLU has its own check in ModelGradientTests).
            spec.hidden = [DenseSpec(12, .none), DenseSpec(7, .none)]
            spec.normalize = output.loss == .inBatch
            spec.encoders.append(.attention("categories", dim: 3, lastSlot: true))
            let data = SyntheticSamples.make(count: 6, shape: shape, seed: 3)
            let model = try Model(spec: spec, features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 1)
            var rng = RNG(seed: 5)
            let negs: [Int32] = (0..<(output.loss == .nce ? 18 : output.negatives)).map { _ in Int32(rng.nextInt(below: 60)) }
            try checkWholeModelGradient(model, data, negs, "\(output.loss)")
        }
    }

    /// The same with batch norms (training: the batch's own statistics) and a history
    /// that shares the output item table, whose one gradient sums both uses.
    func testWholeModelGradientWithBatchNormAndSharedTable() throws {
        var spec = ModelSpec()
        spec.encoders = [.embedding("user_id", dim: 8), .embedding("items", dim: 7, pool: .avg, shared: true),
                         .embedding("tags", dim: 4, pool: .avg)]
        spec.hidden = [DenseSpec(12, .none, norm: .batch), DenseSpec(7, .none, norm: .batch)]
        spec.normalize = true
        spec.temperature = 0.5
        spec.output = .sampledSoftmax(negatives: 4, logQ: false, perSample: true)
        let data = SyntheticSamples.make(count: 6, shape: shape, seed: 3)
        let model = try Model(spec: spec, features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 1)
        // γ and β away from their start, so their gradients are not special.
        var rng = RNG(seed: 6)
        for name in ["dense1.gamma", "dense1.beta", "dense2.gamma", "dense2.beta"] {
            let p = model.parameter(named: name)!
            for i in 0..<p.count { p.value[i] += rng.nextGaussian() * 0.3 }
        }
        let negs: [Int32] = (0..<(6 * 4)).map { _ in Int32(rng.nextInt(below: 60)) }
        try checkWholeModelGradient(model, data, negs, "batch norm, shared table")
        XCTAssertNil(model.parameter(named: "embedding.items"), "the history has no table of its own")
    }

    func testTinyModelOverfits() throws {
        var spec = smallPaddleSpec()
        spec.output = .fullSoftmax()
        let data = SyntheticSamples.make(count: 8, shape: shape, seed: 11)
        let model = try Model(spec: spec, features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 2)
        let before = try model.loss(on: data)
        var opts = TrainOptions(epochs: 300, batchSize: 8, optimizer: OptimizerSpec(.adam, learningRate: 0.02))
        opts.shuffle = false
        let report = try Trainer(opts).train(model, on: data)
        XCTAssertEqual(report.outcome, .completed)
        let after = try model.loss(on: data)
        XCTAssertGreaterThan(before, 3)
        XCTAssertLessThan(after, 0.05, "a tiny model must memorise 8 samples (loss \(before) → \(after))")
    }

    func testNCETrainingRanksTheLabelFirst() throws {
        let data = SyntheticSamples.make(count: 8, shape: shape, seed: 12)
        let model = try Model(spec: smallPaddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 2)
        let opts = TrainOptions(epochs: 400, batchSize: 8, optimizer: OptimizerSpec(.adam, learningRate: 0.02))
        let report = try Trainer(opts).train(model, on: data)
        XCTAssertLessThan(report.epochLosses.last!, report.epochLosses.first! * 0.5)
        let users = try model.userVectors(for: data), items = model.itemVectors()
        let d = model.vectorDimension
        XCTAssertEqual(d, 8)
        XCTAssertEqual(users[0], 1, "user vector starts with the bias slot")
        // NCE stops pushing once o ≫ k·q, so the label lands near the top rather than
        // always first; chance would put it at rank 30 of 60.
        var ranks: [Int] = []
        for s in 0..<data.count {
            let scores = (0..<shape.items).map { i in (0..<d).reduce(Float(0)) { $0 + users[s * d + $1] * items[i * d + $1] } }
            let label = Int(data.labels[s])
            ranks.append(scores.filter { $0 > scores[label] }.count)
        }
        XCTAssertLessThanOrEqual(ranks.max()!, 4, "ranks of the memorised labels: \(ranks)")
        XCTAssertGreaterThanOrEqual(ranks.filter { $0 == 0 }.count, 4, "ranks of the memorised labels: \(ranks)")
    }

    func weights(_ m: Model) -> [[Float]] { m.parameters.map(\.value) }

    /// Ranking by the inner product of user and item vectors must equal ranking by the
    /// loss's own logits (u·w/T + b), whatever the temperature and normalisation.
    func testVectorsRankLikeTheModel() throws {
        var spec = smallPaddleSpec()
        spec.normalize = true
        spec.temperature = 0.2
        spec.output = .fullSoftmax(bias: true)
        let data = SyntheticSamples.make(count: 3, shape: shape, seed: 4)
        let model = try Model(spec: spec, features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 9)
        let b = model.parameter(named: "output.b")!
        var rng = RNG(seed: 2)
        for i in 0..<b.count { b.value[i] = rng.nextGaussian() }
        let u = try model.userVectors(for: data), v = model.itemVectors(), d = model.vectorDimension
        for s in 0..<data.count {
            // Full softmax loss of each item as the label: lower loss = higher logit.
            let losses = try (0..<shape.items).map { i -> Double in
                var one = data.gather([s]); one.labels = [Int32(i)]
                return try model.lossAndGradients(on: one, negatives: []).loss
            }
            let dots = (0..<shape.items).map { i in (0..<d).reduce(Float(0)) { $0 + u[s * d + $1] * v[i * d + $1] } }
            let byLoss = losses.indices.sorted { losses[$0] < losses[$1] }.prefix(5)
            let byDot = dots.indices.sorted { dots[$0] > dots[$1] }.prefix(5)
            XCTAssertEqual(Array(byLoss), Array(byDot))
        }
    }

    func testServingOverridesExampleAge() throws {
        let data = SyntheticSamples.make(count: 5, shape: shape, seed: 4)
        let model = try Model(spec: smallPaddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 9)
        let plain = try model.userVectors(for: data)
        var zeroed = data
        zeroed.dense["example_age"] = [Float](repeating: 0, count: data.count)
        XCTAssertNotEqual(plain, try model.userVectors(for: zeroed))
        XCTAssertEqual(try model.userVectors(for: data, denseOverrides: ["example_age": 0]), try model.userVectors(for: zeroed))
        // Chunking changes only the GEMM's blocking, hence at most the last bits.
        for (a, b) in zip(try model.userVectors(for: data, chunk: 2), plain) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testTrainingIsDeterministic() throws {
        for threads in [1, 2] {
            var results: [[[Float]]] = []
            for _ in 0..<2 {
                let data = SyntheticSamples.make(count: 100, shape: shape, seed: 4)
                let model = try Model(spec: smallPaddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 9)
                var opts = TrainOptions(epochs: 2, batchSize: 16, optimizer: OptimizerSpec(.adam, learningRate: 0.01))
                opts.threads = threads
                _ = try Trainer(opts).train(model, on: data)
                results.append(weights(model))
            }
            XCTAssertEqual(results[0], results[1], "same seed and \(threads) thread(s) must give identical weights")
        }
        let data = SyntheticSamples.make(count: 100, shape: shape, seed: 4)
        let a = try Model(spec: smallPaddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 9)
        let b = try Model(spec: smallPaddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 10)
        XCTAssertNotEqual(weights(a), weights(b), "a different seed changes the weights")
        _ = try Trainer(TrainOptions(epochs: 1, batchSize: 16)).train(a, on: data)
    }

    func testTwoThreadsMatchOneThreadClosely() throws {
        var losses: [Double] = []
        for threads in [1, 2] {
            let data = SyntheticSamples.make(count: 64, shape: shape, seed: 4)
            let model = try Model(spec: smallPaddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 9)
            var opts = TrainOptions(epochs: 1, batchSize: 32, optimizer: OptimizerSpec(.sgd, learningRate: 0.1))
            opts.threads = threads
            losses.append(try Trainer(opts).train(model, on: data).epochLosses[0])
        }
        // Sharding only changes the order of float sums.
        XCTAssertEqual(losses[0], losses[1], accuracy: 1e-4)
    }

    func testEveryOptimizerLowersTheLoss() throws {
        for kind in OptimizerSpec.Kind.allCases {
            var spec = smallPaddleSpec()
            spec.output = .sampledSoftmax(negatives: 10)
            let data = SyntheticSamples.make(count: 200, shape: shape, seed: 5)
            let model = try Model(spec: spec, features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 3)
            model.setNoise(fromLabels: data.labels)   // what train() does, so both losses use the same sampler
            let before = try model.loss(on: data)
            let lr: Float = kind == .sgd ? 0.5 : kind == .adagrad ? 0.05 : 0.01
            _ = try Trainer(TrainOptions(epochs: 8, batchSize: 20, optimizer: OptimizerSpec(kind, learningRate: lr))).train(model, on: data)
            XCTAssertLessThan(try model.loss(on: data), before * 0.9, "\(kind)")
        }
    }

    func testOptimizerThreadsDoNotChangeTheUpdate() {
        for kind in OptimizerSpec.Kind.allCases {
            var results: [[[Float]]] = []
            for threads in [1, 2, 3] {
                var rng = RNG(seed: 1)
                let params = [Parameter(name: "a", rows: 10, cols: 4), Parameter(name: "b", rows: 7, cols: 3, sparse: true),
                              Parameter(name: "c", rows: 1, cols: 5)]
                let opt = Optimizer(OptimizerSpec(kind, l2: 0.01))
                for _ in 0..<3 {
                    let grads = params.map { Gradient($0) }
                    for g in grads {
                        let row = (0..<g.parameter.cols).map { _ in rng.nextGaussian() }
                        row.withUnsafeBufferPointer { g.addRow(rng.nextInt(below: g.parameter.rows), $0.baseAddress!) }
                    }
                    opt.apply(grads, threads: threads)
                }
                results.append(params.map(\.value))
            }
            XCTAssertEqual(results[0], results[1], "\(kind)")
            XCTAssertEqual(results[0], results[2], "\(kind)")
            XCTAssertNotEqual(results[0][0], [Float](repeating: 0, count: 40), "\(kind) moved the weights")
        }
    }

    func testSparseUpdatesTouchOnlyBatchRows() throws {
        let data = SyntheticSamples.make(count: 4, shape: shape, seed: 6)
        let model = try Model(spec: smallPaddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 3)
        let table = model.parameter(named: "embedding.user_id")!
        let before = table.value
        _ = try Trainer(TrainOptions(epochs: 1, batchSize: 4)).train(model, on: data)
        let used = Set(data.sparse["user_id"]!.ids.map(Int.init))
        for r in 0..<table.rows {
            let changed = (0..<table.cols).contains { table.value[r * table.cols + $0] != before[r * table.cols + $0] }
            XCTAssertEqual(changed, used.contains(r), "row \(r)")
        }
    }

    func testNaNStopsWithMessage() throws {
        let data = SyntheticSamples.make(count: 64, shape: shape, seed: 7)
        let model = try Model(spec: smallPaddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 3)
        var calls = 0
        let report = try Trainer(TrainOptions(epochs: 2, batchSize: 16)).train(model, on: data) { _ in
            calls += 1
            if calls == 2 { model.parameter(named: "dense1.w")!.value[0] = .nan }
        }
        guard case .nonFinite(let last) = report.outcome else { return XCTFail("expected a NaN stop, got \(report.outcome)") }
        XCTAssertEqual(last, report.batchLosses.last)
        XCTAssertEqual(report.batchLosses.count, 2)
        XCTAssert(report.message.contains("NaN"), report.message)
        XCTAssert(model.parameter(named: "dense2.w")!.value.allSatisfy(\.isFinite), "the bad batch was not applied")
    }

    func testInfiniteGradientIsNotApplied() throws {
        let data = SyntheticSamples.make(count: 32, shape: shape, seed: 7)
        let model = try Model(spec: smallPaddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 3)
        // A huge learning rate with SGD overflows within a few batches.
        let report = try Trainer(TrainOptions(epochs: 50, batchSize: 8, optimizer: OptimizerSpec(.sgd, learningRate: 1e30)))
            .train(model, on: data)
        guard case .nonFinite = report.outcome else { return XCTFail("expected a NaN/Inf stop, got \(report.outcome)") }
        XCTAssert(report.message.contains("last good loss"), report.message)
    }

    func testInterruptStopsAfterCurrentBatch() throws {
        let data = SyntheticSamples.make(count: 64, shape: shape, seed: 7)
        let model = try Model(spec: smallPaddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 3)
        var seen: [TrainProgress] = []
        let token = CancellationToken()
        let report = try Trainer(TrainOptions(epochs: 3, batchSize: 16)).train(model, on: data, token: token) { p in
            seen.append(p)
            if seen.count == 2 { token.cancel() }
        }
        XCTAssertEqual(report.outcome, .interrupted)
        XCTAssertEqual(report.batchLosses.count, 3, "the batch running when Ctrl-C came is finished")
        XCTAssertTrue(token.isCancelled, "the trainer leaves the token to its owner")
        XCTAssertEqual(model.lossHistory.count, 3)
    }

    func testProcessTokenIsTheDefault() throws {
        let data = SyntheticSamples.make(count: 64, shape: shape, seed: 7)
        let model = try Model(spec: smallPaddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 3)
        CancellationToken.process.cancel()
        defer { CancellationToken.process.reset() }
        let report = try Trainer(TrainOptions(epochs: 3, batchSize: 16)).train(model, on: data)
        XCTAssertEqual(report.outcome, .interrupted)
        XCTAssertEqual(report.batchLosses.count, 1)
    }

    func testProgressAndHistory() throws {
        let data = SyntheticSamples.make(count: 50, shape: shape, seed: 8)
        let model = try Model(spec: smallPaddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 3)
        var ends: [Int] = []
        let held = SyntheticSamples.make(count: 10, shape: shape, seed: 9)
        let report = try Trainer(TrainOptions(epochs: 3, batchSize: 16)).train(model, on: data, validation: held) { p in
            XCTAssertEqual(p.batchesPerEpoch, 4)
            XCTAssert(p.loss.isFinite && p.eta >= 0)
            XCTAssertEqual(p.validationLoss != nil, p.isEpochEnd)
            if p.isEpochEnd { ends.append(p.epoch) }
        }
        XCTAssertEqual(report.validationLosses.count, 3)
        XCTAssertEqual(ends, [1, 2, 3])
        XCTAssertEqual(report.epochLosses.count, 3)
        XCTAssertEqual(report.batchLosses.count, 12)
        XCTAssertEqual(report.samples, 150)
        XCTAssertEqual(model.epochsTrained, 3)
        XCTAssertGreaterThan(report.flops, 0)
    }

    func testSummaryCountsEveryParameter() throws {
        var s = SyntheticSamples.Shape()
        s.items = 1700; s.users = 943
        let model = try Model(spec: SyntheticSamples.paddleSpec(), features: SyntheticSamples.features(s), itemCount: 1700, seed: 1)
        let rows = model.summary()
        XCTAssertEqual(rows.reduce(0) { $0 + $1.parameters }, model.parameterCount)
        XCTAssertEqual(rows.first { $0.layer == "dense1" }?.shapes, "240×256, 1×256")   // 64+8+16+16+8+64 embeddings + 64 LSTM
        XCTAssertEqual(rows.first { $0.layer == "output" }?.parameters, 1700 * 31 + 1700)
        XCTAssertEqual(model.vectorDimension, 32, "Paddle: user [1, relu2], item [b, w]")
        XCTAssert(model.summaryTable().contains("total"))
    }

    func testBadBatchesAreErrorsNotCrashes() throws {
        let model = try Model(spec: smallPaddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 1)
        var data = SyntheticSamples.make(count: 4, shape: shape, seed: 1)
        var bad = data
        bad.sparse["items"]!.ids[0] = 10_000
        XCTAssertThrowsError(try model.userVectors(for: bad)) { XCTAssert("\($0)".contains("outside its vocabulary"), "\($0)") }
        XCTAssertThrowsError(try Trainer(TrainOptions()).train(model, on: bad))
        bad = data
        bad.sparse["phone"] = nil
        XCTAssertThrowsError(try model.userVectors(for: bad)) { XCTAssert("\($0)".contains("'phone'"), "\($0)") }
        data.labels[1] = 60
        XCTAssertThrowsError(try model.loss(on: data)) { XCTAssert("\($0)".contains("label 60"), "\($0)") }
        XCTAssertNoThrow(try model.userVectors(for: data), "labels do not matter for user vectors")
    }

    func testExplicitNoiseWeights() throws {
        let data = SyntheticSamples.make(count: 16, shape: shape, seed: 1)
        let model = try Model(spec: smallPaddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 1)
        var opts = TrainOptions(epochs: 1, batchSize: 8)
        opts.noiseWeights = (0..<shape.items).map { Double($0 % 3) }
        _ = try Trainer(opts).train(model, on: data)
        XCTAssertEqual(model.noise[1], 1.0 / 60.0, accuracy: 1e-6, "weights 0,1,2,… over 60 items sum to 60")
        XCTAssertLessThan(model.noise[0], 1e-6, "a zero weight keeps only a tiny floor")
        opts.noiseWeights = [1, 2]
        XCTAssertThrowsError(try Trainer(opts).train(model, on: data))
    }

    func testSpecErrorsAreClear() {
        var spec = smallPaddleSpec()
        spec.encoders.append(.embedding("nope", dim: 3))
        XCTAssertThrowsError(try Model(spec: spec, features: SyntheticSamples.features(shape), itemCount: 60, seed: 1)) { e in
            XCTAssert("\(e)".contains("unknown feature 'nope'"), "\(e)")
        }
        var lstm = smallPaddleSpec()
        lstm.encoders[3].pool = .avg
        XCTAssertThrowsError(try Model(spec: lstm, features: SyntheticSamples.features(shape), itemCount: 60, seed: 1))
    }
}
