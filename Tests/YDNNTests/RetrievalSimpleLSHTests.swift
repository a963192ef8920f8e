import XCTest
import YDNN

final class RetrievalSimpleLSHTests: XCTestCase {
    /// Items with very different norms (as NCE weights have).
    func skewedItems(_ n: Int, _ d: Int, seed: UInt64) -> VectorSet {
        var rng = RNG(seed: seed, stream: "norms")
        let unit = VectorSet.randomUnit(count: n, dimension: d, seed: seed)
        var out = VectorSet(zeros: n, dimension: d)
        for i in 0..<n { out.setRow(i, unit.row(i).map { $0 * (0.1 + 5 * rng.nextFloat()) }) }
        return out
    }

    func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in a.indices { ab += Double(a[i] * b[i]); aa += Double(a[i] * a[i]); bb += Double(b[i] * b[i]) }
        return ab / (aa * bb).squareRoot()
    }

    func testInnerProductRankingEqualsCosineRankingAfterTransform() {
        let items = skewedItems(300, 12, seed: 5)
        let users = skewedItems(20, 12, seed: 6)
        for form in SimpleLSH.ItemForm.allCases {
            let t = SimpleLSH.transformItems(items, form: form)
            XCTAssertEqual(t.vectors.dimension, 13)
            // All transformed items share one norm: 1 (scaled) or m (appended).
            let expected = form == .scaled ? 1 : t.maxNorm
            for n in t.vectors.norms() { XCTAssertEqual(n, expected, accuracy: 1e-3 * max(1, expected)) }
            for u in 0..<users.count {
                let user = users.row(u)
                let tu = SimpleLSH.transformQuery(user)
                XCTAssertEqual(tu.last, 0)
                let byIP = naiveTopK(items, user, k: items.count).map(\.item)
                let cos = (0..<items.count).map { cosine(tu, t.vectors.row($0)) }
                // Compare the orders where scores are not within float noise of each other.
                for (a, b) in zip(byIP, byIP.dropFirst()) {
                    XCTAssertGreaterThanOrEqual(cos[a], cos[b] - 1e-6, "form \(form) user \(u)")
                }
            }
        }
    }

    func testUserTransformAndModelVectors() throws {
        let users = try VectorSet(rows: [[3, 4]])
        XCTAssertEqual(SimpleLSH.transformUsers(users).row(0), [0.6, 0.8, 0])
        let dense = try VectorSet(rows: [[0.5, 2]])
        XCTAssertEqual(VectorSet.userVectors(denseOutput: dense).row(0), [1, 0.5, 2])
        let items = try VectorSet.itemVectors(bias: [0.25], weights: try VectorSet(rows: [[1, -1]]))
        XCTAssertEqual(items.row(0), [0.25, 1, -1])
        // user . item is the logit b + w . dense.
        XCTAssertEqual(ExactIndex(items: items).search([1, 0.5, 2], k: 1)[0].score, 0.25 + 0.5 - 2, accuracy: 1e-6)
        XCTAssertThrowsError(try VectorSet.itemVectors(bias: [1, 2], weights: try VectorSet(rows: [[1, -1]])))
    }
}

final class RetrievalSimpleLSHPipelineTests: XCTestCase {
    /// The recipe's path: SIMPLE-LSH items, cosine HNSW, transformed queries must
    /// find the inner-product top-K of the original vectors; so must HNSW with the
    /// inner product directly.
    func testCosineHNSWOverTransformedItemsAnswersInnerProductQueries() throws {
        var rng = RNG(seed: 71, stream: "norms")
        let unit = VectorSet.randomUnit(count: 3_000, dimension: 8, seed: 71)
        var items = VectorSet(zeros: unit.count, dimension: 8)
        for i in 0..<unit.count { items.setRow(i, unit.row(i).map { $0 * (0.2 + 3 * rng.nextFloat()) }) }
        let users = VectorSet.randomUnit(count: 40, dimension: 8, seed: 72)
        let truth = IndexEvaluation.groundTruth(items: items, queries: users, k: 10)
        let params = HNSWParameters(m: 12, efConstruction: 80, ef: 100)

        let transformed = SimpleLSH.transformItems(items, form: .appended).vectors
        let viaLSH = try HNSWIndex.build(items: transformed, metric: .cosine, parameters: params)
        let found = (0..<users.count).map { viaLSH.search(SimpleLSH.transformQuery(users.row($0)), k: 10).map(\.item) }
        XCTAssertGreaterThanOrEqual(IndexEvaluation.recall(found: found, truth: truth, k: 10), 0.95)

        let direct = try HNSWIndex.build(items: items, metric: .innerProduct, parameters: params)
        XCTAssertGreaterThanOrEqual(IndexEvaluation.evaluate(direct, queries: users, truth: truth, k: 10).recall, 0.95)
    }
}
