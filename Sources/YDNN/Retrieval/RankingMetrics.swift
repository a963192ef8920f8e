import Foundation

/// A ranking metric under leave-last-out evaluation (one held-out target per
/// user). Most are functions of the target's 0-based rank r among the candidate
/// items (nil when the target is not in a truncated list or cannot be ranked):
///   HR@K = [r < K],  NDCG@K = [r < K] / log2(r + 2),  MRR = 1 / (r + 1),
///   tailHR@K = HR@K over the users whose target is outside the head.
/// The others describe what is recommended rather than whether the target was
/// hit, and need each user's top-K list and the training log's item statistics
/// (`ItemCatalogue`):
///   coverage@K   share of the catalogue in at least one user's top K (corpus-level),
///   popularity@K mean training-click percentile (0-100) of a user's top K,
///   age@K        mean age at serving time of a user's top K.
public enum RankingMetric: Hashable, Sendable, CustomStringConvertible {
    case hitRate(Int)
    case ndcg(Int)
    case mrr
    case coverage(Int)
    case tailHitRate(Int)
    case popularity(Int)
    case age(Int)

    /// The metric families, named as scripts write them ("hr" in "hr@10"). The
    /// one list the library and the language share: parsing, help and checks
    /// should read it rather than restate it.
    public enum Family: String, CaseIterable, Sendable {
        case hr, ndcg, mrr, coverage, tailhr, popularity, age

        /// Whether the name needs "@K" (every family but mrr).
        public var takesCutoff: Bool { self != .mrr }

        /// One value per evaluation rather than one per user (coverage): it is
        /// averaged over runs, never over users.
        public var isCorpusLevel: Bool { self == .coverage }

        /// Needs each user's top-K recommendations, not only the target's rank.
        public var needsRecommendations: Bool { self == .coverage || self == .popularity || self == .age }

        /// Needs item first-click times and a serving time (`ItemCatalogue`).
        public var needsClickTimes: Bool { self == .age }

        /// The values the metric can take: [0, 1] for the rates (a confidence
        /// interval of their mean should be clipped there), [0, 100] for
        /// popularity; nil for age (any time unit, not bounded above).
        public var valueRange: ClosedRange<Double>? {
            switch self {
            case .hr, .ndcg, .mrr, .coverage, .tailhr: return 0...1
            case .popularity: return 0...100
            case .age: return nil
            }
        }

        /// One line for help texts.
        public var summary: String {
            switch self {
            case .hr: return "hit rate: share of users whose target is in their top K"
            case .ndcg: return "normalised discounted cumulative gain of the target at cutoff K"
            case .mrr: return "mean reciprocal rank of the target"
            case .coverage: return "share of the catalogue that appears in some user's top K"
            case .tailhr: return "hit rate over users whose target is outside the head (the items making half the training clicks)"
            case .popularity: return "mean training-click percentile (0-100) of the top-K items"
            case .age: return "mean age at serving time (since first click) of the top-K items"
            }
        }
    }

    /// The metric of `family` at `cutoff` (nil for mrr); nil when the cutoff is
    /// missing, present for mrr, or not positive.
    public init?(family: Family, cutoff: Int?) {
        guard family.takesCutoff == (cutoff != nil) else { return nil }
        if let k = cutoff, k <= 0 { return nil }
        switch family {
        case .mrr: self = .mrr
        case .hr: self = .hitRate(cutoff!)
        case .ndcg: self = .ndcg(cutoff!)
        case .coverage: self = .coverage(cutoff!)
        case .tailhr: self = .tailHitRate(cutoff!)
        case .popularity: self = .popularity(cutoff!)
        case .age: self = .age(cutoff!)
        }
    }

    /// Parses "hr@10", "ndcg@50", "mrr", "coverage@50", ... (case-insensitive).
    public init?(name: String) {
        let parts = name.lowercased().split(separator: "@", omittingEmptySubsequences: false)
        guard let family = Family(rawValue: String(parts[0])), parts.count <= 2 else { return nil }
        var cutoff: Int? = nil
        if parts.count == 2 {
            guard let k = Int(parts[1]) else { return nil }
            cutoff = k
        }
        self.init(family: family, cutoff: cutoff)
    }

    public var family: Family {
        switch self {
        case .hitRate: return .hr
        case .ndcg: return .ndcg
        case .mrr: return .mrr
        case .coverage: return .coverage
        case .tailHitRate: return .tailhr
        case .popularity: return .popularity
        case .age: return .age
        }
    }

    /// K, or nil for mrr.
    public var cutoff: Int? {
        switch self {
        case .hitRate(let k), .ndcg(let k), .coverage(let k), .tailHitRate(let k), .popularity(let k), .age(let k): return k
        case .mrr: return nil
        }
    }

    public var description: String { cutoff.map { "\(family.rawValue)@\($0)" } ?? family.rawValue }

    /// Whether the per-user value is a function of the target's rank alone.
    public var isRankBased: Bool {
        switch self {
        case .hitRate, .ndcg, .mrr, .tailHitRate: return true
        case .coverage, .popularity, .age: return false
        }
    }

    /// The per-user value for a target at 0-based `rank` (nil: not ranked at
    /// all). For tailhr@K this is HR@K; whether the user counts is decided by
    /// the evaluation. NaN for metrics that are not rank-based.
    public func value(rank: Int?) -> Double {
        switch self {
        case .hitRate(let k), .tailHitRate(let k): return rank.map { $0 < k ? 1 : 0 } ?? 0
        case .ndcg(let k): return rank.map { $0 < k ? 1 / log2(Double($0) + 2) : 0 } ?? 0
        case .mrr: return rank.map { 1 / Double($0 + 1) } ?? 0
        case .coverage, .popularity, .age: return .nan
        }
    }
}

/// The training log's view of the catalogue, for the metrics that look at what
/// is recommended (coverage, tail hit rate, popularity, age).
public struct ItemCatalogue: Sendable {
    /// Training clicks per item (index = item).
    public let clickCounts: [Int]
    /// Items that are not part of the catalogue (the pad / `<unk>` item 0).
    public let excluded: Set<Int>
    /// Each item's first click in the log, in the log's time unit; NaN for an
    /// item never clicked. Nil when the log has no times.
    public let firstClickTimes: [Double]?
    /// When the recommendations are served (same unit): an item's age is
    /// `servingTime - firstClickTimes[item]`.
    public let servingTime: Double?
    /// Whether each item is in the head: the most-clicked items (ties: lower
    /// index first) that together make up at least half the training clicks,
    /// the fewest that do. Never true for excluded items.
    public let isHead: [Bool]
    /// Each catalogue item's training-click percentile, 0 (fewest) to 100
    /// (most): 100 · (items with fewer clicks + (items with as many - 1) / 2)
    /// / (catalogue size - 1), so ties share their mid-rank. NaN for excluded items.
    public let popularityPercentile: [Double]
    /// Items in the catalogue (all but the excluded).
    public let size: Int

    public init(clickCounts: [Int], excluding: Set<Int> = [], firstClickTimes: [Double]? = nil, servingTime: Double? = nil) {
        precondition(firstClickTimes == nil || firstClickTimes!.count == clickCounts.count, "one first-click time per item")
        self.clickCounts = clickCounts
        self.excluded = excluding
        self.firstClickTimes = firstClickTimes
        self.servingTime = servingTime
        let items = clickCounts.indices.filter { !excluding.contains($0) }
        size = items.count

        // Head: walk down the popularity order until half the clicks are covered.
        let total = items.reduce(0) { $0 + clickCounts[$1] }
        var head = [Bool](repeating: false, count: clickCounts.count)
        var covered = 0
        for i in items.sorted(by: { (clickCounts[$0], -$0) > (clickCounts[$1], -$1) }) {
            if 2 * covered >= total { break }
            head[i] = true
            covered += clickCounts[i]
        }
        isHead = head

        // Percentiles: items with equal counts share the mid-rank of their block.
        var pct = [Double](repeating: .nan, count: clickCounts.count)
        let ascending = items.sorted { clickCounts[$0] < clickCounts[$1] }
        var start = 0
        while start < ascending.count {
            var end = start
            while end < ascending.count, clickCounts[ascending[end]] == clickCounts[ascending[start]] { end += 1 }
            let midRank = Double(start) + Double(end - start - 1) / 2
            for p in start..<end { pct[ascending[p]] = size > 1 ? 100 * midRank / Double(size - 1) : 50 }
            start = end
        }
        popularityPercentile = pct
    }

    public var headSize: Int { isHead.lazy.filter { $0 }.count }

    public func contains(_ item: Int) -> Bool { item >= 0 && item < clickCounts.count && !excluded.contains(item) }

    /// A user whose target is nil (outside the vocabulary), outside the
    /// catalogue, or not in the head is a tail user: the `<unk>` target stands
    /// for items too rare to have their own id.
    public func isTail(target: Int?) -> Bool {
        guard let t = target, contains(t) else { return true }
        return !isHead[t]
    }

    /// `servingTime - firstClickTimes[item]`; nil without times, for an item
    /// outside the catalogue or never clicked. Not clamped: a negative age
    /// means the first click came after the serving time.
    public func age(of item: Int) -> Double? {
        guard let times = firstClickTimes, let now = servingTime, contains(item), times[item].isFinite else { return nil }
        return now - times[item]
    }
}

/// What the list metrics see besides each target's rank: per user, the
/// recommended items and the target, and the catalogue they come from.
public struct RecommendationContext: Sendable {
    /// Each user's recommendations, best first (at least the largest cutoff
    /// of the list metrics; an empty list for a user without any).
    public var lists: [[Int]]
    /// Each user's target; nil when it is outside the vocabulary.
    public var targets: [Int?]
    public var catalogue: ItemCatalogue

    public init(lists: [[Int]], targets: [Int?], catalogue: ItemCatalogue) {
        precondition(lists.count == targets.count, "one recommendation list per target")
        self.lists = lists; self.targets = targets; self.catalogue = catalogue
    }
}

/// Metric values per user and their means. Per-user values are kept so a later
/// step can run paired significance tests between two models over the same users.
///
/// Every test user counts: a user whose target cannot be ranked (outside the
/// vocabulary, never trained) is a miss (0 for hr, ndcg, mrr and tailhr),
/// so ablations never change the denominator. `skipUnrankable` drops those
/// users instead (the behaviour before every user counted).
public struct RankingEvaluation: Sendable {
    public let metrics: [RankingMetric]
    /// 0-based rank of each evaluated user's target (nil: absent from a
    /// truncated list, or not rankable).
    public let ranks: [Int?]
    /// Whether each evaluated user's target could be ranked at all.
    public let rankable: [Bool]
    /// `perUser[m][u]`: metric `metrics[m]` for user `u`. NaN where the metric
    /// is undefined for that user (tailhr@K for a head user, popularity@K and
    /// age@K without a list); empty for corpus-level metrics (coverage@K).
    public let perUser: [[Double]]
    /// Means over the users with a defined value (accumulated in Double); for
    /// coverage@K the corpus value. NaN when no user has a defined value of
    /// tailhr, popularity or age.
    public let means: [Double]
    /// Whether already-seen items were excluded from the candidates.
    public let excludedSeen: Bool
    /// Test users whose target could not be ranked (counted as misses, or
    /// skipped when `skippedUnrankable`).
    public let unrankableUsers: Int
    public let skippedUnrankable: Bool
    /// Evaluated users whose target is outside the head (the users of
    /// tailhr@K); nil without a recommendation context.
    public let tailUsers: Int?
    /// Mean age of the evaluated users' targets at serving time, beside
    /// age@K's age of what is recommended; nil without click times.
    public let meanTargetAge: Double?

    /// - Parameters:
    ///   - ranks: each user's target rank (nil: not in a truncated list, or not rankable).
    ///   - rankable: whether each user's target could be ranked (default: all).
    ///   - skipUnrankable: leave unrankable users out instead of counting them as misses.
    ///   - context: lists, targets and catalogue; required for coverage, tailhr,
    ///     popularity and age (age also needs the catalogue's click times).
    public init(ranks: [Int?], metrics: [RankingMetric], excludedSeen: Bool,
                rankable: [Bool]? = nil, skipUnrankable: Bool = false, context: RecommendationContext? = nil) {
        precondition(rankable == nil || rankable!.count == ranks.count, "one rankable flag per user")
        precondition(context == nil || context!.targets.count == ranks.count, "one recommendation list per user")
        for m in metrics where !m.isRankBased || m.family == .tailhr {
            precondition(context != nil, "\(m) needs recommendation lists and an item catalogue")
            precondition(!m.family.needsClickTimes || (context!.catalogue.firstClickTimes != nil && context!.catalogue.servingTime != nil),
                         "\(m) needs item first-click times and a serving time")
        }
        let flags = rankable ?? [Bool](repeating: true, count: ranks.count)
        let kept = ranks.indices.filter { !skipUnrankable || flags[$0] }
        self.metrics = metrics
        self.ranks = kept.map { flags[$0] ? ranks[$0] : nil }
        self.rankable = kept.map { flags[$0] }
        self.excludedSeen = excludedSeen
        unrankableUsers = flags.lazy.filter { !$0 }.count
        skippedUnrankable = skipUnrankable

        var perUser: [[Double]] = [], means: [Double] = []
        for m in metrics {
            let values = RankingEvaluation.values(m, users: kept, ranks: self.ranks, context: context)
            perUser.append(values.perUser)
            means.append(values.mean)
        }
        self.perUser = perUser
        self.means = means
        if let c = context {
            tailUsers = kept.lazy.filter { c.catalogue.isTail(target: c.targets[$0]) }.count
            let ages = kept.compactMap { c.targets[$0].flatMap(c.catalogue.age(of:)) }
            meanTargetAge = ages.isEmpty ? nil : Statistics.mean(ages)
        } else {
            tailUsers = nil
            meanTargetAge = nil
        }
    }

    /// One metric's per-user values and mean. `kept[i]` is the original index
    /// of evaluated user i (into the context); `ranks` is already over `kept`.
    private static func values(_ m: RankingMetric, users kept: [Int], ranks: [Int?],
                               context: RecommendationContext?) -> (perUser: [Double], mean: Double) {
        func finiteMean(_ v: [Double], empty: Double) -> Double {
            let f = v.filter(\.isFinite)
            return f.isEmpty ? empty : Statistics.mean(f)
        }
        switch m {
        case .hitRate, .ndcg, .mrr:
            let v = ranks.map { m.value(rank: $0) }
            return (v, finiteMean(v, empty: 0))
        case .tailHitRate:
            let c = context!
            let v = kept.indices.map { i in c.catalogue.isTail(target: c.targets[kept[i]]) ? m.value(rank: ranks[i]) : .nan }
            return (v, finiteMean(v, empty: .nan))
        case .coverage(let k):
            let c = context!
            var shown = Set<Int>()
            for u in kept { for item in c.lists[u].prefix(k) where c.catalogue.contains(item) { shown.insert(item) } }
            return ([], c.catalogue.size > 0 ? Double(shown.count) / Double(c.catalogue.size) : 0)
        case .popularity(let k):
            let c = context!
            let v = kept.map { u -> Double in
                let p = c.lists[u].prefix(k).filter(c.catalogue.contains).map { c.catalogue.popularityPercentile[$0] }
                return p.isEmpty ? .nan : Statistics.mean(p)
            }
            return (v, finiteMean(v, empty: .nan))
        case .age(let k):
            let c = context!
            let v = kept.map { u -> Double in
                let a = c.lists[u].prefix(k).compactMap(c.catalogue.age(of:))
                return a.isEmpty ? .nan : Statistics.mean(a)
            }
            return (v, finiteMean(v, empty: .nan))
        }
    }

    /// Evaluated users (after skipping, if asked).
    public var users: Int { ranks.count }

    public func mean(_ metric: RankingMetric) -> Double? {
        metrics.firstIndex(of: metric).map { means[$0] }
    }

    /// Per-user values; nil for a metric not measured or corpus-level (coverage).
    public func values(_ metric: RankingMetric) -> [Double]? {
        guard !metric.family.isCorpusLevel else { return nil }
        return metrics.firstIndex(of: metric).map { perUser[$0] }
    }

    /// Users with a defined value of `metric` (all users for hr, ndcg, mrr;
    /// the tail users for tailhr); nil for a metric not measured or corpus-level.
    public func definedUsers(_ metric: RankingMetric) -> Int? {
        values(metric).map { $0.lazy.filter(\.isFinite).count }
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

    /// A non-finite target score ranks behind every candidate (never a hit).
    static func rank(of target: Int, scores: [Float], seen: [Int]) -> Int {
        ScoreOrder.rank(of: target, scores: scores, seen: seen)
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
/// most-popular baseline's, for exactly the same users, targets and seen-item rule.
public struct LeaveLastOutReport: Sendable {
    public let model: RankingEvaluation
    public let popular: RankingEvaluation
    /// "exact" or the index kind the model's ranks came from.
    public let rankedBy: String
    /// The training log's catalogue the list metrics were computed against.
    public let catalogue: ItemCatalogue

    /// Test users whose target could not be ranked (the same for both rankers).
    public var unrankableUsers: Int { model.unrankableUsers }
    /// Evaluated users whose target is outside the head.
    public var tailUsers: Int { model.tailUsers ?? 0 }
    /// Users in every mean's denominator (for hr, ndcg, mrr).
    public var users: Int { model.users }
}

extension RankingEvaluation {
    /// Leave-last-out evaluation. Each user `u` has one held-out `targets[u]`; with
    /// `excludeSeen`, the items of `seen[u]` (the user's training clicks) are removed
    /// from the candidates of both the model and the baseline. Without `index`
    /// every item is scored exactly (MRR over the full ranking); with an index the
    /// ranks come from its top-K lists, K = the largest cutoff (MRR truncated there).
    /// `never` items are no candidate for anyone (the pad / `<unk>` item).
    ///
    /// Users who cannot be ranked count as misses for both rankers (or are left
    /// out of both with `skipUnrankable`): a target that is a `never` item or
    /// outside 0..<items.count, and `unrankableUsers` more test users that have
    /// no row in `users` at all (e.g. dropped before vectors were built because
    /// their target is outside the vocabulary); those count as tail users.
    ///
    /// coverage@K, popularity@K and age@K are computed from each ranker's top-K
    /// lists; the catalogue is every item but `never`, with `itemCounts` as the
    /// training clicks. age@K needs `firstClickTimes` (per item, NaN for never
    /// clicked) and `servingTime`. Throws `Cancelled` when `token` is cancelled.
    public static func leaveLastOut(users: VectorSet, items: VectorSet, targets: [Int], seen: [[Int]],
                                    itemCounts: [Int], metrics: [RankingMetric], excludeSeen: Bool,
                                    never: [Int] = [], index: VectorIndex? = nil,
                                    unrankableUsers extra: Int = 0, skipUnrankable: Bool = false,
                                    firstClickTimes: [Double]? = nil, servingTime: Double? = nil,
                                    threads: Int = retrievalDefaultThreads,
                                    token: CancellationToken) throws -> LeaveLastOutReport {
        precondition(itemCounts.count == items.count, "one training count per item")
        precondition(users.count == targets.count, "one target per user")
        precondition(extra >= 0, "unrankableUsers cannot be negative")
        let neverSet = Set(never)
        let rankable = targets.map { $0 >= 0 && $0 < items.count && !neverSet.contains($0) }
        // Unrankable targets are ranked as item 0 and the rank then dropped, so
        // the rankers never index outside the catalogue.
        let safeTargets = targets.indices.map { rankable[$0] ? targets[$0] : 0 }
        let exclusion: [[Int]]? = excludeSeen ? seen.map { never + $0 }
            : (never.isEmpty ? nil : [[Int]](repeating: never, count: targets.count))
        let listCutoff = metrics.filter(\.family.needsRecommendations).compactMap(\.cutoff).max()

        var modelRanks: [Int?]
        var modelLists: [[Int]]? = nil
        if let index {
            let cutoff = max(metrics.map { $0.cutoff ?? 100 }.max() ?? 10, listCutoff ?? 0)
            let lists = try index.searchBatch(users, k: cutoff, excluding: exclusion, threads: threads, token: token, progress: nil)
                .map { $0.map(\.item) }
            modelRanks = TargetRanking.ranks(rankedLists: lists, targets: safeTargets)
            modelLists = lists
        } else {
            modelRanks = try TargetRanking.ranks(users: users, items: items, targets: safeTargets, seen: exclusion, threads: threads,
                                                 token: token)
                .map { Optional($0) }
            if let k = listCutoff, items.count > 0 {
                modelLists = try ExactIndex(items: items).searchBatch(users, k: k, excluding: exclusion, threads: threads,
                                                                      token: token, progress: nil)
                    .map { $0.map(\.item) }
            }
        }
        let popularity = PopularityRanker(itemCounts: itemCounts)
        var popRanks: [Int?] = popularity.ranks(targets: safeTargets, seen: exclusion).map { Optional($0) }
        let popLists: [[Int]]? = listCutoff.map { k in
            targets.indices.map { u in popularity.top(k, excluding: Set(exclusion?[u] ?? [])).map(\.item) }
        }
        for u in targets.indices where !rankable[u] { modelRanks[u] = nil; popRanks[u] = nil }

        // The users without vectors: misses for both, with nothing recommended.
        let allRankable = rankable + [Bool](repeating: false, count: extra)
        let allTargets: [Int?] = targets.indices.map { rankable[$0] ? targets[$0] : nil } + [Int?](repeating: nil, count: extra)
        let noLists = [[Int]](repeating: [], count: extra)
        let catalogue = ItemCatalogue(clickCounts: itemCounts, excluding: neverSet,
                                      firstClickTimes: firstClickTimes, servingTime: servingTime)
        let empty = [[Int]](repeating: [], count: targets.count)
        func evaluation(_ ranks: [Int?], _ lists: [[Int]]?) -> RankingEvaluation {
            let context = RecommendationContext(lists: (lists ?? empty) + noLists, targets: allTargets, catalogue: catalogue)
            return RankingEvaluation(ranks: ranks + [Int?](repeating: nil, count: extra), metrics: metrics,
                                     excludedSeen: excludeSeen, rankable: allRankable, skipUnrankable: skipUnrankable,
                                     context: context)
        }
        let model = evaluation(modelRanks, modelLists), popular = evaluation(popRanks, popLists)
        assert(model.users == popular.users && model.rankable == popular.rankable, "the baseline must see the same users")
        return LeaveLastOutReport(model: model, popular: popular, rankedBy: index?.kind ?? "exact", catalogue: catalogue)
    }
}
