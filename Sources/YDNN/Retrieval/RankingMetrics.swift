import Foundation

/// A ranking metric under leave-last-out evaluation (one held-out target per user).
/// Every metric is a function of the target's 0-based rank r among the candidate
/// items (nil when the target is not in a truncated list):
///   HR@K = [r < K],  NDCG@K = [r < K] / log2(r + 2),  MRR = 1 / (r + 1).
public enum RankingMetric: Hashable, Sendable, CustomStringConvertible {
    case hitRate(Int)
    case ndcg(Int)
    case mrr

    /// Parses "hr@10", "ndcg@50", "mrr" (case-insensitive).
    public init?(name: String) {
        let s = name.lowercased()
        if s == "mrr" { self = .mrr; return }
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[1]), k > 0 else { return nil }
        switch parts[0] {
        case "hr": self = .hitRate(k)
        case "ndcg": self = .ndcg(k)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .hitRate(let k): return "hr@\(k)"
        case .ndcg(let k): return "ndcg@\(k)"
        case .mrr: return "mrr"
        }
    }

    /// The per-user value for a target at 0-based `rank` (nil: not ranked at all).
    public func value(rank: Int?) -> Double {
        guard let r = rank else { return 0 }
        switch self {
        case .hitRate(let k): return r < k ? 1 : 0
        case .ndcg(let k): return r < k ? 1 / log2(Double(r) + 2) : 0
        case .mrr: return 1 / Double(r + 1)
        }
    }
}

/// Metric values per user and their means. Per-user values are kept so a later
/// step can run paired significance tests between two models over the same users.
public struct RankingEvaluation: Sendable {
    public let metrics: [RankingMetric]
    /// 0-based rank of each user's target (nil: absent from a truncated list).
    public let ranks: [Int?]
    /// `perUser[m][u]`: metric `metrics[m]` for user `u`.
    public let perUser: [[Double]]
    /// Means over users (accumulated in Double).
    public let means: [Double]
    /// Whether already-seen items were excluded from the candidates.
    public let excludedSeen: Bool

    public init(ranks: [Int?], metrics: [RankingMetric], excludedSeen: Bool) {
        self.metrics = metrics
        self.ranks = ranks
        self.excludedSeen = excludedSeen
        perUser = metrics.map { m in ranks.map { m.value(rank: $0) } }
        means = perUser.map { v in v.isEmpty ? 0 : v.reduce(0.0, +) / Double(v.count) }
    }

    public var users: Int { ranks.count }

    public func mean(_ metric: RankingMetric) -> Double? {
        metrics.firstIndex(of: metric).map { means[$0] }
    }

    public func values(_ metric: RankingMetric) -> [Double]? {
        metrics.firstIndex(of: metric).map { perUser[$0] }
    }
}

/// The rank of each user's target, from whatever the ranker produced. Convention
/// everywhere: an item ranks before the target if it scores higher, or scores the
/// same and has a lower index (the order exact search returns). The target itself
/// is never excluded, even if it is also among the user's seen items.
public enum TargetRanking {
    /// From ranked lists (best first, e.g. an index's top-K): the target's position
    /// after dropping `seen[u]` items; nil when it is not in the list.
    public static func ranks(rankedLists: [[Int]], targets: [Int], seen: [[Int]]? = nil) -> [Int?] {
        precondition(rankedLists.count == targets.count, "one ranked list per target")
        precondition(seen == nil || seen!.count == targets.count, "one seen list per user")
        return (0..<targets.count).map { u in
            let excluded = seen.map { Set($0[u]) } ?? []
            var r = 0
            for item in rankedLists[u] {
                if item == targets[u] { return r }
                if !excluded.contains(item) { r += 1 }
            }
            return nil
        }
    }

    /// From a full score vector per user.
    public static func ranks(scores: [[Float]], targets: [Int], seen: [[Int]]? = nil) -> [Int] {
        precondition(scores.count == targets.count, "one score vector per target")
        return (0..<targets.count).map { u in
            rank(of: targets[u], scores: scores[u], seen: seen?[u] ?? [])
        }
    }

    static func rank(of target: Int, scores: [Float], seen: [Int]) -> Int {
        let st = scores[target]
        var r = 0
        for (i, s) in scores.enumerated() where s > st || (s == st && i < target) { r += 1 }
        for i in Set(seen) where i != target && (scores[i] > st || (scores[i] == st && i < target)) { r -= 1 }
        return r
    }

    /// Exact ranks of targets among all items by inner product, users split over
    /// `threads` workers. Scores come from `ExactIndex.scores(for:)`, so the ranks
    /// agree with the lists that exact search and `mine` produce. Throws `Cancelled`
    /// when `token` is cancelled (checked before every chunk of 16 users).
    public static func ranks(users: VectorSet, items: VectorSet, targets: [Int], seen: [[Int]]? = nil,
                             threads: Int = retrievalDefaultThreads, token: CancellationToken) throws -> [Int] {
        precondition(users.dimension == items.dimension, "users and items differ in dimension")
        precondition(users.count == targets.count, "one target per user")
        precondition(seen == nil || seen!.count == targets.count, "one seen list per user")
        let exact = ExactIndex(items: items)
        let nu = users.count
        let chunk = 16
        let chunks = (nu + chunk - 1) / chunk
        var out = [Int](repeating: 0, count: nu)
        let counter = ChunkCounter()
        out.withUnsafeMutableBufferPointer { res in
            let res = res
            runWorkers(min(max(1, threads), max(1, chunks))) { _ in
                while true {
                    let c = counter.take()
                    if c >= chunks || token.isCancelled { return }
                    for u in (c * chunk) ..< min(nu, (c + 1) * chunk) {
                        res[u] = rank(of: targets[u], scores: exact.scores(for: users.row(u)), seen: seen?[u] ?? [])
                    }
                }
            }
        }
        try token.check()
        return out
    }
}

/// The most-popular baseline: every user gets the items ordered by training
/// frequency (ties: lower index first), optionally without the user's seen items.
public struct PopularityRanker: Sendable {
    public let counts: [Int]
    /// Items, most frequent first.
    public let order: [Int]
    private let position: [Int]

    public init(itemCounts: [Int]) {
        counts = itemCounts
        order = itemCounts.indices.sorted { (itemCounts[$0], -$0) > (itemCounts[$1], -$1) }
        var pos = [Int](repeating: 0, count: itemCounts.count)
        for (p, i) in order.enumerated() { pos[i] = p }
        position = pos
    }

    /// Counts the training interactions (item indices in 0..<itemCount).
    public init(trainingItems: [Int], itemCount: Int) {
        var c = [Int](repeating: 0, count: itemCount)
        for i in trainingItems { c[i] += 1 }
        self.init(itemCounts: c)
    }

    /// `popular top=N`: the N most frequent items not in `excluding`, score = count.
    public func top(_ n: Int, excluding: Set<Int> = []) -> [ScoredItem] {
        var out = [ScoredItem]()
        for i in order where !excluding.contains(i) {
            if out.count >= n { break }
            out.append(ScoredItem(item: i, score: Float(counts[i])))
        }
        return out
    }

    /// Target ranks for the baseline, with the same seen-item rule as the model.
    public func ranks(targets: [Int], seen: [[Int]]? = nil) -> [Int] {
        (0..<targets.count).map { u in
            let t = targets[u], pt = position[t]
            let ahead = seen.map { Set($0[u]).filter { $0 != t && position[$0] < pt }.count } ?? 0
            return pt - ahead
        }
    }
}

/// The evaluation protocol in one call: the model's metrics beside the
/// most-popular baseline's, for the same users, targets and seen-item rule.
public struct LeaveLastOutReport: Sendable {
    public let model: RankingEvaluation
    public let popular: RankingEvaluation
    /// "exact" or the index kind the model's ranks came from.
    public let rankedBy: String
}

extension RankingEvaluation {
    /// Leave-last-out evaluation. Each user `u` has one held-out `targets[u]`; with
    /// `excludeSeen`, the items of `seen[u]` (the user's training clicks) are removed
    /// from the candidates of both the model and the baseline. Without `index`
    /// every item is scored exactly (MRR over the full ranking); with an index the
    /// ranks come from its top-K lists, K = the largest cutoff (MRR truncated there).
    /// `never` items are no candidate for anyone (the pad / `<unk>` item).
    /// Throws `Cancelled` when `token` is cancelled.
    public static func leaveLastOut(users: VectorSet, items: VectorSet, targets: [Int], seen: [[Int]],
                                    itemCounts: [Int], metrics: [RankingMetric], excludeSeen: Bool,
                                    never: [Int] = [], index: VectorIndex? = nil,
                                    threads: Int = retrievalDefaultThreads,
                                    token: CancellationToken) throws -> LeaveLastOutReport {
        precondition(itemCounts.count == items.count, "one training count per item")
        let exclusion: [[Int]]? = excludeSeen ? seen.map { never + $0 }
            : (never.isEmpty ? nil : [[Int]](repeating: never, count: targets.count))
        let modelRanks: [Int?]
        if let index {
            let cutoff = metrics.map { m -> Int in
                switch m { case .hitRate(let k), .ndcg(let k): return k; case .mrr: return 100 }
            }.max() ?? 10
            let lists = try index.searchBatch(users, k: cutoff, excluding: exclusion, threads: threads, token: token, progress: nil)
            modelRanks = TargetRanking.ranks(rankedLists: lists.map { $0.map(\.item) }, targets: targets)
        } else {
            modelRanks = try TargetRanking.ranks(users: users, items: items, targets: targets, seen: exclusion, threads: threads,
                                                 token: token)
                .map { Optional($0) }
        }
        let pop = PopularityRanker(itemCounts: itemCounts).ranks(targets: targets, seen: exclusion)
        return LeaveLastOutReport(
            model: RankingEvaluation(ranks: modelRanks, metrics: metrics, excludedSeen: excludeSeen),
            popular: RankingEvaluation(ranks: pop.map { Optional($0) }, metrics: metrics, excludedSeen: excludeSeen),
            rankedBy: index?.kind ?? "exact")
    }
}
