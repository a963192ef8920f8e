import XCTest
import YDNN
import YDNNTestSupport

/// The item tower: gradients against finite differences through every output
/// layer, its place in the layout, and its inputs in the model file.
final class ModelItemTowerTests: XCTestCase {
    var shape: SyntheticSamples.Shape {
        var s = SyntheticSamples.Shape()
        s.users = 40; s.items = 60; s.categories = 6; s.tags = 12; s.history = 4
        return s
    }

    /// Item i's category is i mod categories (as SyntheticSamples draws them), and two tags.
    func inputs(_ s: SyntheticSamples.Shape) -> ItemInputs {
        let categories = RaggedIDs(offsets: (0...Int32(s.items)).map { $0 }, ids: (0..<s.items).map { Int32($0 % s.categories) })
        var tags = RaggedIDs()
        for i in 0..<s.items {
            tags.ids += [Int32(i % s.tags), Int32((i * 7 + 3) % s.tags)]
            tags.offsets.append(Int32(tags.ids.count))
        }
        return ItemInputs(columns: [("categories", categories), ("tags", tags)])
    }

    func spec(_ output: OutputSpec, hidden: [DenseSpec] = [DenseSpec(5, .none)]) -> ModelSpec {
        var spec = ModelSpec()
        spec.encoders = [.embedding("user_id", dim: 6), .embedding("items", dim: 5, pool: .avg)]
        spec.hidden = [DenseSpec(7, .none)]
        spec.output = output
        spec.normalize = output.loss == .inBatch
        spec.itemTower = ItemTowerSpec(encoders: [.embedding("categories", dim: 3), .embedding("tags", dim: 4, pool: .sum)],
                                       hidden: hidden)
        return spec
    }

    func testWholeModelGradientWithItemTower() throws {
        let outputs: [OutputSpec] = [.nce(negatives: 3), .sampledSoftmax(negatives: 4, bias: true),
                                     .sampledSoftmax(negatives: 3, perSample: true), .fullSoftmax(), .inBatch()]
        for output in outputs {
            let model = try Model(spec: spec(output), features: SyntheticSamples.features(shape), itemCount: shape.items,
                                  seed: 1, itemInputs: inputs(shape))
            // The free vectors start at zero with a tower; move them so their gradient path is exercised too.
            var rng = RNG(seed: 5)
            let w = model.parameter(named: "output.w")!
            XCTAssertTrue(w.value.allSatisfy { $0 == 0 }, "with a tower the free item vectors start at zero")
            for i in 0..<w.count { w.value[i] = rng.nextGaussian() * 0.3 }
            let data = SyntheticSamples.make(count: 6, shape: shape, seed: 3)
            let perRow = output.negativesPerRow
            let negs: [Int32] = (0..<(perRow > 0 ? 6 * perRow : output.negatives)).map { _ in Int32(rng.nextInt(below: 60)) }
            let checked = try checkWholeModelGradient(model, data, negs, "\(output.loss)")
            for name in ["item.embedding.categories", "item.embedding.tags", "item.dense1.w", "item.out.w", "item.out.b"] {
                XCTAssertTrue(checked.contains(name), "\(output.loss): the tower's \(name) gets a gradient")
            }
        }
    }

    func testItemVectorsAreTheFreeVectorPlusTheTower() throws {
        let model = try Model(spec: spec(.sampledSoftmax(negatives: 4)), features: SyntheticSamples.features(shape),
                              itemCount: shape.items, seed: 2, itemInputs: inputs(shape))
        // Free vectors at zero: items with the same category and tags get the same vector.
        let v = model.itemVectors(), d = model.vectorDimension
        let twin = (1..<shape.items).first { i in
            i % shape.categories == 0 && i % shape.tags == 0 && (i * 7 + 3) % shape.tags == 3
        }!
        XCTAssertEqual(Array(v[0..<d]), Array(v[twin * d ..< (twin + 1) * d]), "items 0 and \(twin) share every feature")
        XCTAssertNotEqual(Array(v[0..<d]), Array(v[d ..< 2 * d]), "items 0 and 1 do not")
        let w = model.parameter(named: "output.w")!
        w.value[twin * d] += 1
        let moved = model.itemVectors()
        XCTAssertEqual(moved[twin * d], v[twin * d] + 1, accuracy: 1e-6, "the free vector adds to the tower's")
    }

    func testTheModelFileCarriesTheTowerAndItsInputs() throws {
        let model = try Model(spec: spec(.nce(negatives: 3)), features: SyntheticSamples.features(shape), itemCount: shape.items,
                              seed: 4, itemInputs: inputs(shape))
        let data = SyntheticSamples.make(count: 64, shape: shape, seed: 9)
        _ = try Trainer(TrainOptions(epochs: 2, batchSize: 16, threads: 2)).train(model, on: data)
        let bytes = try Checkpoint.encode(model, extras: ["vocab.items": Checkpoint.encode(strings: ["a"])])
        let (loaded, extras) = try Checkpoint.decode(bytes)
        XCTAssertEqual(loaded.itemInputs, model.itemInputs)
        XCTAssertEqual(loaded.itemVectors(), model.itemVectors(), "the same vectors after a save and load")
        XCTAssertEqual(Array(extras.keys), ["vocab.items"], "the tower's inputs are the model's, not the caller's extras")
        // Training goes on identically from the file.
        _ = try Trainer(TrainOptions(epochs: 1, batchSize: 16, threads: 2)).train(model, on: data)
        _ = try Trainer(TrainOptions(epochs: 1, batchSize: 16, threads: 2)).train(loaded, on: data)
        XCTAssertEqual(loaded.itemVectors(), model.itemVectors())
    }

    func testIdDropoutIsReproducibleAndChangesTraining() throws {
        func trained(_ p: Double, threads: Int = 2) throws -> [Float] {
            var s = spec(.sampledSoftmax(negatives: 8))
            s.itemTower!.idDropout = p
            let model = try Model(spec: s, features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 4, itemInputs: inputs(shape))
            _ = try Trainer(TrainOptions(epochs: 2, batchSize: 16, threads: threads)).train(model, on: SyntheticSamples.make(count: 96, shape: shape, seed: 9))
            return model.itemVectors()
        }
        let a = try trained(0.5)
        XCTAssertEqual(a, try trained(0.5), "the same seed drops the same items")
        XCTAssertNotEqual(a, try trained(0), "dropout changes what is learned")
        XCTAssertThrowsError(try trained(1.0)) { XCTAssertTrue("\($0)".contains("id_dropout must lie in [0, 1)"), "\($0)") }
    }

    func testInputsMustCoverTheTowerAndTheCatalogue() {
        let features = SyntheticSamples.features(shape)
        XCTAssertThrowsError(try Model(spec: spec(.nce()), features: features, itemCount: shape.items, seed: 1)) {
            XCTAssertTrue("\($0)".contains("needs the items' feature values"), "\($0)")
        }
        var short = inputs(shape)
        short.columns.removeLast()
        XCTAssertThrowsError(try Model(spec: spec(.nce()), features: features, itemCount: shape.items, seed: 1, itemInputs: short)) {
            XCTAssertTrue("\($0)".contains("no per-item values of 'tags'"), "\($0)")
        }
        var fewer = shape
        fewer.items = 50
        XCTAssertThrowsError(try Model(spec: spec(.nce()), features: features, itemCount: shape.items, seed: 1, itemInputs: inputs(fewer))) {
            XCTAssertTrue("\($0)".contains("values for 50 items"), "\($0)")
        }
        var s = spec(.nce())
        s.itemTower = ItemTowerSpec(features: ["items"], dim: 4)
        XCTAssertThrowsError(try Model(spec: s, features: features, itemCount: shape.items, seed: 1, itemInputs: inputs(shape))) {
            XCTAssertTrue("\($0)".contains("sequence feature"), "\($0)")
        }
    }

    func testAModelWithoutATowerIsUnchanged() throws {
        var plain = spec(.nce())
        plain.itemTower = nil
        let layout = ParameterLayout(spec: plain, features: SyntheticSamples.features(shape), itemCount: shape.items)
        XCTAssertFalse(layout.tensors.contains { $0.name.hasPrefix("item.") })
        XCTAssertEqual(layout.tensors.first { $0.name == "output.w" }?.initialization, .gaussian(std: 1 / Float(7).squareRoot()))
        let json = String(decoding: try JSONEncoder().encode(plain), as: UTF8.self)
        XCTAssertFalse(json.contains("itemTower"), "a spec without a tower encodes as before: \(json)")
    }
}
