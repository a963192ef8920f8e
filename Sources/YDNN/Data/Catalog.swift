import Foundation

/// Display information for items, indexed by item vocabulary id (the ids of
/// `SampleBatch.labels` and of the `items` feature). Id 0 is `<unk>` / the pad.
public struct ItemCatalog: Sendable {
    let log: ClickLog
    let vocab: Vocabularies

    public init(log: ClickLog, vocab: Vocabularies) { self.log = log; self.vocab = vocab }

    /// Number of item ids, `<unk>` included.
    public var count: Int { vocab.items.size }

    private func raw(_ id: Int32) -> Int? {
        id > 0 && Int(id) < vocab.items.size ? Int(vocab.items.rawIDs[Int(id)]) : nil
    }

    /// The item's key in the source data (`M12`, `I7`), `<unk>` for 0.
    public func key(_ id: Int32) -> String { vocab.items.key(id) }
    /// The item id of a source key; nil when the item is unknown or too rare.
    public func id(ofKey key: String) -> Int32? {
        let id = vocab.items.id(of: key)
        return id == 0 ? nil : id
    }
    public func category(_ id: Int32) -> String {
        raw(id).map { log.categories[log.itemCategory[$0]] } ?? Vocabulary.unknownKey
    }
    public func tags(_ id: Int32) -> [String] {
        raw(id).map { r in log.tags(ofItem: r).map { log.tags[$0] } } ?? []
    }
    public func title(_ id: Int32) -> String? { raw(id).flatMap { log.title(ofItem: $0) } }
    /// Upload (release) time, when the source has one.
    public func uploadTime(_ id: Int32) -> Int64? {
        guard let r = raw(id), !log.itemUploadTimes.isEmpty else { return nil }
        return log.itemUploadTimes[r]
    }
    /// Title when there is one, else the key: what a recommendation list shows.
    public func displayName(_ id: Int32) -> String { title(id) ?? key(id) }

    /// Per item id, the time of the item's first click anywhere in the log (the
    /// log's time unit: seconds, or the click's position for logs without
    /// times); NaN for `<unk>` and never-clicked ids. With `servingTime` (the
    /// log's last click) it gives an item's age when recommendations are served.
    public func firstClickTimes() -> [Double] {
        var firstByRaw = [Int64](repeating: .max, count: log.numItems)
        for c in 0..<log.numClicks {
            let item = Int(log.clickItems[c])
            firstByRaw[item] = min(firstByRaw[item], log.hasTimestamps ? log.time(ofClick: c) : Int64(c))
        }
        return (0..<count).map { id in
            guard let r = raw(Int32(id)), firstByRaw[r] != .max else { return .nan }
            return Double(firstByRaw[r])
        }
    }

    /// The log's last click time (same unit as `firstClickTimes`): serving time.
    public var servingTime: Double {
        log.hasTimestamps ? Double(log.timeRange?.upperBound ?? 0) : Double(max(log.numClicks - 1, 0))
    }

    /// Seconds per unit of `firstClickTimes` for showing ages in days; nil when
    /// the log has no times (ages are then in clicks).
    public var secondsPerTimeUnit: Double? { log.hasTimestamps ? 1 : nil }
}

/// Users as the samples number them: `SampleBatch.users` holds these indices,
/// one per distinct user of the log. (Not the `user_id` feature, which maps rare
/// users to `<unk>`; evaluation needs every user told apart.)
public struct UserDirectory: Sendable {
    let log: ClickLog

    public init(log: ClickLog) { self.log = log }

    public var count: Int { log.numUsers }
    public func key(_ user: Int32) -> String { log.userKeys[user] }
    /// The user index of a source key (`U15`), or nil.
    public func index(ofKey key: String) -> Int32? { log.userKeys.find(key) }
    public func attributes(_ user: Int32) -> [String: String] {
        var a = [
            "province": log.provinces[log.userProvince[Int(user)]],
            "city": log.cities[log.userCity[Int(user)]],
            "phone": log.phones[log.userPhone[Int(user)]],
        ]
        for c in log.declared where c.scope == .user { a[c.name] = c.text(ofRow: Int(user)) }
        return a
    }
    /// Number of clicks of the user in the whole log.
    public func clickCount(_ user: Int32) -> Int { log.clicks(ofUser: Int(user)).count }
}

/// The distributions the losses draw negative (noise) items from. Each is a
/// weight per item id for `NegativeSampler`; id 0 (`<unk>`, the pad) always gets
/// weight 0 so it is never drawn.
public enum NegativeDistribution: Sendable, Equatable, CustomStringConvertible {
    case uniform
    /// Proportional to training clicks to the power `power` (word2vec uses 0.75;
    /// 1 is Paddle's `item_freq` noise).
    case frequency(power: Double)
    /// The click distribution after positive damping with threshold `threshold`:
    /// weight f · keep(f) = min(f, sqrt(f·t) + t), popular items flattened.
    case damped(threshold: Double)

    public var description: String {
        switch self {
        case .uniform: return "uniform"
        case .frequency(let p): return "frequency power=\(p)"
        case .damped(let t): return "damped threshold=\(t)"
        }
    }

    /// Weights over item ids, from training click counts per item id.
    public func weights(itemCounts: [Int]) -> [Double] {
        let total = Double(itemCounts.dropFirst().reduce(0, +))
        var w = [Double](repeating: 0, count: itemCounts.count)
        for i in 1..<max(itemCounts.count, 1) {
            let c = Double(itemCounts[i])
            switch self {
            case .uniform: w[i] = 1
            case .frequency(let p): w[i] = c > 0 ? pow(c, p) : 0
            case .damped(let t):
                let f = total > 0 ? c / total : 0
                w[i] = f * Damping.keepProbability(share: f, threshold: t)
            }
        }
        // A degenerate table (no training clicks) falls back to uniform rather than
        // leaving the sampler nothing to draw.
        if w.allSatisfy({ $0 == 0 }) && w.count > 1 { for i in 1..<w.count { w[i] = 1 } }
        return w
    }
}

/// word2vec-style subsampling of frequent positives.
public enum Damping {
    /// Probability of keeping a positive of an item with click share `f`:
    /// (sqrt(f/t) + 1) · t/f, capped at 1.
    @inlinable
    public static func keepProbability(share f: Double, threshold t: Double) -> Double {
        guard f > 0 else { return 1 }
        return min(1, ((f / t).squareRoot() + 1) * t / f)
    }
}
