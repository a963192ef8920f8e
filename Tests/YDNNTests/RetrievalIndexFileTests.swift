import XCTest
import YDNN

final class RetrievalIndexFileTests: XCTestCase {
    var dir = ""
    override func setUp() {
        dir = NSTemporaryDirectory() + "ydnn-retrieval-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func indexes() throws -> [VectorIndex] {
        let items = VectorSet.randomUnit(count: 800, dimension: 12, seed: 21)
        return [
            ExactIndex(items: items),
            ExactIndex(items: items, metric: .cosine),
            try LSHIndex(items: items, tables: 4, bits: 8, seed: 3, probes: 1),
            try HNSWIndex.build(items: items, metric: .cosine, parameters: HNSWParameters(m: 8, efConstruction: 40, ef: 30)),
        ]
    }

    func testSaveLoadGivesSameAnswers() throws {
        let queries = VectorSet.randomUnit(count: 20, dimension: 12, seed: 22)
        for index in try indexes() {
            let path = dir + "/\(index.kind)-\(index.metric.rawValue).idx"
            try index.save(to: path)
            let loaded = try IndexFile.load(path: path)
            XCTAssertEqual(loaded.kind, index.kind)
            XCTAssertEqual(loaded.summary, index.summary)
            for q in 0..<queries.count {
                XCTAssertEqual(loaded.search(queries.row(q), k: 5), index.search(queries.row(q), k: 5), index.kind)
            }
            // No temporary file is left beside the index.
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("tmp") }, [])
        }
    }

    func testCorruptFilesGiveClearErrors() throws {
        for index in try indexes() {
            let path = dir + "/\(index.kind).idx"
            try index.save(to: path)
            let good = try Data(contentsOf: URL(fileURLWithPath: path))
            var flipped = good
            flipped[good.count / 2] ^= 0x10
            var wrongVersion = good
            wrongVersion[8] = 99
            let cases: [(Data, String)] = [
                (flipped, "checksum"), (good.prefix(good.count - 100), "length"),
                (Data("hello world, not an index at all".utf8), "not a ydnn index"), (wrongVersion, "version"),
            ]
            for (bytes, reason) in cases {
                try bytes.write(to: URL(fileURLWithPath: path))
                XCTAssertThrowsError(try IndexFile.load(path: path)) { error in
                    guard case RetrievalError.corruptFile(let p, let why) = error else {
                        return XCTFail("\(index.kind): expected corruptFile, got \(error)")
                    }
                    XCTAssertEqual(p, path)
                    XCTAssertTrue(why.contains(reason), "\(index.kind): '\(why)' should mention \(reason)")
                }
            }
        }
        XCTAssertThrowsError(try IndexFile.load(path: dir + "/missing.idx"))
    }
}
