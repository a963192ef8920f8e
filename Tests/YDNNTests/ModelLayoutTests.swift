import Foundation
import XCTest
import YDNN
import YDNNTestSupport

/// The single parameter layout, the noise names, the memory estimate and the
/// order of non-finite scores.
final class ModelLayoutTests: XCTestCase {
    var shape: SyntheticSamples.Shape {
        var s = SyntheticSamples.Shape()
        s.users = 40; s.items = 60; s.categories = 6; s.tags = 12; s.history = 4
        return s
    }

    func spec() -> ModelSpec {
        var spec = ModelSpec()
        spec.encoders = [.embedding("user_id", dim: 8), .lstm("items", hidden: 6, dim: 5, pool: .max),
                         .attention("categories", dim: 3)]
        spec.denseInputs = ["example_age"]
        spec.hidden = [DenseSpec(12), DenseSpec(7, .none)]
        spec.output = .nce(negatives: 3)
        return spec
    }

    func testLayoutDeclaresEveryTensorOnce() throws {
        let spec = spec()
        let layout = ParameterLayout(spec: spec, features: SyntheticSamples.features(shape), itemCount: 60)
        XCTAssertEqual(layout.tensors.map(\.name), [
            "embedding.user_id", "lstm.items", "lstm.items.wx", "lstm.items.wh", "lstm.items.b",
            "attention.categories", "attention.categories.query", "dense1.w", "dense1.b", "dense2.w", "dense2.b",
            "output.w", "output.b"])
        XCTAssertEqual(layout.tensors.map(\.shape), [
            "40×8", "60×5", "5×24", "6×24", "1×24", "6×3", "1×3", "18×12", "1×12", "12×7", "1×7", "60×7", "60×1"])
        XCTAssertEqual(layout.tensors.filter(\.sparse).map(\.name),
                       ["embedding.user_id", "lstm.items", "attention.categories", "output.w", "output.b"])
        XCTAssertEqual(layout.index(.dense(1), .weight), 9)
        XCTAssertEqual(layout.index(.encoder(1), .recurrentWeights), 3)
        XCTAssertNil(layout.index(.encoder(0), .query))
        XCTAssertEqual(layout.tensors(of: .output).map(\.role), [.weight, .bias])
        XCTAssertEqual(layout.tensors[2].initialization, .lstm(stream: "init.lstm.items.lstm"))
        XCTAssertEqual(layout.tensors[9].initialization, .dense(relu: false, stream: "init.dense2"))

        // The model allocates exactly the layout; the summary and the parameter count read it.
        let model = try Model(spec: spec, features: SyntheticSamples.features(shape), itemCount: 60, seed: 1)
        XCTAssertEqual(model.layout, layout)
        XCTAssertEqual(model.parameters.map(\.name), layout.tensors.map(\.name))
        XCTAssertEqual(model.parameters.map { "\($0.rows)×\($0.cols)" }, layout.tensors.map(\.shape))
        XCTAssertEqual(model.parameters.map(\.sparse), layout.tensors.map(\.sparse))
        XCTAssertEqual(model.parameterCount, model.parameters.reduce(0) { $0 + $1.count })
        XCTAssertTrue(model.parameter(.dense(0), .weight) === model.parameter(named: "dense1.w"))
        let rows = model.summary()
        XCTAssertEqual(rows.reduce(0) { $0 + $1.parameters }, layout.parameterCount)
        XCTAssertEqual(rows.first { $0.layer == "items" }?.shapes, "60×5, 5×24, 6×24, 1×24")
        XCTAssertEqual(rows.first { $0.layer == "dense2" }?.shapes, "12×7, 1×7")
        XCTAssertEqual(rows.first { $0.layer == "output" }?.shapes, "60×7, 60×1")

        // Without an output bias the layout, the model and the checkpoint all lack it.
        var noBias = spec
        noBias.output = .sampledSoftmax(negatives: 5, bias: false)
        let m2 = try Model(spec: noBias, features: SyntheticSamples.features(shape), itemCount: 60, seed: 1)
        XCTAssertEqual(m2.layout.tensors.last?.name, "output.w")
        XCTAssertNil(m2.parameter(.output, .bias))
        XCTAssertEqual(try Checkpoint.decode(Checkpoint.encode(m2)).model.layout, m2.layout)
    }

    func testNoiseHasOneNamePerDistribution() throws {
        let features = SyntheticSamples.features(shape)
        func summaryKind(_ noise: OutputSpec.Noise) throws -> String {
            var s = spec()
            s.output = .nce(negatives: 3, noise: noise)
            return try Model(spec: s, features: features, itemCount: 60, seed: 1).summary().last!.kind
        }
        XCTAssertEqual(try summaryKind(.uniform), "nce negatives=3 noise=uniform")
        XCTAssertEqual(try summaryKind(.frequency), "nce negatives=3 noise=frequency")
        XCTAssertEqual(try summaryKind(.frequency(power: 0.75)), "nce negatives=3 noise=frequency^0.75")
        XCTAssertEqual(try summaryKind(.damped(threshold: 0.001)), "nce negatives=3 noise=damped(t=0.001)")
        XCTAssertEqual(OutputSpec.Noise.frequency, .frequency(power: 1))
        XCTAssertNotEqual(OutputSpec.Noise.frequency(power: 0.75), .damped(threshold: 0.75))

        // Codable: every case round-trips exactly; format-1 strings still read.
        for noise: OutputSpec.Noise in [.uniform, .frequency, .frequency(power: 0.75), .damped(threshold: 1e-3),
                                        .damped(threshold: 3.0000001e-5)] {
            var s = spec()
            s.output.noise = noise
            let back = try JSONDecoder().decode(ModelSpec.self, from: JSONEncoder().encode(s))
            XCTAssertEqual(back, s, "\(noise)")
            XCTAssertEqual(OutputSpec.Noise(NegativeDistribution(noise)), noise)
        }
        func legacy(_ word: String) throws -> OutputSpec.Noise {
            try JSONDecoder().decode([OutputSpec.Noise].self, from: Data("[\"\(word)\"]".utf8))[0]
        }
        XCTAssertEqual(try legacy("uniform"), .uniform)
        XCTAssertEqual(try legacy("frequency"), .frequency)
        XCTAssertEqual(try legacy("damped"), .frequency(power: 0.75), "format 1's damped was frequency^0.75")
        XCTAssertThrowsError(try legacy("zipf"))
        XCTAssertEqual(OutputSpec.Noise(.damped(threshold: 0.01)), .damped(threshold: 0.01))
        XCTAssertEqual(OutputSpec.Noise(.frequency(power: 0.5)), .frequency(power: 0.5))

        // Invalid parameters are refused when the model is built.
        for bad: OutputSpec.Noise in [.frequency(power: -1), .frequency(power: .nan), .damped(threshold: 0)] {
            var s = spec()
            s.output.noise = bad
            XCTAssertThrowsError(try Model(spec: s, features: features, itemCount: 60, seed: 1), "\(bad)")
        }
    }

    func testNoiseWeightsFromLabels() throws {
        var s = spec()
        let labels: [Int32] = [Int32](repeating: 0, count: 899) + [1, 2]  // item 0 has 900 of 961 add-one counts
        func noise(_ n: OutputSpec.Noise) throws -> [Float] {
            s.output.noise = n
            let m = try Model(spec: s, features: SyntheticSamples.features(shape), itemCount: 60, seed: 1)
            m.setNoise(fromLabels: labels)
            return m.noise
        }
        let freq = try noise(.frequency), power = try noise(.frequency(power: 0.5)), damped = try noise(.damped(threshold: 0.01))
        XCTAssertEqual(Double(freq[0]), 900.0 / 961, accuracy: 1e-6)
        let sqrtTotal = 900.0.squareRoot() + 2 * 2.0.squareRoot() + 57
        XCTAssertEqual(Double(power[0]), 30 / sqrtTotal, accuracy: 1e-6)
        // Damped: weight f·keep(f) = min(f, sqrt(f·t) + t); the head is flattened, the tail is not.
        let f0 = 900.0 / 961, f3 = 1.0 / 961
        let w0 = (f0 * 0.01).squareRoot() + 0.01, w3 = f3
        XCTAssertEqual(Double(damped[0] / damped[3]), w0 / w3, accuracy: 1e-3 * w0 / w3)
        XCTAssertLessThan(damped[0], freq[0])
        XCTAssertEqual(try noise(.uniform)[7], 1 / 60, accuracy: 1e-7)
    }

    func testMemoryEstimate() throws {
        let features = SyntheticSamples.features(shape)
        let small = spec()
        let e = small.memoryEstimate(features: features, itemCount: 60, batchSize: 16, optimizer: .adam)
        let layout = ParameterLayout(spec: small, features: features, itemCount: 60)
        XCTAssertEqual(e.weights, layout.parameterCount * 4)
        XCTAssertEqual(e.optimizerState, 2 * e.weights)
        XCTAssertEqual(small.memoryEstimate(features: features, itemCount: 60, batchSize: 16, optimizer: .adagrad).optimizerState, e.weights)
        XCTAssertEqual(small.memoryEstimate(features: features, itemCount: 60, batchSize: 16, optimizer: .sgd).optimizerState, 0)
        XCTAssertGreaterThan(e.gradients, 0)
        XCTAssertGreaterThan(e.activations, 0)
        XCTAssertEqual(e.total, e.weights + e.optimizerState + e.gradients + e.activations)
        XCTAssertNoThrow(try small.checkFitsInMemory(features: features, itemCount: 60, batchSize: 16, optimizer: .adam))
        XCTAssertGreaterThan(small.memoryEstimate(features: features, itemCount: 60, batchSize: 512, optimizer: .adam).activations,
                             e.activations, "activations grow with the batch")

        // The case: two dense 65536 layers need 17 GB for one weight matrix alone.
        var huge = small
        huge.hidden = [DenseSpec(65536), DenseSpec(65536)]
        let h = huge.memoryEstimate(features: features, itemCount: 60, batchSize: 128, optimizer: .adam)
        XCTAssertGreaterThan(h.weights, 17_179_869_184)
        XCTAssertEqual(h.optimizerState, 2 * h.weights)
        XCTAssertThrowsError(try huge.checkFitsInMemory(features: features, itemCount: 60, batchSize: 128, optimizer: .adam,
                                                        available: 24_000_000_000)) { error in
            XCTAssert("\(error)".contains("more than the 24.0 GB"), "\(error)")
            XCTAssert("\(error)".contains("weights 17.2 GB"), "\(error)")
        }
        // Full softmax over a large catalogue: logits per batch dominate.
        var full = small
        full.output = .fullSoftmax()
        let f = full.memoryEstimate(features: features, itemCount: 1_000_000, batchSize: 1024, optimizer: .sgd)
        XCTAssertGreaterThan(f.activations, 1024 * 1_000_000 * 4)
        // Absurd sizes saturate instead of trapping.
        huge.hidden = [DenseSpec(Int.max / 2)]
        XCTAssertEqual(huge.memoryEstimate(features: features, itemCount: 60, batchSize: 128, optimizer: .adam).total, Int.max)
        XCTAssertEqual(MemoryEstimate.format(999), "999 B")
        XCTAssertEqual(MemoryEstimate.format(1_500_000), "1.5 MB")
    }

    func testNegativesMustFitTheCatalogue() {
        var s = spec()
        s.output = .nce(negatives: 60)
        XCTAssertNoThrow(try s.validateNegatives(itemCount: 60))
        s.output = .nce(negatives: 61)
        XCTAssertThrowsError(try s.validateNegatives(itemCount: 60)) { e in
            XCTAssert("\(e)".contains("nce negatives=61 exceeds the item catalogue of 60 items"), "\(e)")
        }
        s.output = .sampledSoftmax(negatives: 100)
        XCTAssertThrowsError(try s.validateNegatives(itemCount: 60)) { e in
            XCTAssert("\(e)".contains("softmax sampled=100") && "\(e)".contains("softmax full"), "\(e)")
        }
        s.output = .fullSoftmax()
        XCTAssertNoThrow(try s.validateNegatives(itemCount: 2))
    }

    func testNonFiniteScoresAreNeverHits() {
        let scores: [Float] = [0.5, .nan, 0.9, .infinity, 0.1, -.infinity]
        XCTAssertEqual(ScoreOrder.rank(of: 2, scores: scores, seen: []), 0, "NaN and +inf do not rank ahead")
        XCTAssertEqual(ScoreOrder.rank(of: 0, scores: scores, seen: []), 1)
        XCTAssertEqual(ScoreOrder.rank(of: 4, scores: scores, seen: [2]), 1)
        XCTAssertEqual(ScoreOrder.rank(of: 1, scores: scores, seen: []), scores.count, "a NaN target is behind everything")
        XCTAssertEqual(ScoreOrder.rank(of: 3, scores: scores, seen: [0, 2]), scores.count)
        XCTAssertEqual(RankingMetric.hitRate(5).value(rank: ScoreOrder.rank(of: 1, scores: scores, seen: [])), 0)
        // Finite scores: the ranking convention of exact search (higher first, ties by index).
        let plain: [Float] = [0.3, 0.7, 0.3, 0.1]
        XCTAssertEqual((0..<4).map { ScoreOrder.rank(of: $0, scores: plain, seen: []) }, [1, 0, 2, 3])
        let sorted = (0..<scores.count).sorted { ScoreOrder.ranksBefore(scores[$0], $0, scores[$1], $1) }
        XCTAssertEqual(sorted, [2, 0, 4, 1, 3, 5])
    }
}

/// `init`: other initial draws, only where asked.
final class ModelInitSpecTests: XCTestCase {
    func testTorchRechubDrawsEveryTableFromATinyNormalAndLinearsAsPyTorch() throws {
        var spec = ModelSpec()
        spec.encoders = [.embedding("user_id", dim: 8), .lstm("items", hidden: 6, dim: 5)]
        spec.hidden = [DenseSpec(12)]
        spec.output = .sampledSoftmax(negatives: 4)
        let features = [FeatureInfo(name: "user_id", kind: .single, vocabularySize: 50),
                        FeatureInfo(name: "items", kind: .sequence, vocabularySize: 40)]
        let plain = ParameterLayout(spec: spec, features: features, itemCount: 40)
        spec.initialization = InitSpec(embeddingStd: 1e-4, dense: .pytorch)
        let torch = ParameterLayout(spec: spec, features: features, itemCount: 40)
        for (a, b) in zip(plain.tensors, torch.tensors) {
            switch (a.role, a.owner) {
            case (.table, _), (.weight, .output): XCTAssertEqual(b.initialization, .gaussian(std: 1e-4), a.name)
            case (_, .dense): XCTAssertEqual(b.initialization, .fanInUniform(stream: "init.dense1"), a.name)
            default: XCTAssertEqual(b.initialization, a.initialization, "\(a.name): only tables and dense layers change")
            }
        }
        let model = try Model(spec: spec, features: features, itemCount: 40, seed: 3)
        let w = model.parameter(named: "dense1.w")!, b = model.parameter(named: "dense1.b")!
        let bound = 1 / Float(w.rows).squareRoot()
        XCTAssertTrue(w.value.allSatisfy { abs($0) <= bound } && b.value.allSatisfy { abs($0) <= bound })
        XCTAssertTrue(b.value.contains { $0 != 0 }, "PyTorch draws the bias too")
        let table = model.parameter(named: "embedding.user_id")!.value
        let sd = (table.reduce(0) { $0 + Double($1 * $1) } / Double(table.count)).squareRoot()
        XCTAssertEqual(sd, 1e-4, accuracy: 2e-5)
        var defaultSpec = spec
        defaultSpec.initialization = nil
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(defaultSpec), as: UTF8.self).contains("initialization"),
                       "ydnn's draws leave the spec's JSON as it was")
    }
}
