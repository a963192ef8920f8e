import XCTest
import YDNN

/// Naive reference: score everything, full sort by (score desc, index asc).
func naiveTopK(_ items: VectorSet, _ q: [Float], k: Int, excluding: Set<Int> = []) -> [ScoredItem] {
    var all = [ScoredItem]()
    for i in 0..<items.count where !excluding.contains(i) {
        let row = items.row(i)
        var s: Float = 0
        for j in 0..<q.count { s += row[j] * q[j] }
        all.append(ScoredItem(item: i, score: s))
    }
    all.sort { $0.score > $1.score || ($0.score == $1.score && $0.item < $1.item) }
    return Array(all.prefix(k))
}

final class RetrievalExactTests: XCTestCase {
    func testSingleQueryMatchesNaiveSort() {
        for dim in [1, 5, 8, 32, 33] {
            let items = VectorSet.randomUnit(count: 503, dimension: dim, seed: 1)
            let queries = VectorSet.randomUnit(count: 9, dimension: dim, seed: 1, stream: "q")
            let index = ExactIndex(items: items)
            for q in 0..<queries.count {
                let got = index.search(queries.row(q), k: 10)
                let want = naiveTopK(items, queries.row(q), k: 10)
                XCTAssertEqual(got.map(\.item), want.map(\.item), "dim \(dim) query \(q)")
                for (g, w) in zip(got, want) { XCTAssertEqual(g.score, w.score, accuracy: 1e-5) }
            }
        }
    }

    func testBatchMatchesSingleQueriesOnAnyThreadCount() throws {
        let items = VectorSet.randomUnit(count: 1_000, dimension: 24, seed: 2)
        let queries = VectorSet.randomUnit(count: 70, dimension: 24, seed: 2, stream: "q")
        let index = ExactIndex(items: items)
        let single = (0..<queries.count).map { index.search(queries.row($0), k: 7).map(\.item) }
        for threads in [1, 2] {
            let batch = try index.searchBatch(queries, k: 7, excluding: nil, threads: threads, token: CancellationToken(),
                                              progress: nil)
            XCTAssertEqual(batch.map { $0.map(\.item) }, single)
        }
    }

    func testTiesAreBrokenByLowerIndexAndExclusionsHold() throws {
        // Items 0, 3 and 5 are identical: equal scores must come back in index order.
        var rows = (0..<8).map { i in [Float(i) * 0.01, 0] }
        rows[0] = [1, 1]; rows[3] = [1, 1]; rows[5] = [1, 1]
        let items = try VectorSet(rows: rows)
        let index = ExactIndex(items: items)
        XCTAssertEqual(index.search([1, 1], k: 4).map(\.item), [0, 3, 5, 7])
        XCTAssertEqual(index.search([1, 1], k: 3, excluding: [3]).map(\.item), [0, 5, 7])
        let batch = try index.searchBatch(try VectorSet(rows: [[1, 1], [1, 1]]), k: 3, excluding: [[], [0, 7]],
                                          threads: 2, token: CancellationToken(), progress: nil)
        XCTAssertEqual(batch.map { $0.map(\.item) }, [[0, 3, 5], [3, 5, 6]])
    }

    func testKLargerThanCatalogueAndCosine() throws {
        let items = try VectorSet(rows: [[2, 0], [0, 1], [1, 1]])
        XCTAssertEqual(ExactIndex(items: items).search([1, 0], k: 10).map(\.item), [0, 2, 1])
        // Cosine ignores the length of item 0.
        let cos = ExactIndex(items: items, metric: .cosine).search([1, 0.1], k: 3)
        XCTAssertEqual(cos.map(\.item), [0, 2, 1])
        XCTAssertEqual(cos[0].score, 1 / Float(1.01).squareRoot(), accuracy: 1e-5)
    }

    func testZeroKAndEmptyCatalogue() throws {
        let items = VectorSet.randomUnit(count: 40, dimension: 4, seed: 5)
        let queries = VectorSet.randomUnit(count: 5, dimension: 4, seed: 6)
        XCTAssertEqual(ExactIndex(items: items).search(queries.row(0), k: 0), [])
        XCTAssertEqual(try ExactIndex(items: items).searchBatch(queries, k: 0, excluding: nil, threads: 2,
                                                                token: CancellationToken(), progress: nil),
                       [[ScoredItem]](repeating: [], count: 5))
        let empty = ExactIndex(items: try VectorSet(count: 0, dimension: 4, values: []))
        XCTAssertEqual(empty.search(queries.row(0), k: 3), [])
        XCTAssertEqual(try empty.searchBatch(queries, k: 3, excluding: nil, threads: 1, token: CancellationToken(),
                                             progress: nil).map(\.count), [0, 0, 0, 0, 0])
    }

    func testProgressReachesTotal() throws {
        let items = VectorSet.randomUnit(count: 100, dimension: 8, seed: 3)
        let queries = VectorSet.randomUnit(count: 150, dimension: 8, seed: 4)
        var last = 0
        _ = try ExactIndex(items: items).searchBatch(queries, k: 3, excluding: nil, threads: 2,
                                                     token: CancellationToken()) { last = max(last, $0) }
        XCTAssertEqual(last, 150)
    }

    func testCancelledBatchThrowsAndReturnsNothing() {
        let items = VectorSet.randomUnit(count: 100, dimension: 8, seed: 3)
        let queries = VectorSet.randomUnit(count: 600, dimension: 8, seed: 4)
        let token = CancellationToken()
        token.cancel()
        for index: VectorIndex in [ExactIndex(items: items), try! LSHIndex(items: items, tables: 2, bits: 4, token: CancellationToken())] {
            XCTAssertThrowsError(try index.searchBatch(queries, k: 3, excluding: nil, threads: 2, token: token, progress: nil)) {
                XCTAssertEqual($0 as? Cancelled, Cancelled(), index.kind)
            }
        }
    }
}
