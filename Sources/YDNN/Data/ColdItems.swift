/// Items held out of training entirely — the item cold-start protocol
/// (`split holdout=last cold_items=0.1`). A seeded random share of the items that
/// have clicks is chosen; every click on them leaves the log except a user's last
/// click, which `holdout=last` then tests. So no training click, no history and no
/// vocabulary count ever sees a held-out item, while the users whose last click
/// went to one are the test's cold targets (`evaluate targets=cold`; `vocab
/// items=all` keeps the items in the catalogue). Users and items stay as they were
/// (features, titles, categories), only clicks are removed.
public struct ColdItemHoldout: Sendable, Equatable {
    /// Share of the clicked items held out, in (0, 1).
    public var share: Double
    public var seed: UInt64

    public init(share: Double, seed: UInt64) { self.share = share; self.seed = seed }

    /// The held-out raw item ids, sorted: `share` of the items with a click,
    /// rounded, at least one.
    public func items(of log: ClickLog) -> [Int32] {
        var clicked = [Bool](repeating: false, count: log.numItems)
        for i in log.clickItems { clicked[Int(i)] = true }
        var candidates = (0..<Int32(log.numItems)).filter { clicked[Int($0)] }
        var rng = RNG(seed: seed, stream: "split.cold_items")
        // A partial Fisher-Yates shuffle: the first n are the draw.
        let n = min(candidates.count, max(1, Int((share * Double(candidates.count)).rounded())))
        for k in 0..<n { candidates.swapAt(k, k + rng.nextInt(below: candidates.count - k)) }
        return candidates[..<n].sorted()
    }

    /// The log without the held-out items' clicks, each user's last click kept
    /// where it will be a test target (the user has another click left).
    public func apply(to log: ClickLog) -> (log: ClickLog, items: [Int32], removedClicks: Int) {
        let held = items(of: log)
        var isHeld = [Bool](repeating: false, count: log.numItems)
        for i in held { isHeld[Int(i)] = true }
        var keep = [Bool](repeating: true, count: log.numClicks)
        for u in 0..<log.numUsers {
            let r = log.clicks(ofUser: u)
            var left = r.count
            for k in r.dropLast() where isHeld[Int(log.clickItems[k])] { keep[k] = false; left -= 1 }
            // holdout=last trains on a user's only click: a held-out one must go too.
            if let last = r.last, isHeld[Int(log.clickItems[last])], left < 2 { keep[last] = false }
        }
        let removed = keep.lazy.filter { !$0 }.count
        return (log.keepingClicks(keep), held, removed)
    }
}

extension ClickLog {
    /// The log with only the clicks where `keep` is true (per-click declared
    /// columns follow; users, items and token streams are unchanged).
    func keepingClicks(_ keep: [Bool]) -> ClickLog {
        precondition(keep.count == numClicks)
        var out = self
        var start = [0]
        start.reserveCapacity(numUsers + 1)
        var kept: [Int] = []
        kept.reserveCapacity(numClicks)
        for u in 0..<numUsers {
            for k in clicks(ofUser: u) where keep[k] { kept.append(k) }
            start.append(kept.count)
        }
        out.userClickStart = start
        out.clickItems = kept.map { clickItems[$0] }
        out.clickTimes = kept.map { clickTimes[$0] }
        out.clickRatings = clickRatings.map { r in kept.map { r[$0] } }
        out.declared = declared.map { c in c.scope == .event ? c.keepingRows(kept) : c }
        return out
    }
}

extension FeatureColumn {
    /// The column with only `rows`, in that order.
    func keepingRows(_ rows: [Int]) -> FeatureColumn {
        var c = self
        if kind == .continuous { c.numbers = rows.map { numbers[$0] }; return c }
        if let o = offsets {
            var offsets: [Int32] = [0], ids: [Int32] = []
            for r in rows { ids.append(contentsOf: self.ids[Int(o[r]) ..< Int(o[r + 1])]); offsets.append(Int32(ids.count)) }
            c.offsets = offsets; c.ids = ids
        } else {
            c.ids = rows.map { ids[$0] }
        }
        return c
    }
}
