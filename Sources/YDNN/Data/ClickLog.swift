import Foundation

/// A click log in compact columnar form, the common result of every loader and of
/// the generator. Nothing here is filtered yet: all distinct values are kept as
/// raw ids into `StringTable`s, so `vocab min_count=N` can be applied (and
/// re-applied) without reloading.
///
/// Clicks are grouped by user (CSR, `userClickStart`) and each user's clicks are
/// in time order, ties broken by item key in natural order (`M3` before `M12`),
/// which is the evaluation protocol's order.
public struct ClickLog: Sendable {
    /// `paddle`, `movielens-100k`, `movielens-1m`, `csv` or `generated`.
    public internal(set) var format: String
    /// False for the Paddle format, whose lines carry click order but no time:
    /// there `clickTimes` are ordinals aligned so each user's last click is at 0
    /// (earlier clicks -1, -2, ...).
    public internal(set) var hasTimestamps: Bool
    public internal(set) var loadReport: LoadReport

    public internal(set) var userKeys = StringTable()
    public internal(set) var itemKeys = StringTable()
    public internal(set) var provinces = StringTable()
    public internal(set) var cities = StringTable()
    public internal(set) var phones = StringTable()
    public internal(set) var categories = StringTable()
    public internal(set) var tags = StringTable()

    /// Per user: raw ids into `provinces`, `cities`, `phones`.
    public internal(set) var userProvince: [Int32] = []
    public internal(set) var userCity: [Int32] = []
    public internal(set) var userPhone: [Int32] = []

    /// Per item: raw id into `categories`, and a CSR list of raw ids into `tags`.
    public internal(set) var itemCategory: [Int32] = []
    public internal(set) var itemTagStart: [Int32] = [0]
    public internal(set) var itemTagIDs: [Int32] = []
    /// Titles for display; empty when the source has none.
    public internal(set) var itemTitles: [String] = []
    /// Upload (release) times in seconds; empty when unknown.
    public internal(set) var itemUploadTimes: [Int64] = []

    /// Clicks of user `u` are `userClickStart[u] ..< userClickStart[u+1]`.
    public internal(set) var userClickStart: [Int] = [0]
    /// Raw item id of each click.
    public internal(set) var clickItems: [Int32] = []
    /// Click time minus `timeOrigin` (seconds, or ordinals when `!hasTimestamps`).
    public internal(set) var clickTimes: [Int32] = []
    public internal(set) var timeOrigin: Int64 = 0
    /// The rating of each click, as the source wrote it (MovieLens 1–5, a CSV
    /// `rating=` column), aligned with `clickItems`; nil when the source has none
    /// (Paddle, generated logs), so logs without ratings pay nothing for them.
    /// Samples turn these into weights of the `items` history (weighted pooling).
    public internal(set) var clickRatings: [Float]? = nil
    /// Declared features beyond the fixed ones (`FeatureColumns.swift`): per user,
    /// item or click, in declaration order. Empty for the Paddle format.
    public internal(set) var declared: [FeatureColumn] = []
    /// Second history streams (`TokenStreams.swift`), attached after loading.
    public internal(set) var tokenStreams: [TokenStream] = []

    public var hasRatings: Bool { clickRatings != nil }
    /// The largest rating in the log (nil without ratings): sample weights are
    /// ratings divided by it, see `SampleSet.hasWeights`.
    public var maxRating: Float? { clickRatings.flatMap { $0.max() } }

    public var numUsers: Int { userKeys.count }
    public var numItems: Int { itemKeys.count }
    public var numClicks: Int { clickItems.count }

    @inlinable public func clicks(ofUser u: Int) -> Range<Int> { userClickStart[u] ..< userClickStart[u + 1] }
    public func time(ofClick i: Int) -> Int64 { timeOrigin + Int64(clickTimes[i]) }
    public func rating(ofClick i: Int) -> Float? { clickRatings?[i] }
    public func tags(ofItem i: Int) -> ArraySlice<Int32> {
        itemTagIDs[Int(itemTagStart[i]) ..< Int(itemTagStart[i + 1])]
    }
    public func user(key: String) -> Int? { userKeys.find(key).map(Int.init) }
    public func item(key: String) -> Int? { itemKeys.find(key).map(Int.init) }
    public func title(ofItem i: Int) -> String? { itemTitles.isEmpty ? nil : itemTitles[i] }

    /// Earliest and latest click time (absolute), or nil for an empty log.
    public var timeRange: ClosedRange<Int64>? {
        guard let lo = clickTimes.min(), let hi = clickTimes.max() else { return nil }
        return (timeOrigin + Int64(lo)) ... (timeOrigin + Int64(hi))
    }

    /// The size of the log in a plain binary encoding: 8 bytes a click (item, time),
    /// 12 a user (three feature ids) plus its offset, the item metadata, and the
    /// key strings. The in-memory form should stay within 2x of this.
    public var compactBytes: Int {
        let tables = [userKeys, itemKeys, provinces, cities, phones, categories, tags]
        return numClicks * (hasRatings ? 12 : 8) + numUsers * (12 + 8) + numItems * 8 + itemTagIDs.count * 4
            + tables.reduce(0) { $0 + $1.compactBytes }
            + itemTitles.reduce(0) { $0 + $1.utf8.count } + itemUploadTimes.count * 8
            + declared.reduce(0) { $0 + $1.compactBytes }
    }

    /// Bytes actually held by the arrays of the log (capacities, not counts).
    public var memoryBytes: Int {
        let tables = [userKeys, itemKeys, provinces, cities, phones, categories, tags]
        return clickItems.capacity * 4 + clickTimes.capacity * 4 + (clickRatings?.capacity ?? 0) * 4
            + userClickStart.capacity * 8
            + (userProvince.capacity + userCity.capacity + userPhone.capacity) * 4
            + (itemCategory.capacity + itemTagStart.capacity + itemTagIDs.capacity) * 4
            + tables.reduce(0) { $0 + $1.memoryBytes }
            + itemTitles.reduce(itemTitles.capacity * 16) { $0 + ($1.utf8.count > 15 ? $1.utf8.count : 0) }
            + itemUploadTimes.capacity * 8
            + declared.reduce(0) { $0 + $1.memoryBytes }
            + tokenStreams.reduce(0) { $0 + $1.values.memoryBytes + $1.ids.capacity * 4 + $1.times.capacity * 8 + $1.userStart.capacity * 8 }
    }
}

extension ClickLog: CustomStringConvertible {
    /// One line for the REPL after a load: sizes, malformed lines, time taken.
    public var description: String {
        var s = "\(format): \(numUsers) users, \(numItems) items, \(numClicks) clicks"
        if loadReport.malformedCount > 0 { s += ", \(loadReport.malformedCount) malformed lines skipped" }
        if loadReport.seconds > 0 { s += String(format: " (%.2f s)", loadReport.seconds) }
        return s
    }
}

/// Assembles a `ClickLog`: loaders intern keys, set metadata and append clicks in
/// any order; `build()` groups clicks by user and sorts them by time.
public struct ClickLogBuilder: Sendable {
    var log: ClickLog
    var cUser: [Int32] = []
    var cItem: [Int32] = []
    var cTime: [Int64] = []
    /// Ratings of the clicks; nil until a loader passes the first one.
    var cRating: [Float]? = nil
    var userHasFeatures: [Bool] = []
    var itemHasMetadata: [Bool] = []
    var itemTagLists: [[Int32]] = []
    /// Declared columns being filled (`declare(_:scope:kind:)`).
    var declared: [FeatureColumnBuilder] = []
    /// Items whose metadata disagreed with their first appearance.
    public private(set) var inconsistentItems = 0

    public init(format: String, hasTimestamps: Bool) {
        log = ClickLog(format: format, hasTimestamps: hasTimestamps, loadReport: LoadReport(format: format))
    }

    public var numClicks: Int { cItem.count }
    public var numUsers: Int { log.userKeys.count }
    public var numItems: Int { log.itemKeys.count }

    public mutating func reserveClicks(_ n: Int) {
        cUser.reserveCapacity(n); cItem.reserveCapacity(n); cTime.reserveCapacity(n)
        cRating?.reserveCapacity(n)
    }

    @inline(__always)
    public mutating func user(_ key: UnsafeBufferPointer<UInt8>) -> Int32 {
        let id = log.userKeys.intern(key)
        if Int(id) == userHasFeatures.count { userHasFeatures.append(false); appendUserDefaults() }
        return id
    }
    public mutating func user(_ key: String) -> Int32 {
        var k = key
        return k.withUTF8 { user($0) }
    }

    @inline(__always)
    public mutating func item(_ key: UnsafeBufferPointer<UInt8>) -> Int32 {
        let id = log.itemKeys.intern(key)
        if Int(id) == itemHasMetadata.count {
            itemHasMetadata.append(false)
            log.itemCategory.append(-1)
            itemTagLists.append([])
        }
        return id
    }
    public mutating func item(_ key: String) -> Int32 {
        var k = key
        return k.withUTF8 { item($0) }
    }

    private mutating func appendUserDefaults() {
        log.userProvince.append(-1); log.userCity.append(-1); log.userPhone.append(-1)
    }

    public func userHasFeatures(_ u: Int32) -> Bool { userHasFeatures[Int(u)] }
    public func itemHasMetadata(_ i: Int32) -> Bool { itemHasMetadata[Int(i)] }

    /// Sets the user's features (raw ids from `province(_:)` etc.); the first
    /// setting wins, later ones are ignored.
    public mutating func setUser(_ u: Int32, province: Int32, city: Int32, phone: Int32) {
        guard !userHasFeatures[Int(u)] else { return }
        userHasFeatures[Int(u)] = true
        log.userProvince[Int(u)] = province; log.userCity[Int(u)] = city; log.userPhone[Int(u)] = phone
    }
    public mutating func setUser(_ u: Int32, province: String, city: String, phone: String) {
        let p = log.provinces.intern(province), c = log.cities.intern(city), ph = log.phones.intern(phone)
        setUser(u, province: p, city: c, phone: ph)
    }

    public mutating func province(_ b: UnsafeBufferPointer<UInt8>) -> Int32 { log.provinces.intern(b) }
    public mutating func city(_ b: UnsafeBufferPointer<UInt8>) -> Int32 { log.cities.intern(b) }
    public mutating func phone(_ b: UnsafeBufferPointer<UInt8>) -> Int32 { log.phones.intern(b) }
    public mutating func category(_ b: UnsafeBufferPointer<UInt8>) -> Int32 { log.categories.intern(b) }
    public mutating func tag(_ b: UnsafeBufferPointer<UInt8>) -> Int32 { log.tags.intern(b) }
    public mutating func category(_ s: String) -> Int32 { log.categories.intern(s) }
    public mutating func tag(_ s: String) -> Int32 { log.tags.intern(s) }

    /// Sets an item's category and tags (raw ids). The first setting wins; a later
    /// different one is counted in `inconsistentItems`.
    public mutating func setItem(_ i: Int32, category: Int32, tags: [Int32]) {
        if itemHasMetadata[Int(i)] {
            if log.itemCategory[Int(i)] != category || itemTagLists[Int(i)] != tags { inconsistentItems += 1 }
            return
        }
        itemHasMetadata[Int(i)] = true
        log.itemCategory[Int(i)] = category
        itemTagLists[Int(i)] = tags
    }

    public mutating func setTitles(_ titles: [String]) { log.itemTitles = titles }
    public mutating func setUploadTimes(_ times: [Int64]) { log.itemUploadTimes = times }

    /// Appends a click. A source with ratings passes one with every click; the
    /// first rating allocates the column (earlier clicks, if any, get rating 1
    /// rather than misaligning the column).
    @inline(__always)
    public mutating func click(user: Int32, item: Int32, time: Int64, rating: Float? = nil) {
        cUser.append(user); cItem.append(item); cTime.append(time)
        if let rating {
            if cRating == nil {
                cRating = [Float](repeating: 1, count: cItem.count - 1)
                cRating!.reserveCapacity(cItem.capacity)
            }
            cRating!.append(rating)
        } else if cRating != nil {
            cRating!.append(1)
        }
    }

    /// Forgets clicks after the first `n` (a malformed line is dropped whole).
    public mutating func truncateClicks(to n: Int) {
        cUser.removeSubrange(n...); cItem.removeSubrange(n...); cTime.removeSubrange(n...)
        cRating?.removeSubrange(n...)
        for k in declared.indices where declared[k].column.scope == .event { declared[k].truncate(to: n) }
    }

    /// Groups, sorts and compacts the clicks into a finished log.
    public consuming func build(report: LoadReport) throws -> ClickLog {
        var log = self.log
        log.loadReport = report
        let nU = log.userKeys.count, nI = log.itemKeys.count, n = cItem.count

        // Missing metadata becomes the "NULL" value, which vocabularies map to <unk>.
        if userHasFeatures.contains(false) {
            let p = log.provinces.intern("NULL"), c = log.cities.intern("NULL"), ph = log.phones.intern("NULL")
            for u in 0..<nU where !userHasFeatures[u] {
                log.userProvince[u] = p; log.userCity[u] = c; log.userPhone[u] = ph
            }
        }
        var nullCat: Int32 = -1, nullTag: Int32 = -1
        log.itemTagStart = [0]
        log.itemTagStart.reserveCapacity(nI + 1)
        log.itemTagIDs = []
        for i in 0..<nI {
            if log.itemCategory[i] < 0 {
                if nullCat < 0 { nullCat = log.categories.intern("NULL") }
                log.itemCategory[i] = nullCat
            }
            // An item without tags gets one <unk> tag, as Paddle's reader does with "".
            if itemTagLists[i].isEmpty {
                if nullTag < 0 { nullTag = log.tags.intern("NULL") }
                log.itemTagIDs.append(nullTag)
            } else {
                log.itemTagIDs.append(contentsOf: itemTagLists[i])
            }
            log.itemTagStart.append(Int32(log.itemTagIDs.count))
        }
        itemTagLists = []

        // Group by user with a stable counting sort, skipped when already grouped.
        var start = [Int](repeating: 0, count: nU + 1)
        for u in cUser { start[Int(u) + 1] += 1 }
        for u in 0..<nU { start[u + 1] += start[u] }
        var grouped = true
        for k in 1..<max(n, 1) where cUser[k] < cUser[k - 1] { grouped = false; break }
        var items = cItem, times = cTime, ratings = cRating
        cItem = []; cRating = nil
        // Where each click came from, kept only when per-click columns must follow.
        var origin: [Int32]? = hasEventFeatures ? (0..<Int32(n)).map { $0 } : nil
        if !grouped {
            var pos = start
            var gi = [Int32](repeating: 0, count: n), gt = [Int64](repeating: 0, count: n)
            var gr: [Float]? = ratings == nil ? nil : [Float](repeating: 0, count: n)
            for k in 0..<n {
                let u = Int(cUser[k])
                gi[pos[u]] = items[k]; gt[pos[u]] = times[k]
                if let r = ratings { gr![pos[u]] = r[k] }
                if origin != nil { origin![pos[u]] = Int32(k) }
                pos[u] += 1
            }
            items = gi; times = gt; ratings = gr
        }
        cUser = []; cTime = []

        if log.hasTimestamps {
            let lo = times.min() ?? 0, hi = times.max() ?? 0
            guard hi - lo <= Int64(Int32.max) else {
                throw DataError.unusable("click times span \(hi - lo) units, more than 68 years of seconds; are they milliseconds? (pass a time divisor)")
            }
            log.timeOrigin = lo
            var rank: [Int32]? = nil
            for u in 0..<nU {
                let r = start[u] ..< start[u + 1]
                var sorted = true
                for k in r.dropFirst() where times[k] < times[k - 1] || times[k] == times[k - 1] {
                    sorted = false; break
                }
                if sorted { continue }
                if rank == nil { rank = naturalRanks(log.itemKeys) }
                let rk = rank!
                var order = Array(r)
                order.sort { a, b in times[a] != times[b] ? times[a] < times[b] : rk[Int(items[a])] < rk[Int(items[b])] }
                let si = order.map { items[$0] }, st = order.map { times[$0] }
                let sr = ratings.map { rs in order.map { rs[$0] } }
                let so = origin.map { os in order.map { os[$0] } }
                for (j, k) in r.enumerated() {
                    items[k] = si[j]; times[k] = st[j]
                    if let sr { ratings![k] = sr[j] }
                    if let so { origin![k] = so[j] }
                }
            }
            log.clickTimes = times.map { Int32($0 - lo) }
        } else {
            // File order is click order; align each user's last click to time 0.
            var t = [Int32](repeating: 0, count: n)
            for u in 0..<nU {
                let r = start[u] ..< start[u + 1]
                for k in r { t[k] = Int32(k - (r.upperBound - 1)) }
            }
            log.clickTimes = t
            log.timeOrigin = 0
        }
        log.clickItems = compacted(items)
        log.clickRatings = ratings.map { compacted($0) }
        log.userClickStart = start
        for t in [\ClickLog.userKeys, \.itemKeys, \.provinces, \.cities, \.phones, \.categories, \.tags] {
            log[keyPath: t].shrink()
        }
        log.itemCategory = compacted(log.itemCategory)
        log.itemTagStart = compacted(log.itemTagStart)
        log.itemTagIDs = compacted(log.itemTagIDs)
        log.userProvince = compacted(log.userProvince)
        log.userCity = compacted(log.userCity)
        log.userPhone = compacted(log.userPhone)
        let builders = declared
        declared = []
        log.declared = builders.map { d in
            switch d.column.scope {
            case .user: return d.build(rows: nU, order: nil)
            case .item: return d.build(rows: nI, order: nil)
            case .event: return d.build(rows: n, order: origin)
            }
        }
        return log
    }
}

/// Rank of each key in natural order: equal text prefixes compare their trailing
/// numbers as numbers, so `M3` < `M12` and `7` < `10`.
func naturalRanks(_ table: StringTable) -> [Int32] {
    struct Key { var prefix: String; var number: UInt64; var digits: Int; var full: String }
    let keys: [Key] = (0..<table.count).map { i in
        let s = table[Int32(i)]
        let u = Array(s.utf8)
        var j = u.count
        while j > 0 && u[j - 1] >= 48 && u[j - 1] <= 57 { j -= 1 }
        let digits = u.count - j
        var v: UInt64 = 0
        if digits > 0 && digits <= 18 { for c in u[j...] { v = v * 10 + UInt64(c - 48) } }
        return Key(prefix: String(decoding: u[..<j], as: UTF8.self), number: v, digits: digits > 18 ? 0 : digits, full: s)
    }
    let order = (0..<keys.count).sorted { a, b in
        let x = keys[a], y = keys[b]
        if x.prefix != y.prefix { return x.prefix < y.prefix }
        if (x.digits > 0) != (y.digits > 0) { return x.digits == 0 }
        if x.number != y.number { return x.number < y.number }
        return x.full < y.full
    }
    var rank = [Int32](repeating: 0, count: keys.count)
    for (r, i) in order.enumerated() { rank[i] = Int32(r) }
    return rank
}
