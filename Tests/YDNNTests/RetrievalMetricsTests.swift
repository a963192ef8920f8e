import XCTest
import YDNN

final class RetrievalMetricsTests: XCTestCase {
    func testHandComputedMetrics() {
        // Ranks 0, 2, 9 and absent (nil).
        let e = RankingEvaluation(ranks: [0, 2, 9, nil], metrics: [.hitRate(1), .hitRate(3), .ndcg(3), .ndcg(10), .mrr],
                                  excludedSeen: false)
        XCTAssertEqual(e.mean(.hitRate(1))!, 0.25, accuracy: 1e-12)
        XCTAssertEqual(e.mean(.hitRate(3))!, 0.5, accuracy: 1e-12)
        // NDCG@3: (1 + 1/log2(4)) / 4 = 1.5 / 4.
        XCTAssertEqual(e.mean(.ndcg(3))!, 0.375, accuracy: 1e-12)
        // NDCG@10: (1 + 0.5 + 1/log2(11)) / 4.
        XCTAssertEqual(e.mean(.ndcg(10))!, (1.5 + 1 / log2(11.0)) / 4, accuracy: 1e-12)
        // MRR: (1 + 1/3 + 1/10 + 0) / 4.
        XCTAssertEqual(e.mean(.mrr)!, (1 + 1.0 / 3 + 0.1) / 4, accuracy: 1e-12)
        XCTAssertEqual(e.values(.hitRate(3))!, [1, 1, 0, 0])
        XCTAssertEqual(e.values(.mrr)!, [1, 1.0 / 3, 0.1, 0])
        XCTAssertNil(e.mean(.hitRate(50)))
    }

    func testMetricNames() {
        XCTAssertEqual(RankingMetric(name: "HR@50"), .hitRate(50))
        XCTAssertEqual(RankingMetric(name: "ndcg@10"), .ndcg(10))
        XCTAssertEqual(RankingMetric(name: "mrr"), .mrr)
        XCTAssertNil(RankingMetric(name: "hr@0"))
        XCTAssertNil(RankingMetric(name: "recall@5"))
        XCTAssertEqual(RankingMetric.ndcg(10).description, "ndcg@10")
    }

    func testMetricFamiliesAreOneList() {
        XCTAssertEqual(RankingMetric.Family.allCases.map(\.rawValue), ["hr", "ndcg", "mrr", "coverage", "tailhr", "popularity", "age"])
        XCTAssertEqual(RankingMetric(name: "coverage@50"), .coverage(50))
        XCTAssertEqual(RankingMetric(name: "TailHR@10"), .tailHitRate(10))
        XCTAssertEqual(RankingMetric(name: "popularity@5"), .popularity(5))
        XCTAssertEqual(RankingMetric(name: "age@20"), .age(20))
        for bad in ["mrr@5", "coverage", "hr@", "hr@x", "hr@10@2", "", "@10", "age@-1"] {
            XCTAssertNil(RankingMetric(name: bad), bad)
        }
        // Every family round-trips through its name.
        for f in RankingMetric.Family.allCases {
            let m = RankingMetric(family: f, cutoff: f.takesCutoff ? 7 : nil)!
            XCTAssertEqual(m.family, f)
            XCTAssertEqual(RankingMetric(name: m.description), m)
            XCTAssertEqual(m.cutoff, f.takesCutoff ? 7 : nil)
        }
        XCTAssertTrue(RankingMetric.Family.coverage.isCorpusLevel)
        XCTAssertFalse(RankingMetric.Family.tailhr.needsRecommendations)
        XCTAssertTrue(RankingMetric.Family.age.needsClickTimes)
        XCTAssertEqual(RankingMetric.Family.popularity.valueRange, 0...100)
        XCTAssertEqual(RankingMetric.Family.hr.valueRange, 0...1)
        XCTAssertNil(RankingMetric.Family.age.valueRange)
        XCTAssertTrue(RankingMetric.coverage(5).value(rank: 0).isNaN, "not a function of the rank")
        XCTAssertEqual(RankingMetric.tailHitRate(5).value(rank: 4), 1)
    }

    func testRanksFromListsWithSeenExclusion() {
        let lists = [[5, 3, 7, 1], [2, 4, 6], [9, 8]]
        let targets = [7, 6, 1]
        XCTAssertEqual(TargetRanking.ranks(rankedLists: lists, targets: targets), [2, 2, nil])
        // Seen items ahead of the target stop counting; a seen target still counts.
        XCTAssertEqual(TargetRanking.ranks(rankedLists: lists, targets: targets, seen: [[5], [6, 2, 4], []]), [1, 0, nil])
    }

    func testRanksFromScoresAndVectorsAgree() throws {
        // Scores: item 2 ties with the target 3 and has a lower index: it ranks first.
        let scores: [[Float]] = [[0.1, 0.9, 0.5, 0.5, 0.2]]
        XCTAssertEqual(TargetRanking.ranks(scores: scores, targets: [3]), [2])
        XCTAssertEqual(TargetRanking.ranks(scores: scores, targets: [3], seen: [[1, 3]]), [1])
        XCTAssertEqual(TargetRanking.ranks(scores: scores, targets: [2]), [1])

        let users = VectorSet.randomUnit(count: 40, dimension: 6, seed: 41)
        let items = VectorSet.randomUnit(count: 90, dimension: 6, seed: 42)
        var rng = RNG(seed: 43)
        let targets = (0..<40).map { _ in rng.nextInt(below: 90) }
        let seen = (0..<40).map { _ in (0..<5).map { _ in rng.nextInt(below: 90) } }
        let exact = ExactIndex(items: items)
        let full = (0..<40).map { exact.search(users.row($0), k: 90).map(\.item) }
        for s in [nil, seen] {
            let fromVectors = try TargetRanking.ranks(users: users, items: items, targets: targets, seen: s, threads: 2,
                                                      token: CancellationToken())
            let fromLists = TargetRanking.ranks(rankedLists: full, targets: targets, seen: s)
            XCTAssertEqual(fromVectors.map { Optional($0) }, fromLists)
        }
    }

    func testPopularityBaseline() {
        let pop = PopularityRanker(trainingItems: [2, 2, 2, 0, 0, 4, 4, 1], itemCount: 5)
        XCTAssertEqual(pop.counts, [2, 1, 3, 0, 2])
        // Ties (items 0 and 4, count 2) go to the lower index.
        XCTAssertEqual(pop.order, [2, 0, 4, 1, 3])
        XCTAssertEqual(pop.top(3).map(\.item), [2, 0, 4])
        XCTAssertEqual(pop.top(3).map(\.score), [3, 2, 2])
        XCTAssertEqual(pop.top(2, excluding: [2]).map(\.item), [0, 4])
        XCTAssertEqual(pop.ranks(targets: [4, 3, 2]), [2, 4, 0])
        XCTAssertEqual(pop.ranks(targets: [4, 3, 2], seen: [[2], [0, 3, 4], [2]]), [1, 2, 0])
        let e = RankingEvaluation(ranks: pop.ranks(targets: [4, 3, 2]).map { $0 }, metrics: [.hitRate(1)], excludedSeen: false)
        XCTAssertEqual(e.mean(.hitRate(1))!, 1.0 / 3, accuracy: 1e-12)
    }
}

final class RetrievalLeaveLastOutTests: XCTestCase {
    func testModelBesideBaselineExactAndThroughIndex() throws {
        // Two items; user 0 prefers item 1, user 1 prefers item 0. Item 0 is popular.
        let users = try VectorSet(rows: [[0, 1], [1, 0]])
        let items = try VectorSet(rows: [[1, 0], [0, 1], [0.5, 0.5]])
        let metrics: [RankingMetric] = [.hitRate(1), .mrr]
        let r = RankingEvaluation.leaveLastOut(users: users, items: items, targets: [1, 2], seen: [[], [0]],
                                               itemCounts: [10, 1, 5], metrics: metrics, excludeSeen: true)
        // Model: user 0 ranks item 1 first; user 1 without seen item 0 ranks item 2 first.
        XCTAssertEqual(r.model.ranks, [0, 0])
        XCTAssertEqual(r.model.mean(.hitRate(1)), 1)
        // Popularity order 0, 2, 1: target 1 at rank 2; target 2 at rank 0 once item 0 is excluded.
        XCTAssertEqual(r.popular.ranks, [2, 0])
        XCTAssertEqual(r.popular.mean(.mrr)!, (1.0 / 3 + 1) / 2, accuracy: 1e-12)
        XCTAssertTrue(r.model.excludedSeen)
        XCTAssertEqual(r.rankedBy, "exact")

        let viaIndex = try RankingEvaluation.leaveLastOut(users: users, items: items, targets: [1, 2], seen: [[], [0]],
                                                          itemCounts: [10, 1, 5], metrics: metrics, excludeSeen: false,
                                                          index: ExactIndex(items: items), token: CancellationToken())
        // Without exclusion user 1's seen item 0 (score 1) beats target 2 (score 0.5).
        XCTAssertEqual(viaIndex.model.ranks, [0, 1])
        XCTAssertEqual(viaIndex.popular.ranks, [2, 1])
        XCTAssertFalse(viaIndex.model.excludedSeen)
    }

    func testCancelledEvaluationThrows() throws {
        let users = VectorSet.randomUnit(count: 50, dimension: 4, seed: 1)
        let items = VectorSet.randomUnit(count: 30, dimension: 4, seed: 2)
        let targets = [Int](repeating: 3, count: 50), seen = [[Int]](repeating: [], count: 50)
        let token = CancellationToken()
        token.cancel()
        XCTAssertThrowsError(try TargetRanking.ranks(users: users, items: items, targets: targets, token: token)) {
            XCTAssertEqual($0 as? Cancelled, Cancelled())
        }
        for index: VectorIndex? in [nil, ExactIndex(items: items)] {
            XCTAssertThrowsError(try RankingEvaluation.leaveLastOut(
                users: users, items: items, targets: targets, seen: seen, itemCounts: [Int](repeating: 1, count: 30),
                metrics: [.mrr], excludeSeen: true, index: index, token: token)) {
                XCTAssertEqual($0 as? Cancelled, Cancelled())
            }
        }
    }
}
