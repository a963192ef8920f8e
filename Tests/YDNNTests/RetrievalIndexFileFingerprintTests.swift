import XCTest
import YDNN
import YDNNTestSupport

/// Issue 13: an index file records which item vectors it was built from, and
/// loading it for a model checks that they are the model's.
final class RetrievalIndexFileFingerprintTests: XCTestCase {
    var dir = ""
    override func setUp() {
        dir = NSTemporaryDirectory() + "ydnn-fingerprint-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    var shape: SyntheticSamples.Shape {
        var s = SyntheticSamples.Shape()
        s.users = 30; s.items = 50; s.categories = 5; s.tags = 10; s.history = 4
        return s
    }

    func model(seed: UInt64) throws -> Model {
        try Model(spec: SyntheticSamples.paddleSpec(), features: SyntheticSamples.features(shape), itemCount: shape.items, seed: seed)
    }

    func items(_ m: Model) throws -> VectorSet {
        try VectorSet(count: m.itemCount, dimension: m.vectorDimension, values: m.itemVectors())
    }

    func testIndexOfAnotherModelIsRefused() throws {
        let mine = try model(seed: 1), theirs = try model(seed: 2)
        XCTAssertEqual(mine.itemVectorFingerprint(), try model(seed: 1).itemVectorFingerprint())
        XCTAssertNotEqual(mine.itemVectorFingerprint(), theirs.itemVectorFingerprint())
        let indexes: [VectorIndex] = [
            ExactIndex(items: try items(mine)),
            try LSHIndex(items: try items(mine), tables: 2, bits: 6, seed: 3, probes: 1),
            try AugmentedInnerProductIndex(items: try items(mine)) {
                try HNSWIndex.build(items: $0, metric: .cosine, parameters: HNSWParameters(m: 8, efConstruction: 20, ef: 20))
            },
        ]
        for index in indexes {
            let path = dir + "/\(index.kind).idx"
            try IndexFile.save(index, to: path, itemFingerprint: mine.itemVectorFingerprint())
            let loaded = try IndexFile.load(path: path, expectedItemFingerprint: mine.itemVectorFingerprint())
            XCTAssertEqual(loaded.summary, (index as? AugmentedInnerProductIndex)?.inner.summary ?? index.summary)
            XCTAssertNoThrow(try IndexFile.load(path: path), "the unchecked load still reads it")
            XCTAssertThrowsError(try IndexFile.load(path: path, expectedItemFingerprint: theirs.itemVectorFingerprint())) { e in
                XCTAssert("\(e)".contains("built from other item vectors than the current model's"), "\(e)")
                XCTAssert("\(e)".contains(path), "\(e)")
            }
            // Saved without a fingerprint: readable, but refused where one is expected.
            try index.save(to: path)
            XCTAssertNoThrow(try IndexFile.load(path: path))
            XCTAssertThrowsError(try IndexFile.load(path: path, expectedItemFingerprint: mine.itemVectorFingerprint())) { e in
                XCTAssert("\(e)".contains("does not record which item vectors") && "\(e)".contains("rebuild"), "\(e)")
            }
        }
    }

    func testTrainingChangesTheFingerprint() throws {
        let m = try model(seed: 1)
        let before = m.itemVectorFingerprint()
        _ = try Trainer(TrainOptions(epochs: 1, batchSize: 16)).train(m, on: SyntheticSamples.make(count: 32, shape: shape, seed: 1))
        XCTAssertNotEqual(m.itemVectorFingerprint(), before, "an index built before more training is stale")
        XCTAssertNotEqual(IndexFile.fingerprint(vectors: [1, 2, 3, 4], dimension: 2),
                          IndexFile.fingerprint(vectors: [1, 2, 3, 4], dimension: 4), "the shape counts")
    }

    /// Files of format 1 (before the fingerprint) still load unchecked and are refused
    /// with a request to rebuild when checked. Built here from a format-2 file by
    /// dropping the fingerprint stamp and recomputing the checksum.
    func testFormatOneFiles() throws {
        let m = try model(seed: 1)
        let index = ExactIndex(items: try items(m))
        let path = dir + "/v2.idx"
        try index.save(to: path)
        let v2 = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(v2[8], 2, "format version 2 is written")
        var v1 = Array(v2[0..<24]) + Array(v2[40..<(v2.count - 8)])
        v1[8] = 1
        let sum = checksum(Array(v1[24...]))
        v1 += (0..<8).map { UInt8((sum >> (8 * UInt64($0))) & 0xFF) }
        let old = dir + "/v1.idx"
        try Data(v1).write(to: URL(fileURLWithPath: old))
        let loaded = try IndexFile.load(path: old)
        XCTAssertEqual(loaded.search(m.itemVectors().prefix(m.vectorDimension).map { $0 }, k: 3),
                       index.search(m.itemVectors().prefix(m.vectorDimension).map { $0 }, k: 3))
        XCTAssertThrowsError(try IndexFile.load(path: old, expectedItemFingerprint: m.itemVectorFingerprint())) { e in
            XCTAssert("\(e)".contains("rebuild"), "\(e)")
        }
    }

    /// The index file's checksum, written out again here to forge a format-1 file.
    func checksum(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(bytes.count)
        let words = bytes.count / 8
        for i in 0..<words {
            var w: UInt64 = 0
            for k in 0..<8 { w |= UInt64(bytes[i * 8 + k]) << (8 * UInt64(k)) }
            h = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
            h = (h << 31) | (h >> 33)
        }
        for i in (words * 8)..<bytes.count { h = (h ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01B3 }
        return h ^ (h >> 29)
    }
}
