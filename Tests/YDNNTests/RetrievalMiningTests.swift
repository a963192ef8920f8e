import Foundation
import XCTest
import YDNN

final class RetrievalMiningTests: XCTestCase {
    var dir = ""
    override func setUp() {
        dir = NSTemporaryDirectory() + "ydnn-mine-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func parse(_ path: String) throws -> [[Substring]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t") }
    }

    func testMiningMatchesSingleUserTopK() throws {
        let users = VectorSet.randomUnit(count: 150, dimension: 10, seed: 61)
        let items = VectorSet.randomUnit(count: 400, dimension: 10, seed: 62)
        let userKeys = (0..<150).map { "u\($0)" }, itemKeys = (0..<400).map { "i\($0)" }
        var rng = RNG(seed: 63)
        let seen = (0..<150).map { _ in (0..<3).map { _ in rng.nextInt(below: 400) } }
        let index = ExactIndex(items: items)
        let path = dir + "/recs.tsv"
        var calls: [(Int, Int)] = []
        let summary = try Mining.mine(index: index, users: users, top: 5, to: path, userKeys: userKeys, itemKeys: itemKeys,
                                      seen: seen, threads: 2, block: 64) { calls.append(($0, $1)) }
        XCTAssertEqual(summary.rows, 750)
        XCTAssertEqual(calls.map(\.0), [64, 128, 150])
        XCTAssertTrue(calls.allSatisfy { $0.1 == 150 })
        let lines = try parse(path)
        XCTAssertEqual(lines.count, 750)
        for u in [0, 1, 77, 149] {
            let single = index.search(users.row(u), k: 5, excluding: Set(seen[u]))
            let mine = lines.filter { $0[0] == "u\(u)" }
            XCTAssertEqual(mine.map { String($0[1]) }, ["1", "2", "3", "4", "5"])
            XCTAssertEqual(mine.map { String($0[2]) }, single.map { "i\($0.item)" })
            XCTAssertEqual(mine.map { Float($0[3])! }, single.map(\.score))
        }
    }

    func testMiningThroughHNSWAndDefaultKeys() throws {
        let users = VectorSet.randomUnit(count: 20, dimension: 8, seed: 64)
        let items = VectorSet.randomUnit(count: 300, dimension: 8, seed: 65)
        let index = try HNSWIndex.build(items: items, parameters: HNSWParameters(m: 8, efConstruction: 50, ef: 50))
        let path = dir + "/hnsw.tsv"
        _ = try Mining.mine(index: index, users: users, top: 3, to: path)
        let lines = try parse(path)
        XCTAssertEqual(lines.first.map { $0.prefix(3).map(String.init) }, ["0", "1", String(index.search(users.row(0), k: 1)[0].item)])
        XCTAssertThrowsError(try Mining.mine(index: index, users: users, top: 3, to: path, userKeys: ["a"]))
        XCTAssertThrowsError(try Mining.mine(index: index, users: VectorSet.randomUnit(count: 2, dimension: 3, seed: 1), top: 3, to: path))
    }

    func testInterruptLeavesNoFile() throws {
        let users = VectorSet.randomUnit(count: 10, dimension: 4, seed: 66)
        let index = ExactIndex(items: VectorSet.randomUnit(count: 50, dimension: 4, seed: 67))
        let path = dir + "/never.tsv"
        let token = CancellationToken()
        token.cancel()
        XCTAssertThrowsError(try Mining.mine(index: index, users: users, top: 3, to: path, token: token)) {
            XCTAssertEqual($0 as? Cancelled, Cancelled())
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testCancellingMidwayKeepsTheOldFile() throws {
        let users = VectorSet.randomUnit(count: 10, dimension: 4, seed: 66)
        let index = ExactIndex(items: VectorSet.randomUnit(count: 50, dimension: 4, seed: 67))
        let path = dir + "/old.tsv"
        try AtomicFileWriter.write("old\n", to: path)
        let token = CancellationToken()
        // Cancelled after the first block of 4 users: the search of the next block throws.
        XCTAssertThrowsError(try Mining.mine(index: index, users: users, top: 3, to: path, block: 4, token: token) { done, _ in
            if done == 4 { token.cancel() }
        }) { XCTAssertEqual($0 as? Cancelled, Cancelled()) }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["old.tsv"])
    }
}
