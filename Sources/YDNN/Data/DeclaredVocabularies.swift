import Foundation

/// How a continuous feature enters the network (Covington et al. 2016, section
/// 3.5): its quantile in the training distribution, x̃ in [0, 1], and optionally
/// powers of it, so the network can form super- and sub-linear functions of x̃.
public enum ContinuousTransform: String, Sendable, CaseIterable, Codable {
    /// x̃ itself.
    case x
    /// x̃².
    case x2
    /// √x̃.
    case sqrt

    /// The dense column holding this transform of feature `name`: `age`, `age_squared`, `age_sqrt`.
    public func column(_ name: String) -> String {
        switch self {
        case .x: return name
        case .x2: return name + "_squared"
        case .sqrt: return name + "_sqrt"
        }
    }

    @inline(__always) func apply(_ q: Float) -> Float {
        switch self {
        case .x: return q
        case .x2: return q * q
        case .sqrt: return q.squareRoot()
        }
    }
}

/// The training distribution of one continuous feature, as a map from a value to
/// its quantile: the share of training values below it plus half the share equal
/// to it (mid-rank), so the smallest value of a large sample is near 0, the largest
/// near 1, and a value outside the training range clamps to 0 or 1. A missing value
/// (NaN) maps to 0.5, the median, so it carries no sign either way.
public struct ContinuousScale: Sendable, Equatable {
    public let name: String
    /// Distinct training values, ascending, and the quantile of each.
    public let values: [Float]
    public let quantiles: [Float]

    /// From the training occurrences of the feature (NaN ignored).
    public init(name: String, occurrences: [Float]) {
        self.name = name
        let v = occurrences.filter { !$0.isNaN }.sorted()
        var values: [Float] = [], quantiles: [Float] = []
        let n = Double(v.count)
        var i = 0
        while i < v.count {
            var j = i
            while j < v.count && v[j] == v[i] { j += 1 }
            values.append(v[i])
            quantiles.append(Float((Double(i) + Double(j - i) / 2) / n))
            i = j
        }
        self.values = values; self.quantiles = quantiles
    }

    /// The quantile of `x` in the training distribution (interpolated between
    /// neighbouring training values).
    public func quantile(_ x: Float) -> Float {
        guard !x.isNaN, let first = values.first, let last = values.last else { return 0.5 }
        if x <= first { return x < first ? 0 : quantiles[0] }
        if x >= last { return x > last ? 1 : quantiles[quantiles.count - 1] }
        var lo = 0, hi = values.count - 1
        while hi - lo > 1 {
            let m = (lo + hi) / 2
            if values[m] <= x { lo = m } else { hi = m }
        }
        if values[lo] == x { return quantiles[lo] }
        let t = (x - values[lo]) / (values[hi] - values[lo])
        return quantiles[lo] + t * (quantiles[hi] - quantiles[lo])
    }
}

/// The dictionaries and scales of a log's declared features, counted like the
/// fixed ones: a user feature once per user (as Paddle counts province), an item
/// or event feature once per training click (as Paddle counts tags).
public struct DeclaredVocabularies: Sendable {
    /// One per categorical or bag column, in declaration order, named like it.
    public let vocabularies: [Vocabulary]
    /// One per continuous column, in declaration order.
    public let scales: [ContinuousScale]

    public static let none = DeclaredVocabularies(vocabularies: [], scales: [])

    init(vocabularies: [Vocabulary], scales: [ContinuousScale]) {
        self.vocabularies = vocabularies; self.scales = scales
    }

    /// `trainCount[u]`: the first so many clicks of user u are training clicks.
    init(log: ClickLog, minCount: Int, trainCount: (Int) -> Int) {
        var vocabs: [Vocabulary] = [], scales: [ContinuousScale] = []
        guard !log.declared.isEmpty || !log.tokenStreams.isEmpty else { self.init(vocabularies: [], scales: []); return }
        var itemClicks = [Int](repeating: 0, count: log.numItems)
        for u in 0..<log.numUsers {
            let s = log.userClickStart[u]
            for k in s ..< s + trainCount(u) { itemClicks[Int(log.clickItems[k])] += 1 }
        }
        func eachTrainingClick(_ body: (Int, Int) -> Void) {
            for u in 0..<log.numUsers {
                let s = log.userClickStart[u]
                for k in s ..< s + trainCount(u) { body(u, k) }
            }
        }
        for c in log.declared {
            if c.kind == .continuous {
                var occ: [Float] = []
                switch c.scope {
                case .user: eachTrainingClick { u, _ in occ.append(c.numbers[u]) }
                case .item: eachTrainingClick { _, k in occ.append(c.numbers[Int(log.clickItems[k])]) }
                case .event: eachTrainingClick { _, k in occ.append(c.numbers[k]) }
                }
                scales.append(ContinuousScale(name: c.name, occurrences: occ))
                continue
            }
            var counts = [Int](repeating: 0, count: c.values.count)
            switch c.scope {
            case .user: for u in 0..<log.numUsers { for v in c.valueIDs(ofRow: u) { counts[Int(v)] += 1 } }
            case .item:
                for i in 0..<log.numItems where itemClicks[i] > 0 {
                    for v in c.valueIDs(ofRow: i) { counts[Int(v)] += itemClicks[i] }
                }
            case .event: eachTrainingClick { _, k in for v in c.valueIDs(ofRow: k) { counts[Int(v)] += 1 } }
            }
            vocabs.append(Vocabulary(name: c.name, table: c.values, rawCounts: counts, minCount: minCount))
        }
        // A stream's tokens count when they come before the user's first held-out click.
        for stream in log.tokenStreams {
            var counts = [Int](repeating: 0, count: stream.values.count)
            for u in 0..<log.numUsers {
                let r = log.clicks(ofUser: u), n = trainCount(u)
                let end = n < r.count ? log.time(ofClick: r.lowerBound + n) : Int64.max
                for k in stream.tokens(ofUser: u) where stream.times[k] < end { counts[Int(stream.ids[k])] += 1 }
            }
            vocabs.append(Vocabulary(name: stream.name, table: stream.values, rawCounts: counts, minCount: minCount))
        }
        self.init(vocabularies: vocabs, scales: scales)
    }

    public func vocabulary(_ name: String) -> Vocabulary? { vocabularies.first { $0.name == name } }
    public func scale(_ name: String) -> ContinuousScale? { scales.first { $0.name == name } }

    /// The model inputs the declared features provide: a categorical user or event
    /// feature is one id per sample, a bag or any item feature a list (an item
    /// feature pools over the history's items), and a continuous one a dense
    /// column per transform.
    func featureInfos(log: ClickLog) -> [FeatureInfo] {
        var out: [FeatureInfo] = []
        for c in log.declared {
            if c.kind == .continuous {
                for t in ContinuousTransform.allCases { out.append(FeatureInfo(name: t.column(c.name), kind: .dense, vocabularySize: 1)) }
            } else if let v = vocabulary(c.name) {
                let single = c.kind == .categorical && c.scope != .item
                out.append(FeatureInfo(name: c.name, kind: single ? .single : .multi, vocabularySize: v.size))
            }
        }
        for s in log.tokenStreams {
            if let v = vocabulary(s.name) { out.append(FeatureInfo(name: s.name, kind: .multi, vocabularySize: v.size)) }
        }
        return out
    }
}
