import Foundation
import XCTest
import YDNN
import YDNNTestSupport

/// `OutputSpec.perSample` (`softmax sampled=K per=sample`): how it is stored, checked
/// and trained.
final class ModelPerSampleSpecTests: XCTestCase {
    func testStoredOnlyWhenSetAndOldFilesReadAsShared() throws {
        let shared = try JSONEncoder().encode(OutputSpec.sampledSoftmax(negatives: 10))
        XCTAssertFalse(String(decoding: shared, as: UTF8.self).contains("perSample"),
                       "shared-negative specs keep the bytes they had")
        let per = OutputSpec.sampledSoftmax(negatives: 10, perSample: true)
        let data = try JSONEncoder().encode(per)
        XCTAssertEqual(try JSONDecoder().decode(OutputSpec.self, from: data), per)
        XCTAssertFalse(try JSONDecoder().decode(OutputSpec.self, from: shared).perSample)
        XCTAssertEqual(per.negativesPerRow, 10)
        XCTAssertEqual(OutputSpec.sampledSoftmax(negatives: 10).negativesPerRow, 0)
        XCTAssertEqual(OutputSpec.nce(negatives: 4).negativesPerRow, 4)
    }

    func testOnlySampledSoftmaxDrawsPerSample() {
        var spec = ModelSpec()
        spec.encoders = [.embedding("user_id", dim: 4)]
        spec.output = .nce(negatives: 3)
        spec.output.perSample = true
        XCTAssertThrowsError(try spec.validate(features: SyntheticSamples.features(SyntheticSamples.Shape()), itemCount: 40))
    }

    /// Negatives are drawn for the whole batch, then cut with the rows, so the thread
    /// count does not change the result.
    func testSameWeightsOnOneAndTwoWorkers() throws {
        var shape = SyntheticSamples.Shape()
        shape.users = 30; shape.items = 40
        let data = SyntheticSamples.make(count: 96, shape: shape, seed: 5)
        var spec = ModelSpec()
        spec.encoders = [.embedding("items", dim: 6, pool: .avg), .embedding("user_id", dim: 4)]
        spec.hidden = [DenseSpec(8)]
        spec.normalize = true
        spec.temperature = 0.2
        spec.output = .sampledSoftmax(negatives: 7, logQ: true, perSample: true)
        var weights: [[[Float]]] = []
        for threads in [1, 2] {
            let model = try Model(spec: spec, features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 2)
            let report = try Trainer(TrainOptions(epochs: 2, batchSize: 32, threads: threads)).train(model, on: data)
            XCTAssertEqual(report.outcome, .completed)
            XCTAssert(report.epochLosses.allSatisfy { $0.isFinite && $0 > 0 })
            weights.append(model.parameters.map(\.value))
        }
        for (a, b) in zip(weights[0], weights[1]) {
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        }
    }
}
