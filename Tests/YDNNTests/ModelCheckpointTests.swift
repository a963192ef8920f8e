import Foundation
import XCTest
import YDNN
import YDNNTestSupport

final class ModelCheckpointTests: XCTestCase {
    var shape: SyntheticSamples.Shape {
        var s = SyntheticSamples.Shape()
        s.users = 30; s.items = 50; s.categories = 5; s.tags = 10; s.history = 4
        return s
    }

    func trainedModel() throws -> (Model, SampleBatch) {
        var spec = SyntheticSamples.paddleSpec()
        spec.encoders.append(.attention("categories", dim: 4))
        spec.hidden = [DenseSpec(16), DenseSpec(7)]
        let data = SyntheticSamples.make(count: 40, shape: shape, seed: 1)
        let model = try Model(spec: spec, features: SyntheticSamples.features(shape), itemCount: shape.items, seed: 5)
        _ = try Trainer(TrainOptions(epochs: 1, batchSize: 8)).train(model, on: data)
        return (model, data)
    }

    func tempPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ydnn-ckpt-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    func testRoundTrip() throws {
        let (model, data) = try trainedModel()
        let path = tempPath("round.ydnnm")
        let vocab = Checkpoint.encode(strings: ["<unk>", "item ä", ""])
        try model.save(to: path, extras: ["vocab.items": vocab, "empty": []])
        let (loaded, extras) = try Model.load(from: path)
        XCTAssertEqual(loaded.spec, model.spec)
        XCTAssertEqual(loaded.features, model.features)
        XCTAssertEqual(loaded.itemCount, model.itemCount)
        XCTAssertEqual(loaded.epochsTrained, 1)
        XCTAssertEqual(loaded.lossHistory, model.lossHistory)
        XCTAssertEqual(loaded.lossHistory.count, 5)
        XCTAssertNoThrow(try loaded.checkCompatible(features: SyntheticSamples.features(shape), itemCount: shape.items))
        XCTAssertThrowsError(try loaded.checkCompatible(features: SyntheticSamples.features(shape), itemCount: 49))
        var other = shape
        other.users += 1
        XCTAssertThrowsError(try loaded.checkCompatible(features: SyntheticSamples.features(other), itemCount: shape.items)) { e in
            XCTAssert("\(e)".contains("user_id"), "\(e)")
        }
        XCTAssertEqual(loaded.parameters.map(\.value), model.parameters.map(\.value))
        XCTAssertEqual(try Checkpoint.decode(strings: extras["vocab.items"]!), ["<unk>", "item ä", ""])
        XCTAssertEqual(extras["empty"], [])
        XCTAssertEqual(try loaded.userVectors(for: data), try model.userVectors(for: data))
        XCTAssertEqual(loaded.itemVectors(), model.itemVectors())
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        XCTAssertFalse(leftovers.contains { $0.contains(".tmp-") }, "no temporary file is left behind")
    }

    func testSavingTwiceGivesTheSameBytes() throws {
        let (model, _) = try trainedModel()
        XCTAssertEqual(try Checkpoint.encode(model, extras: ["b": [1], "a": [2]]),
                       try Checkpoint.encode(model, extras: ["a": [2], "b": [1]]))
    }

    func expectError(_ bytes: [UInt8], _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Checkpoint.decode(bytes), file: file, line: line) { error in
            XCTAssert("\(error)".contains(fragment), "\(error) should mention '\(fragment)'", file: file, line: line)
        }
    }

    /// Recomputes the trailing CRC, to get past the checksum and reach the deeper checks.
    func resealed(_ b: [UInt8]) -> [UInt8] {
        var body = Array(b.dropLast(4))
        let c = Checkpoint.crc32(body)
        body += [UInt8(c & 0xFF), UInt8((c >> 8) & 0xFF), UInt8((c >> 16) & 0xFF), UInt8(c >> 24)]
        return body
    }

    func testCorruptFilesAreClearErrors() throws {
        let (model, _) = try trainedModel()
        let good = try Checkpoint.encode(model)
        XCTAssertNoThrow(try Checkpoint.decode(good))

        var flipped = good
        flipped[good.count / 2] ^= 0x10
        expectError(flipped, "checksum")

        for cut in [0, 3, 19, 100, good.count / 2, good.count - 1] {
            expectError(Array(good.prefix(cut)), cut < 20 ? "not a ydnn model file" : "checksum")
        }

        var magic = good
        magic[0] = UInt8(ascii: "X")
        expectError(magic, "not a ydnn model file")

        var version = good
        version[8] = 3
        expectError(resealed(version), "version 3 is not supported")

        // A header that disagrees with the payload (one more item than stored).
        let needle = Array("\"itemCount\":50".utf8)
        guard let at = (0...(good.count - needle.count)).first(where: { Array(good[$0..<($0 + needle.count)]) == needle }) else {
            return XCTFail("itemCount not found in the header")
        }
        var bumped = good
        bumped[at + needle.count - 1] = UInt8(ascii: "1")
        expectError(resealed(bumped), "but the spec needs")

        // Truncated payload with a valid checksum (e.g. written by a buggy tool).
        expectError(resealed(Array(good.prefix(good.count - 12)) + [0, 0, 0, 0]), "bytes but its header describes")

        var header = good
        header[20] = UInt8(ascii: "#")   // inside the JSON
        expectError(resealed(header), "unreadable header")

        // Random garbage of every small size must be an error, never a crash.
        var rng = RNG(seed: 1)
        for n in 0..<64 {
            XCTAssertThrowsError(try Checkpoint.decode((0..<n).map { _ in UInt8(rng.nextInt(below: 256)) }))
        }
    }

    func testMissingFileAndUnwritablePath() throws {
        let (model, _) = try trainedModel()
        XCTAssertThrowsError(try Model.load(from: "/nonexistent/model.bin")) { e in
            XCTAssert("\(e)".contains("cannot read"), "\(e)")
        }
        // Missing folders are created, so the unwritable path goes through a regular file.
        let file = tempPath("not-a-folder")
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data()))
        XCTAssertThrowsError(try model.save(to: file + "/model.bin")) { e in
            XCTAssert("\(e)".contains("cannot write"), "\(e)")
        }
        let path = tempPath("truncated.ydnnm")
        try model.save(to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Model.load(from: path)) { e in
            XCTAssert("\(e)".contains(path) && "\(e)".contains("corrupt"), "\(e)")
        }
    }

    func testCRCMatchesKnownValue() {
        XCTAssertEqual(Checkpoint.crc32(Array("123456789".utf8)), 0xCBF4_3926)
    }

    /// Bits of every weight, for exact comparisons (NaN-safe, unlike Float ==).
    func bits(_ m: Model) -> [[UInt32]] { m.parameters.map { $0.value.map(\.bitPattern) } }

    /// Issue 13: `train epochs=2` equals `train epochs=1; save; load; train epochs=1`
    /// bit for bit, for every optimizer (moments and step count) and for the losses
    /// that draw negatives (the streams go on where they stood).
    func testTrainingContinuesExactlyAcrossSaveAndLoad() throws {
        let features = SyntheticSamples.features(shape)
        let data = SyntheticSamples.make(count: 48, shape: shape, seed: 4)
        var specs: [ModelSpec] = []
        var nce = SyntheticSamples.paddleSpec()
        nce.encoders.append(.attention("categories", dim: 4))
        nce.hidden = [DenseSpec(16), DenseSpec(7)]
        specs.append(nce)
        specs.append(SyntheticSamples.meanPoolSpec(dim: 8, negatives: 10))
        // Batch norms' running statistics are state in the file; a shared history adds into output.w.
        var normed = SyntheticSamples.meanPoolSpec(dim: 8, negatives: 10)
        normed.encoders[0].shared = true
        normed.hidden = [DenseSpec(12, norm: .batch), DenseSpec(8, norm: .batch)]
        normed.output.perSample = true
        specs.append(normed)
        for (n, spec) in specs.enumerated() {
            for kind in OptimizerSpec.Kind.allCases {
                let optimizer = OptimizerSpec(kind, l2: 1e-4)
                func options(_ epochs: Int) -> TrainOptions { TrainOptions(epochs: epochs, batchSize: 8, optimizer: optimizer, threads: 2) }
                let straight = try Model(spec: spec, features: features, itemCount: shape.items, seed: 5)
                _ = try Trainer(options(2)).train(straight, on: data)

                let first = try Model(spec: spec, features: features, itemCount: shape.items, seed: 5)
                _ = try Trainer(options(1)).train(first, on: data)
                let path = tempPath("continue-\(n)-\(spec.output.loss.rawValue)-\(kind).ydnnm")
                try first.save(to: path)
                let (resumed, _) = try Model.load(from: path)
                _ = try Trainer(options(1)).train(resumed, on: data)
                XCTAssertEqual(bits(resumed), bits(straight), "\(spec.output.loss) \(kind): weights")
                XCTAssertEqual(resumed.lossHistory, straight.lossHistory, "\(spec.output.loss) \(kind): losses")
                XCTAssertEqual(resumed.epochsTrained, 2)

                // Without a file in between, the same holds.
                _ = try Trainer(options(1)).train(first, on: data)
                XCTAssertEqual(bits(first), bits(straight), "\(spec.output.loss) \(kind): in memory")

                // A file saved without optimizer state is smaller (not for SGD, which has none)
                // and its model trains on with a fresh optimizer and new streams.
                let light = try Checkpoint.encode(straight, optimizerState: false)
                let full = try Checkpoint.encode(straight)
                if kind != .sgd { XCTAssertLessThan(light.count, full.count - straight.parameterCount * 4 + 1) }
                let (fresh, _) = try Checkpoint.decode(light)
                XCTAssertEqual(bits(fresh), bits(straight))
                _ = try Trainer(options(1)).train(fresh, on: data)
            }
        }
    }

    /// A run goes on only on samples of the same count; other samples start a new run,
    /// and an interrupted call leaves none to continue.
    func testNewRunOnOtherSamples() throws {
        let features = SyntheticSamples.features(shape)
        let data = SyntheticSamples.make(count: 48, shape: shape, seed: 4)
        let other = SyntheticSamples.make(count: 40, shape: shape, seed: 6)
        let options = TrainOptions(epochs: 1, batchSize: 8, threads: 1)
        let a = try Model(spec: SyntheticSamples.paddleSpec(), features: features, itemCount: shape.items, seed: 5)
        let b = try Model(spec: SyntheticSamples.paddleSpec(), features: features, itemCount: shape.items, seed: 5)
        _ = try Trainer(options).train(a, on: data)
        _ = try Trainer(options).train(b, on: data)
        _ = try Trainer(options).train(a, on: other)
        let (c, _) = try Checkpoint.decode(Checkpoint.encode(b))
        _ = try Trainer(options).train(c, on: other)
        XCTAssertEqual(bits(a), bits(c), "a new run on other samples is the same in memory and after a load")
    }

    /// Issue 13: a NaN or infinite weight or moment is refused at load, naming the tensor and element.
    func testNonFiniteWeightsAreRefused() throws {
        let (model, _) = try trainedModel()
        let wx = model.parameter(named: "lstm.items.wx")!
        wx.value[123] = .nan
        XCTAssertThrowsError(try Checkpoint.decode(Checkpoint.encode(model))) { e in
            XCTAssert("\(e)".contains("tensor 'lstm.items.wx' holds NaN at element 123"), "\(e)")
        }
        wx.value[123] = 0
        model.parameter(named: "output.b")!.value[7] = -.infinity
        XCTAssertThrowsError(try Checkpoint.decode(Checkpoint.encode(model))) { e in
            XCTAssert("\(e)".contains("tensor 'output.b' holds -infinity at element 7"), "\(e)")
        }
        model.parameter(named: "output.b")!.value[7] = 0
        XCTAssertNoThrow(try Checkpoint.decode(Checkpoint.encode(model)))

        // A moment: corrupt the first float after the weights (dense1.w's... the first
        // stored tensor's first moment) and reseal the checksum.
        var bytes = try Checkpoint.encode(model)
        let headerLength = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        let at = 16 + headerLength + model.parameterCount * 4
        for (k, b) in Float.nan.bitPattern.littleEndianBytes.enumerated() { bytes[at + k] = b }
        expectError(resealed(bytes), "the optimizer's first moment of 'embedding.user_id' holds NaN at element 0")
    }

    func testOptimizerStateMustFitItsRule() throws {
        let (model, _) = try trainedModel()
        let good = try Checkpoint.encode(model)
        // Rename Adam to SGD in the header: the stored moments no longer fit the rule.
        let needle = Array("\"kind\":\"adam\"".utf8), replacement = Array("\"kind\":\"sgd\" ".utf8)
        guard let at = (0...(good.count - needle.count)).first(where: { Array(good[$0..<($0 + needle.count)]) == needle }) else {
            return XCTFail("the optimizer kind is not in the header")
        }
        var forged = good
        forged.replaceSubrange(at..<(at + needle.count), with: replacement)
        forged = resealed(forged)
        expectError(forged, "does not fit sgd")
    }
}

extension UInt32 {
    var littleEndianBytes: [UInt8] { (0..<4).map { UInt8((self >> (8 * $0)) & 0xFF) } }
}
