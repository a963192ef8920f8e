import XCTest
import YDNN

final class RetrievalLSHTests: XCTestCase {
    func testRecallRisesWithTables() throws {
        let items = VectorSet.randomUnit(count: 4_000, dimension: 16, seed: 31)
        let queries = VectorSet.randomUnit(count: 60, dimension: 16, seed: 31, stream: "q")
        let truth = IndexEvaluation.groundTruth(items: items, queries: queries, k: 10)
        var recalls: [Double] = []
        for tables in [1, 4, 16, 48] {
            let lsh = try LSHIndex(items: items, tables: tables, bits: 10, seed: 1)
            recalls.append(IndexEvaluation.evaluate(lsh, queries: queries, truth: truth, k: 10).recall)
        }
        for (a, b) in zip(recalls, recalls.dropFirst()) { XCTAssertLessThan(a, b, "\(recalls)") }
        XCTAssertGreaterThan(recalls.last!, 0.8, "\(recalls)")
    }

    func testInnerProductSearchOverSkewedNormsAndExactScores() throws {
        // Item 0 is long and points roughly like the query: MIPS must find it first.
        var rows = VectorSet.randomUnit(count: 300, dimension: 6, seed: 32)
        rows.setRow(0, [3, 3, 0, 0, 0, 0])
        let lsh = try LSHIndex(items: rows, tables: 30, bits: 6, seed: 2, probes: 1)
        let hits = lsh.search([1, 0.8, 0, 0, 0, 0], k: 3)
        XCTAssertEqual(hits.first?.item, 0)
        XCTAssertEqual(hits.first?.score ?? 0, 5.4, accuracy: 1e-5)
        XCTAssertFalse(lsh.search([1, 0.8, 0, 0, 0, 0], k: 3, excluding: [0]).contains { $0.item == 0 })
        XCTAssertThrowsError(try LSHIndex(items: rows, tables: 2, bits: 65))
    }

    func testReportComparesWithExactSearch() throws {
        let items = VectorSet.randomUnit(count: 500, dimension: 8, seed: 35)
        let queries = VectorSet.randomUnit(count: 30, dimension: 8, seed: 36)
        let full = IndexEvaluation.report(try LSHIndex(items: items, tables: 64, bits: 4, seed: 4), items: items, queries: queries)
        XCTAssertEqual(full.recall, 1, accuracy: 1e-12)  // 64 tables of 16 buckets: the true top-10 all become candidates
        XCTAssertEqual(full.queries, 30)
        XCTAssertGreaterThan(full.queriesPerSecond, 0)
        let sparse = IndexEvaluation.report(try LSHIndex(items: items, tables: 1, bits: 12, seed: 4), items: items,
                                            queries: queries, k: 5, sample: 10)
        XCTAssertEqual(sparse.queries, 10)
        XCTAssertLessThan(sparse.recall, 0.9)
    }

    func testMultiProbeAddsCandidates() throws {
        let items = VectorSet.randomUnit(count: 2_000, dimension: 8, seed: 33)
        let a = try LSHIndex(items: items, tables: 2, bits: 12, seed: 3, probes: 0)
        let b = try LSHIndex(items: items, tables: 2, bits: 12, seed: 3, probes: 1)
        let q = VectorSet.randomUnit(count: 1, dimension: 8, seed: 34).row(0)
        XCTAssertGreaterThan(b.candidateCount(q), a.candidateCount(q))
    }
}
