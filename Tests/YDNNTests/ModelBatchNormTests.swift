import Foundation
import XCTest
import YDNN
import YDNNTestSupport

/// `dense N relu norm=batch` (`BatchNorm`) and `pool items avg shared=on` (the
/// history looks its clicks up in the output item table): how they are stored,
/// checked, trained and served. Their gradients are checked by finite differences
/// in ModelGradientTests (the layer) and ModelTrainingTests (the whole model).
final class ModelBatchNormTests: XCTestCase {
    var shape: SyntheticSamples.Shape {
        var s = SyntheticSamples.Shape()
        s.users = 30; s.items = 40; s.categories = 5; s.tags = 10; s.history = 4
        return s
    }
    var features: [FeatureInfo] { SyntheticSamples.features(shape) }

    func spec(norm: Bool = true, shared: Bool = false) -> ModelSpec {
        var spec = ModelSpec()
        spec.encoders = [.embedding("items", dim: 8, pool: .avg, shared: shared), .embedding("user_id", dim: 4)]
        spec.hidden = [DenseSpec(12, norm: norm ? .batch : .none), DenseSpec(8, norm: norm ? .batch : .none)]
        spec.normalize = true
        spec.temperature = 0.2
        spec.output = .sampledSoftmax(negatives: 7, logQ: false, perSample: true)
        return spec
    }

    func bits(_ m: Model) -> [[UInt32]] { m.parameters.map { $0.value.map(\.bitPattern) } }

    func testStoredOnlyWhenSet() throws {
        func json<T: Encodable>(_ v: T) throws -> String { String(decoding: try JSONEncoder().encode(v), as: UTF8.self) }
        let plain = spec(norm: false, shared: false)
        XCTAssertFalse(try json(plain).contains("\"norm\""), "specs without batch norms keep the bytes they had")
        XCTAssertFalse(try json(plain).contains("\"shared\""), "specs without a shared table keep the bytes they had")
        let both = spec(norm: true, shared: true), text = try json(both)
        XCTAssertTrue(text.contains("\"norm\":\"batch\""), text)
        XCTAssertTrue(text.contains("\"shared\":true"), text)
        XCTAssertEqual(try JSONDecoder().decode(ModelSpec.self, from: JSONEncoder().encode(both)), both)
        XCTAssertEqual(try JSONDecoder().decode(ModelSpec.self, from: JSONEncoder().encode(plain)), plain)
        // Files written before the options existed read as off.
        let old = #"{"units":16,"activation":"relu"}"#
        XCTAssertEqual(try JSONDecoder().decode(DenseSpec.self, from: Data(old.utf8)), DenseSpec(16))
    }

    /// γ, β, the running mean and variance are declared once, with PyTorch's start
    /// values; the running statistics get no gradient; a shared history declares no
    /// table and its gradient is output.w's.
    func testLayoutAndGradients() throws {
        let model = try Model(spec: spec(shared: true), features: features, itemCount: shape.items, seed: 1)
        let names = model.layout.tensors.map(\.name)
        XCTAssertFalse(names.contains("embedding.items"), "\(names)")
        for i in 1...2 {
            XCTAssertEqual(model.parameter(named: "dense\(i).gamma")!.value, [Float](repeating: 1, count: i == 1 ? 12 : 8))
            XCTAssertEqual(model.parameter(named: "dense\(i).beta")!.value, [Float](repeating: 0, count: i == 1 ? 12 : 8))
            XCTAssertEqual(model.parameter(named: "dense\(i).running_mean")!.value, [Float](repeating: 0, count: i == 1 ? 12 : 8))
            XCTAssertEqual(model.parameter(named: "dense\(i).running_var")!.value, [Float](repeating: 1, count: i == 1 ? 12 : 8))
        }
        XCTAssertEqual(model.layout.tensors.filter { !$0.trainable }.map(\.name),
                       ["dense1.running_mean", "dense1.running_var", "dense2.running_mean", "dense2.running_var"])
        let data = SyntheticSamples.make(count: 10, shape: shape, seed: 2)
        let (_, grads) = try model.lossAndGradients(on: data, negatives: [Int32](repeating: 3, count: 70))
        XCTAssertEqual(Set(grads.keys), Set(model.layout.tensors.filter(\.trainable).map(\.name)))
        // The summary shows both.
        let table = model.summaryTable()
        XCTAssertTrue(table.contains("dense relu norm=batch"), table)
        XCTAssertTrue(table.contains("shared (output.w)"), table)
    }

    /// Whole-batch statistics: two workers see the batch's mean and variance, not
    /// their half's, so they train what one worker trains (up to float rounding;
    /// per-shard statistics of 16 rows instead of 32 would move every weight).
    /// The same seed and threads give the same bits.
    func testWorkersShareTheBatchStatistics() throws {
        let data = SyntheticSamples.make(count: 96, shape: shape, seed: 5)
        var runs: [Model] = []
        for threads in [1, 2, 2] {
            let model = try Model(spec: spec(shared: true), features: features, itemCount: shape.items, seed: 2)
            let report = try Trainer(TrainOptions(epochs: 2, batchSize: 32, optimizer: OptimizerSpec(.sgd, learningRate: 0.5),
                                                  threads: threads)).train(model, on: data)
            XCTAssertEqual(report.outcome, .completed)
            runs.append(model)
        }
        let start = try Model(spec: spec(shared: true), features: features, itemCount: shape.items, seed: 2)
        var moved = 0.0
        for (p, q) in zip(runs[0].parameters, start.parameters) { moved += zip(p.value, q.value).reduce(0) { $0 + Double(abs($1.0 - $1.1)) } }
        XCTAssertGreaterThan(moved, 1, "training must move the weights")
        for (a, b) in zip(runs[0].parameters, runs[1].parameters) {
            for (x, y) in zip(a.value, b.value) { XCTAssertEqual(x, y, accuracy: 2e-5, a.name) }
        }
        XCTAssertEqual(bits(runs[1]), bits(runs[2]), "same seed and threads: the same bits")
    }

    /// With one batch per epoch and no weight change (learning rate 0) every epoch has
    /// the same batch statistics, so after three the running ones are known in closed
    /// form; inference then normalises with them.
    func testRunningStatisticsAndInference() throws {
        var normed = ModelSpec()
        normed.encoders = [.embedding("items", dim: 5, pool: .avg), .embedding("user_id", dim: 3)]
        normed.hidden = [DenseSpec(6, .none, norm: .batch)]
        normed.output = .sampledSoftmax(negatives: 4, logQ: false)
        var plain = normed
        plain.hidden = [DenseSpec(6, .none)]
        let data = SyntheticSamples.make(count: 40, shape: shape, seed: 6)
        let model = try Model(spec: normed, features: features, itemCount: shape.items, seed: 3)
        _ = try Trainer(TrainOptions(epochs: 3, batchSize: 40, optimizer: OptimizerSpec(.sgd, learningRate: 0), threads: 2))
            .train(model, on: data)
        // The same weights without the norm give the pre-activations z.
        let twin = try Model(spec: plain, features: features, itemCount: shape.items, seed: 3)
        for p in twin.parameters { p.value = model.parameter(named: p.name)!.value }
        let z = try twin.userVectors(for: data), n = 6, rows = data.count
        let rm = model.parameter(named: "dense1.running_mean")!.value, rv = model.parameter(named: "dense1.running_var")!.value
        let keep = pow(0.9, 3.0)
        for j in 0..<n {
            let col = (0..<rows).map { Double(z[$0 * n + j]) }
            let mean = col.reduce(0, +) / Double(rows)
            let unbiased = col.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rows - 1)
            XCTAssertEqual(Double(rm[j]), (1 - keep) * mean, accuracy: 1e-5 + 1e-4 * abs(mean))
            XCTAssertEqual(Double(rv[j]), keep + (1 - keep) * unbiased, accuracy: 1e-5 + 1e-4 * unbiased)
        }
        let y = try model.userVectors(for: data)
        for i in 0..<(rows * n) {
            let j = i % n
            XCTAssertEqual(y[i], (z[i] - rm[j]) / (rv[j] + 1e-5).squareRoot(), accuracy: 1e-4)
        }
    }

    /// A last batch of one sample normalises to β and leaves the running variance
    /// alone (its unbiased variance is undefined); training goes on finite.
    func testLastBatchOfOneSample() throws {
        let model = try Model(spec: spec(), features: features, itemCount: shape.items, seed: 4)
        var options = TrainOptions(epochs: 1, batchSize: 32, threads: 2)
        options.maxBatches = 1
        let data = SyntheticSamples.make(count: 33, shape: shape, seed: 9)
        _ = try Trainer(options).train(model, on: data)
        let variance = model.parameter(named: "dense1.running_var")!.value
        options.maxBatches = nil
        let report = try Trainer(options).train(model, on: data)
        XCTAssertEqual(report.outcome, .completed)
        XCTAssertEqual(report.batchLosses.count, 2)
        XCTAssert(report.batchLosses.allSatisfy(\.isFinite) && model.parameters.allSatisfy { $0.value.allSatisfy(\.isFinite) })
        XCTAssertNotEqual(model.parameter(named: "dense1.running_var")!.value, variance, "the full batch moved it")
        // The layer itself: one row gives β, moves the running mean, not the variance.
        let norm = BatchNorm(gamma: Parameter(name: "g", rows: 1, cols: 2, value: [2, 3]), beta: Parameter(name: "b", rows: 1, cols: 2, value: [0.5, -1]),
                             runningMean: Parameter(name: "m", rows: 1, cols: 2), runningVariance: Parameter(name: "v", rows: 1, cols: 2, value: [1, 1]))
        let totals = norm.moments([4, -2], rows: 1)
        XCTAssertEqual(norm.forward([4, -2], rows: 1, totals: totals), [0.5, -1])
        norm.updateRunningStatistics(totals)
        XCTAssertEqual(norm.runningMean.value, [0.4, -0.2])
        XCTAssertEqual(norm.runningVariance.value, [1, 1])
    }

    /// The running statistics are never the optimizer's: no moments in the file.
    func testOptimizerKeepsNoMomentsOfTheRunningStatistics() throws {
        let model = try Model(spec: spec(), features: features, itemCount: shape.items, seed: 4)
        _ = try Trainer(TrainOptions(epochs: 1, batchSize: 16)).train(model, on: SyntheticSamples.make(count: 48, shape: shape, seed: 1))
        let bytes = try Checkpoint.encode(model)
        let length = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        let header = try JSONSerialization.jsonObject(with: Data(bytes[16..<(16 + length)])) as! [String: Any]
        let tensors = ((header["optimizer"] as! [String: Any])["tensors"] as! [[String: Any]]).map { $0["name"] as! String }
        XCTAssertTrue(tensors.contains("dense1.gamma") && tensors.contains("dense2.beta"), "\(tensors)")
        XCTAssertFalse(tensors.contains { $0.contains("running") }, "\(tensors)")
        XCTAssertNotEqual(model.parameter(named: "dense1.running_mean")!.value, [Float](repeating: 0, count: 12),
                          "training moves the running statistics")
    }

    /// One gradient of output.w, the sum of the history's and the loss's, so Adam's
    /// first step moves every touched weight by the learning rate (m̂/√v̂ = ±1); two
    /// gradients of one table would step the rows both touch twice.
    func testSharedTableStepsOnce() throws {
        let data = SyntheticSamples.make(count: 32, shape: shape, seed: 7)
        let model = try Model(spec: spec(norm: false, shared: true), features: features, itemCount: shape.items, seed: 5)
        let before = model.parameter(named: "output.w")!.value
        let lr: Float = 1e-3
        var options = TrainOptions(epochs: 1, batchSize: 32, optimizer: OptimizerSpec(.adam, learningRate: lr), threads: 2)
        options.shuffle = false
        _ = try Trainer(options).train(model, on: data)
        let after = model.parameter(named: "output.w")!.value
        let steps = zip(before, after).map { abs($0 - $1) }
        XCTAssertLessThanOrEqual(steps.max()!, lr * 1.001, "no weight of output.w moves more than one Adam step")
        XCTAssertGreaterThan(steps.filter { abs($0 - lr) < lr * 0.01 }.count, 8 * 20, "most touched rows move a full step")
        // The history's items: rows the loss alone might not reach moved too.
        let history = Set(data.sparse["items"]!.ids.map(Int.init))
        for row in history { XCTAssertGreaterThan(steps[(row * 8)..<(row * 8 + 8)].max()!, lr * 0.5, "history row \(row)") }
    }

    /// A shared pooling leaves out item 0, the pad (torch-rechub's padding_idx=0);
    /// a table of its own keeps it, as before.
    func testSharedPoolingLeavesOutThePad() {
        var rng = RNG(seed: 8)
        let table = Parameter(name: "output.w", rows: 6, cols: 2, sparse: true, value: (0..<12).map { _ in rng.nextGaussian() })
        let ids = RaggedIDs(offsets: [0, 3, 4, 6], ids: [0, 3, 5, 0, 2, 2])
        let t = table.value
        let shared = EmbeddingPool(spec: .embedding("items", dim: 2, pool: .avg, shared: true), table: table)
        let y = shared.forward(ids)
        XCTAssertEqual(y[0], (t[6] + t[10]) / 2, accuracy: 1e-6)
        XCTAssertEqual(y[1], (t[7] + t[11]) / 2, accuracy: 1e-6)
        XCTAssertEqual(Array(y[2..<4]), [0, 0], "only the pad: zeros")
        XCTAssertEqual(y[4], t[4], accuracy: 1e-6)
        shared.backward([Float](repeating: 1, count: 6))
        XCTAssertEqual(Set(shared.dTable.touched), [3, 5, 2], "the pad's row gets no gradient")
        let own = EmbeddingPool(spec: .embedding("items", dim: 2, pool: .avg), table: table).forward(ids)
        XCTAssertEqual(own[0], (t[0] + t[6] + t[10]) / 3, accuracy: 1e-6)
        XCTAssertEqual(own[2], t[0], accuracy: 1e-6)
    }

    func testBadCombinationsAreClearErrors() throws {
        func message(_ s: ModelSpec) -> String {
            do { try s.validate(features: features, itemCount: shape.items); return "" } catch { return "\(error)" }
        }
        var wide = spec(shared: true)
        wide.hidden[1].units = 6
        XCTAssertTrue(message(wide).contains("pool items shared=on"), message(wide))
        XCTAssertTrue(message(wide).contains("dim=8 must equal the user tower's output width, the last dense layer's 6: use dim=6"),
                      message(wide))
        var user = spec()
        user.encoders[1].shared = true
        XCTAssertTrue(message(user).contains("only the click history of item ids (items) can share it"), message(user))
        var lstm = spec()
        lstm.encoders[0] = EncoderSpec(kind: .lstm, feature: "items", dim: 8, hidden: 8, pool: .max, shared: true)
        XCTAssertTrue(message(lstm).contains("only a pooled embedding shares the output item table"), message(lstm))
        var tower = spec(shared: true)
        tower.itemTower = ItemTowerSpec(features: ["categories"], dim: 4)
        XCTAssertTrue(message(tower).contains("cannot go with item_tower"), message(tower))
        var towerNorm = spec()
        towerNorm.itemTower = ItemTowerSpec(features: ["categories"], dim: 4, hidden: [DenseSpec(6, norm: .batch)])
        XCTAssertTrue(message(towerNorm).contains("the item tower has no norm="), message(towerNorm))

        let model = try Model(spec: spec(), features: features, itemCount: shape.items, seed: 1)
        XCTAssertThrowsError(try Trainer(TrainOptions(epochs: 1, batchSize: 1)).train(model, on: SyntheticSamples.make(count: 4, shape: shape, seed: 1))) {
            XCTAssertTrue("\($0)".contains("batches of at least 2 samples"), "\($0)")
        }
    }
}
