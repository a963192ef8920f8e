// Entry points without a token, for callers that cannot handle
// `Cancelled` (the tests; VectorIndex.similar). They run to
// completion whatever Ctrl-C does, so a Ctrl-C takes effect after them. Remove
// them once the tests and VectorIndex.similar pass tokens (the script layer does).

extension IndexEvaluation {
    /// `groundTruth(items:queries:k:metric:threads:token:)` that cannot be cancelled.
    public static func groundTruth(items: VectorSet, queries: VectorSet, k: Int, metric: SimilarityMetric = .innerProduct,
                                   threads: Int = retrievalDefaultThreads) -> [[Int]] {
        // A fresh token nobody else holds is never cancelled, so this cannot throw.
        try! groundTruth(items: items, queries: queries, k: k, metric: metric, threads: threads, token: CancellationToken())
    }
}

extension RankingEvaluation {
    /// `leaveLastOut(...token:)` that cannot be cancelled.
    public static func leaveLastOut(users: VectorSet, items: VectorSet, targets: [Int], seen: [[Int]],
                                    itemCounts: [Int], metrics: [RankingMetric], excludeSeen: Bool,
                                    never: [Int] = [], index: VectorIndex? = nil,
                                    unrankableUsers extra: Int = 0, skipUnrankable: Bool = false,
                                    firstClickTimes: [Double]? = nil, servingTime: Double? = nil,
                                    threads: Int = retrievalDefaultThreads) -> LeaveLastOutReport {
        // A fresh token nobody else holds is never cancelled, so this cannot throw.
        try! leaveLastOut(users: users, items: items, targets: targets, seen: seen, itemCounts: itemCounts,
                          metrics: metrics, excludeSeen: excludeSeen, never: never, index: index,
                          unrankableUsers: extra, skipUnrankable: skipUnrankable,
                          firstClickTimes: firstClickTimes, servingTime: servingTime, threads: threads,
                          token: CancellationToken())
    }
}
