/// A summary of a click log for `stats`: sizes, the history-length distribution,
/// how concentrated popularity is, and how the load went.
public struct DataStats: Sendable, CustomStringConvertible {
    public var format: String
    /// Users and items with at least one click.
    public var users: Int
    public var items: Int
    public var clicks: Int
    /// Distinct values in the source (with or without clicks).
    public var userKeys: Int
    public var itemKeys: Int
    public var categories: Int
    public var tags: Int
    /// Clicks per user with at least one click.
    public var historyLength: Distribution
    /// Share of all clicks that go to the most-clicked 1% and 10% of items.
    public var top1PercentShare: Double
    public var top10PercentShare: Double
    /// Share of clicked items with at most 5 clicks (the long tail).
    public var tailItemShare: Double
    /// The most-clicked items: key and click count.
    public var head: [(key: String, clicks: Int)]
    public var timeSpan: ClosedRange<Int64>?
    public var hasTimestamps: Bool
    /// Lowest and highest rating and the mean, when the log has ratings (the
    /// weights of `pool items ... weighted=on`).
    public var ratings: (min: Float, max: Float, mean: Double)?
    public var malformedLines: Int
    public var firstMalformed: [MalformedLine]
    public var warnings: [String]
    /// Per feature dictionary (when built): values kept, distinct values, and the
    /// share of occurrences that keep their own id rather than `<unk>`.
    public var vocabulary: [(name: String, kept: Int, distinct: Int, coverage: Double)] = []
    /// One line per declared feature: name, scope, kind and its values or range.
    public var declaredFeatures: [String] = []

    public struct Distribution: Sendable, CustomStringConvertible {
        public var min = 0, p25 = 0, median = 0, p75 = 0, p90 = 0, p99 = 0, max = 0
        public var mean = 0.0
        init(_ values: [Int]) {
            guard !values.isEmpty else { return }
            let v = values.sorted()
            func q(_ p: Double) -> Int { v[Swift.min(v.count - 1, Int(p * Double(v.count - 1) + 0.5))] }
            min = v[0]; max = v[v.count - 1]
            p25 = q(0.25); median = q(0.5); p75 = q(0.75); p90 = q(0.9); p99 = q(0.99)
            mean = Double(v.reduce(0, +)) / Double(v.count)
        }
        public var description: String {
            "min \(min), p25 \(p25), median \(median), p75 \(p75), p90 \(p90), p99 \(p99), max \(max), mean \(String(format1: mean))"
        }
    }

    public init(log: ClickLog, vocab: Vocabularies? = nil, headSize: Int = 5) {
        format = log.format
        var perUser: [Int] = []
        for u in 0..<log.numUsers {
            let n = log.clicks(ofUser: u).count
            if n > 0 { perUser.append(n) }
        }
        var counts = [Int](repeating: 0, count: log.numItems)
        for i in log.clickItems { counts[Int(i)] += 1 }
        let clicked = counts.enumerated().filter { $0.element > 0 }.sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
        users = perUser.count
        items = clicked.count
        clicks = log.numClicks
        userKeys = log.numUsers
        itemKeys = log.numItems
        categories = log.categories.count
        tags = log.tags.count
        historyLength = Distribution(perUser)
        let total = log.numClicks
        func share(_ fraction: Double) -> Double {
            guard total > 0 else { return 0 }
            let k = Swift.max(1, Int((Double(clicked.count) * fraction).rounded(.up)))
            return Double(clicked.prefix(k).reduce(0) { $0 + $1.element }) / Double(total)
        }
        top1PercentShare = share(0.01)
        top10PercentShare = share(0.1)
        tailItemShare = clicked.isEmpty ? 0 : Double(clicked.filter { $0.element <= 5 }.count) / Double(clicked.count)
        head = clicked.prefix(headSize).map { (log.itemKeys[Int32($0.offset)], $0.element) }
        timeSpan = log.timeRange
        hasTimestamps = log.hasTimestamps
        if let r = log.clickRatings, let lo = r.min(), let hi = r.max() {
            // Summed in Double: a Float running sum loses precision over millions of clicks.
            ratings = (lo, hi, r.reduce(0.0) { $0 + Double($1) } / Double(r.count))
        }
        declaredFeatures = log.declared.map { c in
            if c.kind == .continuous {
                let known = c.numbers.filter { !$0.isNaN }
                let range = known.min().map { lo in "\(c.text(ofRow: c.numbers.firstIndex(of: lo)!)) ... \(c.text(ofRow: c.numbers.firstIndex(of: known.max()!)!))" } ?? "no values"
                return "\(c.name) (\(c.scope.rawValue), continuous: \(range), \(c.numbers.count - known.count) missing)"
            }
            return "\(c.name) (\(c.scope.rawValue), \(c.kind.rawValue): \(c.values.count) values)"
        } + log.tokenStreams.map { s in
            "\(s.name) (token history: \(s.ids.count) tokens, \(s.values.count) distinct" + (s.window.map { ", newest \($0)" } ?? "") + ")"
        }
        malformedLines = log.loadReport.malformedCount
        firstMalformed = log.loadReport.firstMalformed
        warnings = log.loadReport.warnings
        if let vocab {
            let distinct = [log.userKeys, log.provinces, log.cities, log.phones, log.itemKeys, log.categories, log.tags].map(\.count)
                + log.declared.filter { $0.kind != .continuous }.map(\.values.count) + log.tokenStreams.map(\.values.count)
            vocabulary = zip(vocab.all, distinct).map { v, d in
                let total = v.counts.reduce(0, +)
                return (v.name, v.size - 1, d, total > 0 ? 1 - Double(v.counts[0]) / Double(total) : 0)
            }
        }
    }

    public var description: String {
        var lines = [
            "format      \(format)",
            "users       \(users)" + (userKeys != users ? " (\(userKeys) listed)" : ""),
            "items       \(items)" + (itemKeys != items ? " (\(itemKeys) listed)" : ""),
            "clicks      \(clicks)",
            "categories  \(categories), tags \(tags)",
        ]
        if !declaredFeatures.isEmpty { lines.append("features    " + declaredFeatures.joined(separator: "; ")) }
        lines += [
            "history     \(historyLength)",
            "popularity  top 1% of items get \(percent(top1PercentShare)) of clicks, top 10% get \(percent(top10PercentShare)); \(percent(tailItemShare)) of items have <= 5 clicks",
            "head        " + head.map { "\($0.key) (\($0.clicks))" }.joined(separator: ", "),
        ]
        if let t = timeSpan {
            lines.append(hasTimestamps ? "time        \(t.lowerBound) ... \(t.upperBound) (\(String(format1: Double(t.upperBound - t.lowerBound) / 86400)) days)"
                                       : "time        click order only (no timestamps)")
        }
        if let r = ratings {
            lines.append("ratings     \(String(format1: Double(r.min))) ... \(String(format1: Double(r.max))), mean \(String(format1: r.mean)); "
                         + "weighted pooling weighs a click rating/\(String(format1: Double(r.max)))")
        } else {
            lines.append("ratings     none (weighted pooling needs them)")
        }
        if !vocabulary.isEmpty {
            lines.append("vocab       " + vocabulary.map { "\($0.name) \($0.kept)/\($0.distinct) (\(percent($0.coverage)))" }.joined(separator: ", "))
        }
        lines.append("malformed   \(malformedLines) lines")
        for m in firstMalformed { lines.append("  \(m)") }
        for w in warnings { lines.append("warning     \(w)") }
        return lines.joined(separator: "\n")
    }
}

func percent(_ x: Double) -> String { String(format1: x * 100) + "%" }

extension String {
    /// One decimal place without Foundation's locale-dependent formatting.
    init(format1 x: Double) {
        let r = (x * 10).rounded() / 10
        let whole = Int(r.rounded(.towardZero))
        let tenth = Int((abs(r - Double(whole)) * 10).rounded())
        self = (r < 0 && whole == 0 ? "-" : "") + "\(whole).\(tenth)"
    }
}
