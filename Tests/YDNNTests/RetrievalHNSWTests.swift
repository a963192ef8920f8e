import XCTest
import YDNN

final class RetrievalHNSWTests: XCTestCase {
    func testRecallOn20kFixture() throws {
        let items = VectorSet.randomUnit(count: 20_000, dimension: 16, seed: 11)
        let queries = VectorSet.randomUnit(count: 100, dimension: 16, seed: 11, stream: "q")
        let index = try HNSWIndex.build(items: items, parameters: HNSWParameters(m: 12, efConstruction: 60, ef: 100))
        let truth = IndexEvaluation.groundTruth(items: items, queries: queries, k: 10)
        let q = IndexEvaluation.evaluate(index, queries: queries, truth: truth, k: 10)
        XCTAssertGreaterThanOrEqual(q.recall, 0.95, "\(q)")
        // Reported scores are the true inner products.
        let hit = index.search(queries.row(0), k: 1)[0]
        let exact = ExactIndex(items: items).search(queries.row(0), k: 1)[0]
        if hit.item == exact.item { XCTAssertEqual(hit.score, exact.score, accuracy: 1e-5) }
    }

    func testRecallRisesWithEf() throws {
        let items = VectorSet.randomUnit(count: 3_000, dimension: 24, seed: 12)
        let queries = VectorSet.randomUnit(count: 50, dimension: 24, seed: 12, stream: "q")
        let index = try HNSWIndex.build(items: items, parameters: HNSWParameters(m: 8, efConstruction: 40))
        let truth = IndexEvaluation.groundTruth(items: items, queries: queries, k: 10)
        index.ef = 10
        let low = IndexEvaluation.evaluate(index, queries: queries, truth: truth, k: 10).recall
        index.ef = 200
        let high = IndexEvaluation.evaluate(index, queries: queries, truth: truth, k: 10).recall
        XCTAssertLessThan(low, high)
        XCTAssertGreaterThan(high, 0.9)
    }

    func testBuildIsDeterministicAcrossThreadCounts() throws {
        let items = VectorSet.randomUnit(count: 2_000, dimension: 8, seed: 13)
        let p = HNSWParameters(m: 6, efConstruction: 30, seed: 4)
        let a = try HNSWIndex.build(items: items, parameters: p, threads: 1)
        let b = try HNSWIndex.build(items: items, parameters: p, threads: 2)
        XCTAssertEqual(a.layerCount, b.layerCount)
        for node in stride(from: 0, to: 2_000, by: 7) {
            XCTAssertEqual(a.neighbours(of: node), b.neighbours(of: node), "node \(node)")
        }
        let c = try HNSWIndex.build(items: items, parameters: HNSWParameters(m: 6, efConstruction: 30, seed: 5), threads: 2)
        // Another seed draws other levels, hence another graph.
        XCTAssertNotEqual((0..<2_000).map { a.neighbours(of: $0) }, (0..<2_000).map { c.neighbours(of: $0) })
    }

    func testCosineAndExclusion() throws {
        let base = VectorSet.randomUnit(count: 500, dimension: 8, seed: 14)
        var scaled = base
        for i in 0..<base.count { scaled.setRow(i, base.row(i).map { $0 * Float(1 + i % 7) }) }
        let index = try HNSWIndex.build(items: scaled, metric: .cosine, parameters: HNSWParameters(m: 8, efConstruction: 64, ef: 64))
        let exact = ExactIndex(items: scaled, metric: .cosine)
        let q = base.row(3)
        XCTAssertEqual(index.search(q, k: 1).first?.item, 3)
        XCTAssertEqual(index.search(q, k: 1).first?.score ?? 0, 1, accuracy: 1e-5)
        let similar = index.search(q, k: 5, excluding: [3])
        XCTAssertFalse(similar.contains { $0.item == 3 })
        XCTAssertEqual(similar.count, 5)
        XCTAssertEqual(Set(similar.map(\.item)).intersection(exact.search(q, k: 5, excluding: [3]).map(\.item)).count, 5)
    }

    func testCancelledTokenStopsTheBuild() {
        let token = CancellationToken()
        token.cancel()
        XCTAssertThrowsError(try HNSWIndex.build(items: VectorSet.randomUnit(count: 100, dimension: 4, seed: 16), token: token)) {
            XCTAssertEqual($0 as? Cancelled, Cancelled())
        }
    }

    func testCtrlCThroughTheOldInterruptWrappersStopsTheBuild() {
        // `CancellationToken.process.cancel()` cancels the process token, the default of `build`.
        CancellationToken.process.cancel()
        defer { CancellationToken.process.reset() }
        XCTAssertTrue(CancellationToken.process.isCancelled)
        XCTAssertThrowsError(try HNSWIndex.build(items: VectorSet.randomUnit(count: 100, dimension: 4, seed: 16))) {
            XCTAssertEqual($0 as? Cancelled, Cancelled())
        }
    }

    func testEmptyAndTinyIndexes() throws {
        let one = try HNSWIndex.build(items: try VectorSet(rows: [[1, 0]]))
        XCTAssertEqual(one.search([1, 0], k: 3).map(\.item), [0])
        let empty = try HNSWIndex.build(items: try VectorSet(count: 0, dimension: 4, values: []))
        XCTAssertEqual(empty.search([1, 0, 0, 0], k: 3), [])
        XCTAssertThrowsError(try HNSWIndex.build(items: try VectorSet(rows: [[1, 0]]), parameters: HNSWParameters(m: 1)))
    }
}

final class RetrievalSimilarTests: XCTestCase {
    func testSimilarExcludesTheItemAndAgreesAcrossIndexes() throws {
        let items = VectorSet.randomUnit(count: 400, dimension: 6, seed: 15)
        let exact = ExactIndex(items: items)
        let hnsw = try HNSWIndex.build(items: items, parameters: HNSWParameters(m: 8, efConstruction: 80, ef: 80))
        for item in [0, 17, 399] {
            let want = exact.similar(to: item, k: 5)
            XCTAssertFalse(want.contains { $0.item == item })
            XCTAssertEqual(want.map(\.item), naiveTopK(items, items.row(item), k: 6, excluding: [item]).prefix(5).map(\.item))
            XCTAssertEqual(hnsw.similar(to: item, k: 5).map(\.item), want.map(\.item))
            XCTAssertEqual(hnsw.itemVector(item), items.row(item))
        }
    }
}
