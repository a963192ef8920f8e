import XCTest
import YDNN

/// The metrics that look at what is recommended (coverage, tail hit rate,
/// popularity, age) and the rule that every test user counts, on cases small
/// enough to compute by hand.
final class RetrievalMetricsCatalogueTests: XCTestCase {
    /// Item 0 is the pad / <unk> item; items 1-5 have 5, 3, 1, 1, 0 training
    /// clicks (10 in all) and first clicks at 10, 50, 80, 90 and never.
    let catalogue = ItemCatalogue(clickCounts: [9, 5, 3, 1, 1, 0], excluding: [0],
                                  firstClickTimes: [0, 10, 50, 80, 90, .nan], servingTime: 100)

    func testCatalogueHeadPercentilesAndAges() {
        XCTAssertEqual(catalogue.size, 5)
        // Item 1 alone has 5 of the 10 clicks: half, so the head is {1}.
        XCTAssertEqual(catalogue.isHead, [false, true, false, false, false, false])
        XCTAssertEqual(catalogue.headSize, 1)
        XCTAssertFalse(catalogue.isTail(target: 1))
        XCTAssertTrue(catalogue.isTail(target: 2))
        XCTAssertTrue(catalogue.isTail(target: nil), "a target outside the vocabulary is a tail target")
        XCTAssertTrue(catalogue.isTail(target: 0), "so is the <unk> item")
        // Ascending clicks: 5 (0), 3 and 4 tied (mid-rank 1.5), 2 (3), 1 (4); / 4 · 100.
        XCTAssertTrue(catalogue.popularityPercentile[0].isNaN)
        XCTAssertEqual(Array(catalogue.popularityPercentile[1...]), [100, 75, 37.5, 37.5, 0])
        XCTAssertEqual(catalogue.age(of: 1), 90)
        XCTAssertEqual(catalogue.age(of: 4), 10)
        XCTAssertNil(catalogue.age(of: 5), "never clicked: no age")
        XCTAssertNil(catalogue.age(of: 0), "not in the catalogue")
        XCTAssertNil(ItemCatalogue(clickCounts: [1, 2]).age(of: 1), "no click times")

        // The head needs more than one item when no item has half the clicks,
        // and ties share the mid-rank percentile.
        let flat = ItemCatalogue(clickCounts: [0, 2, 2, 2])
        XCTAssertEqual(flat.isHead, [false, true, true, false], "4 of 6 clicks: the fewest items reaching half")
        let twoThirds = 100 * 2.0 / 3
        XCTAssertEqual(flat.popularityPercentile, [0, twoThirds, twoThirds, twoThirds])
        XCTAssertEqual(ItemCatalogue(clickCounts: [0, 0]).headSize, 0, "no clicks: everyone is tail")
    }

    /// Four users: targets 1 (rank 0), 2 (rank 2), 4 (not in the list) and one
    /// outside the vocabulary.
    func evaluation(skip: Bool = false) -> RankingEvaluation {
        let context = RecommendationContext(lists: [[1, 2, 3], [1, 3, 2], [1, 2, 5], []],
                                            targets: [1, 2, 4, nil], catalogue: catalogue)
        return RankingEvaluation(ranks: [0, 2, nil, nil],
                                 metrics: [.hitRate(3), .tailHitRate(3), .coverage(2), .coverage(3), .popularity(2), .age(2), .mrr],
                                 excludedSeen: false, rankable: [true, true, true, false], skipUnrankable: skip, context: context)
    }

    func testHandComputedListMetrics() throws {
        let e = evaluation()
        XCTAssertEqual(e.users, 4, "the unrankable user is in the denominator")
        XCTAssertEqual(e.unrankableUsers, 1)
        XCTAssertFalse(e.skippedUnrankable)
        XCTAssertEqual(e.rankable, [true, true, true, false])
        XCTAssertEqual(e.mean(.hitRate(3))!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(e.mean(.mrr)!, (1 + 1.0 / 3) / 4, accuracy: 1e-12)
        // Tail users 1, 2 and 3 (user 0's target is the head item): hits 1, 0, 0.
        XCTAssertEqual(e.tailUsers, 3)
        XCTAssertEqual(e.mean(.tailHitRate(3))!, 1.0 / 3, accuracy: 1e-12)
        let tail = try XCTUnwrap(e.values(.tailHitRate(3)))
        XCTAssertTrue(tail[0].isNaN, "a head user has no tailhr value")
        XCTAssertEqual(Array(tail[1...]), [1, 0, 0])
        XCTAssertEqual(e.definedUsers(.tailHitRate(3)), 3)
        // Top 2: {1, 2} ∪ {1, 3} ∪ {1, 2} = 3 of 5 items; top 3 adds item 5.
        XCTAssertEqual(e.mean(.coverage(2))!, 0.6, accuracy: 1e-12)
        XCTAssertEqual(e.mean(.coverage(3))!, 0.8, accuracy: 1e-12)
        XCTAssertNil(e.values(.coverage(2)), "coverage is corpus-level")
        XCTAssertNil(e.definedUsers(.coverage(2)))
        // Percentiles of the top 2: (100 + 75)/2, (100 + 37.5)/2, (100 + 75)/2; none for the last user.
        XCTAssertEqual(e.mean(.popularity(2))!, (87.5 + 68.75 + 87.5) / 3, accuracy: 1e-12)
        XCTAssertTrue(e.values(.popularity(2))![3].isNaN)
        // Ages of the top 2: (90 + 50)/2, (90 + 20)/2, (90 + 50)/2; the targets' ages 90, 50, 10.
        XCTAssertEqual(e.mean(.age(2))!, 65, accuracy: 1e-12)
        XCTAssertEqual(e.meanTargetAge!, 50, accuracy: 1e-12)
    }

    func testSkippingUnrankableUsersKeepsTheOldDenominator() {
        let e = evaluation(skip: true)
        XCTAssertEqual(e.users, 3)
        XCTAssertEqual(e.unrankableUsers, 1, "still reported")
        XCTAssertTrue(e.skippedUnrankable)
        XCTAssertEqual(e.mean(.hitRate(3))!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(e.tailUsers, 2)
        XCTAssertEqual(e.mean(.tailHitRate(3))!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(e.mean(.coverage(3))!, 0.8, accuracy: 1e-12)
        XCTAssertEqual(e.values(.hitRate(3))!, [1, 1, 0])
    }

    func testAgeSkipsItemsWithoutAFirstClick() {
        // Item 5 was never clicked: user 0's age@3 is the mean over items 1 and 2 only.
        let context = RecommendationContext(lists: [[1, 2, 5]], targets: [5], catalogue: catalogue)
        let e = RankingEvaluation(ranks: [2], metrics: [.age(3), .age(1)], excludedSeen: false, context: context)
        XCTAssertEqual(e.mean(.age(3))!, 70, accuracy: 1e-12)
        XCTAssertEqual(e.mean(.age(1))!, 90, accuracy: 1e-12)
        XCTAssertNil(e.meanTargetAge, "the only target has no age")
    }

    func testOldInitialiserIsUnchanged() {
        let e = RankingEvaluation(ranks: [0, nil], metrics: [.hitRate(1)], excludedSeen: true)
        XCTAssertEqual(e.users, 2)
        XCTAssertEqual(e.unrankableUsers, 0)
        XCTAssertEqual(e.rankable, [true, true])
        XCTAssertNil(e.tailUsers)
        XCTAssertEqual(e.mean(.hitRate(1)), 0.5)
    }

    /// leave-last-out with a <unk> target, a user without a vector, and the
    /// list metrics, for the model and the most-popular baseline.
    func testLeaveLastOutCountsEveryUser() throws {
        // Item 0 is the pad; items 1 = (1, 0), 2 = (0, 1), 3 = (0.6, 0.6).
        let items = try VectorSet(rows: [[0, 0], [1, 0], [0, 1], [0.6, 0.6]])
        // User 0 ranks 1, 3, 2; user 1 ranks 2, 3, 1; user 2 (0.2, 1) ranks 2, 3, 1.
        let users = try VectorSet(rows: [[1, 0], [0, 1], [0.2, 1]])
        let metrics: [RankingMetric] = [.hitRate(1), .coverage(2), .tailHitRate(1), .popularity(1)]
        // User 1's target is <unk> (item 0); one more test user has no vector at all.
        let r = RankingEvaluation.leaveLastOut(users: users, items: items, targets: [1, 0, 2], seen: [[], [], []],
                                               itemCounts: [0, 5, 1, 3], metrics: metrics, excludeSeen: false,
                                               never: [0], unrankableUsers: 1)
        XCTAssertEqual(r.users, 4)
        XCTAssertEqual(r.unrankableUsers, 2)
        XCTAssertEqual(r.popular.users, 4, "the baseline is on the same users")
        XCTAssertEqual(r.model.ranks, [0, nil, 0, nil])
        // Popularity order 1, 3, 2: target 2 is third.
        XCTAssertEqual(r.popular.ranks, [0, nil, 2, nil])
        XCTAssertEqual(r.model.mean(.hitRate(1))!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(r.popular.mean(.hitRate(1))!, 0.25, accuracy: 1e-12)
        // Head = {1} (5 of 9 clicks): users 1, 2 and the vectorless one are tail users.
        XCTAssertEqual(r.tailUsers, 3)
        XCTAssertEqual(r.catalogue.size, 3)
        XCTAssertEqual(r.model.mean(.tailHitRate(1))!, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(r.popular.mean(.tailHitRate(1))!, 0, accuracy: 1e-12)
        // Model top 2: {1, 3}, {2, 3}, {2, 3} cover all 3 items; the baseline shows 1 and 3 to everyone.
        XCTAssertEqual(r.model.mean(.coverage(2))!, 1, accuracy: 1e-12)
        XCTAssertEqual(r.popular.mean(.coverage(2))!, 2.0 / 3, accuracy: 1e-12)
        // Percentiles: item 1 → 100, 3 → 50, 2 → 0. Model top 1: 1, 2, 2; the baseline always 1.
        XCTAssertEqual(r.model.mean(.popularity(1))!, 100.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(r.popular.mean(.popularity(1))!, 100, accuracy: 1e-12)

        // Through an index, the same ranks and lists.
        let viaIndex = RankingEvaluation.leaveLastOut(users: users, items: items, targets: [1, 0, 2], seen: [[], [], []],
                                                      itemCounts: [0, 5, 1, 3], metrics: metrics, excludeSeen: false,
                                                      never: [0], index: ExactIndex(items: items), unrankableUsers: 1)
        XCTAssertEqual(viaIndex.model.ranks, r.model.ranks)
        XCTAssertEqual(viaIndex.model.means, r.model.means)
        XCTAssertEqual(viaIndex.rankedBy, "exact")

        // Today's behaviour on request: unrankable users are not counted.
        let skipped = RankingEvaluation.leaveLastOut(users: users, items: items, targets: [1, 0, 2], seen: [[], [], []],
                                                     itemCounts: [0, 5, 1, 3], metrics: metrics, excludeSeen: false,
                                                     never: [0], unrankableUsers: 1, skipUnrankable: true)
        XCTAssertEqual(skipped.users, 2)
        XCTAssertEqual(skipped.unrankableUsers, 2)
        XCTAssertEqual(skipped.model.mean(.hitRate(1))!, 1, accuracy: 1e-12)
        XCTAssertEqual(skipped.popular.mean(.hitRate(1))!, 0.5, accuracy: 1e-12)
    }

    func testLeaveLastOutAgeNeedsTimes() throws {
        let items = try VectorSet(rows: [[0, 0], [1, 0], [0, 1]])
        let users = try VectorSet(rows: [[1, 0.1]])
        let r = RankingEvaluation.leaveLastOut(users: users, items: items, targets: [2], seen: [[1]],
                                               itemCounts: [0, 4, 1], metrics: [.age(1), .hitRate(1)], excludeSeen: true,
                                               never: [0], firstClickTimes: [.nan, 3, 8], servingTime: 10)
        // Seen item 1 excluded: the model and the baseline both recommend item 2 (age 2), the target.
        XCTAssertEqual(r.model.mean(.age(1))!, 2, accuracy: 1e-12)
        XCTAssertEqual(r.popular.mean(.age(1))!, 2, accuracy: 1e-12)
        XCTAssertEqual(r.model.meanTargetAge!, 2, accuracy: 1e-12)
        XCTAssertEqual(r.model.mean(.hitRate(1)), 1)
    }
}
