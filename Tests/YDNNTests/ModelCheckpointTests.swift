import Foundation
import XCTest
import YDNN

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
        version[8] = 2
        expectError(resealed(version), "version 2 is not supported")

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
        XCTAssert(FileManager.default.createFile(atPath: file, contents: Data()))
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
}
