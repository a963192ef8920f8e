import Foundation
import YDNNSignals

/// Settings of the synthetic click-log generator. Sizes and effect strengths are
/// all here so experiments can turn an effect up, down or off.
public struct GeneratorOptions: Sendable, Equatable {
    public var users = 2000
    public var items = 1000
    public var categories = 20
    public var tags = 100
    /// Mean clicks per user (exponentially distributed, at least 2).
    public var clicksPerUser = 30.0
    /// Length of the log in days.
    public var days = 60.0
    /// Zipf exponent of the items' base popularity (0 = all equal).
    public var popularity = 1.0
    /// An item's appeal decays towards `1 - freshness` with this half-life after upload.
    public var halfLifeDays = 7.0
    /// How much of an item's appeal is freshness (0 = age has no effect, 1 = stale items are never clicked).
    public var freshness = 0.8
    /// Share of a user's clicks drawn from their favourite categories (the rest uniform).
    public var focus = 0.8
    /// Chance that a click stays in the previous click's category (sequence signal).
    public var stickiness = 0.5
    /// Chance that a user's main favourite category is their province's (user-feature signal).
    public var provinceBias = 0.5
    public var provinces = 30
    public var citiesPerProvince = 10
    public var phones = 8
    public var seed: UInt64 = 7
    /// Declared user columns gender, occupation and age tied to the user's main
    /// favourite category (`GeneratorColumns.swift`); nil: none, as before.
    public var demographics: Demographics? = nil
    /// A second history stream of search tokens announcing the next click's
    /// category (`GeneratorColumns.swift`); nil: none, as before.
    public var searches: Searches? = nil

    public init() {}

    func validate() throws {
        func need(_ ok: Bool, _ m: String) throws { if !ok { throw DataError.invalidOption("generate: \(m)") } }
        try need(users >= 1 && items >= 1, "users and items must be at least 1")
        try need(categories >= 1 && categories <= items, "categories must be between 1 and items")
        try need(tags >= 1, "tags must be at least 1")
        try need(clicksPerUser >= 2, "clicks_per_user must be at least 2")
        try need(clicksPerUser * 4 < Double(items), "clicks_per_user must be well below items (users do not re-click)")
        try need(days > 0 && halfLifeDays > 0, "days and half_life must be positive")
        try need((0...1).contains(freshness) && (0...1).contains(focus) && (0...1).contains(stickiness)
                 && (0...1).contains(provinceBias), "freshness, focus, stickiness and province_bias must lie in [0, 1]")
        try need(provinces >= 1 && citiesPerProvince >= 1 && phones >= 1, "provinces, cities and phones must be at least 1")
        try validateColumns()
    }
}

extension ClickLog {
    /// Unix time of the generated log's start (fixed, so output is reproducible).
    public static let generatedEpoch: Int64 = 1_700_000_000

    /// A deterministic synthetic click log: the same options give the same log
    /// (and the same Paddle bytes) on every machine.
    ///
    /// Users have latent interests over categories (favourites, partly set by their
    /// province); items have a category, tags from that category's pool, an upload
    /// time and a power-law base popularity. A click picks a category (stay with
    /// the previous one, a favourite, or any), then an item of that category by
    /// popularity, accepted with the item's freshness — so popularity damping and
    /// example age both have real effects to find. Users do not click an item twice.
    /// `demographics` and `searches` add columns with known effects of their own
    /// (`GeneratorColumns.swift`) from their own RNG streams: the rest is unchanged.
    /// Throws `Cancelled` when `token` is cancelled (checked every 1024 users).
    /// `progress` hears (users done, users) every 1024 users, on the calling thread.
    public static func generate(_ o: GeneratorOptions, token: CancellationToken = .process,
                                progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> ClickLog {
        try o.validate()
        let t0 = MonotonicClock.now()
        var rng = RNG(seed: o.seed, stream: "generate")
        var b = ClickLogBuilder(format: "generated", hasTimestamps: true)
        let span = o.days * 86400
        let halfLife = o.halfLifeDays * 86400

        // Items. The first `categories` items are catalogue items of each category
        // uploaded before the log starts, so every category always has something
        // clickable.
        let catIDs = (0..<o.categories).map { b.category("C\($0 + 1)") }
        let tagIDs = (0..<o.tags).map { b.tag("T\($0 + 1)") }
        var itemCat = [Int](repeating: 0, count: o.items)
        var upload = [Double](repeating: 0, count: o.items)
        var catItems = [[Int32]](repeating: [], count: o.categories)
        for i in 0..<o.items {
            let id = b.item("I\(i + 1)")
            let c = i < o.categories ? i : rng.nextInt(below: o.categories)
            itemCat[i] = c
            upload[i] = i < o.categories ? -span : (rng.nextDouble() < 0.3 ? -rng.nextDouble() * span / 2 : rng.nextDouble() * span)
            // Tags: 1-3 from the category's pool (tag k belongs to category k mod C),
            // sometimes one from anywhere.
            let pool = o.tagPool(c)
            var mine: [Int32] = []
            let want = 1 + (rng.nextDouble() < 0.5 ? 1 : 0) + (rng.nextDouble() < 0.2 ? 1 : 0)
            for _ in 0..<want {
                let t = tagIDs[pool.isEmpty ? rng.nextInt(below: o.tags) : pool[rng.nextInt(below: pool.count)]]
                if !mine.contains(t) { mine.append(t) }
            }
            if rng.nextDouble() < 0.1 {
                let t = tagIDs[rng.nextInt(below: o.tags)]
                if !mine.contains(t) { mine.append(t) }
            }
            b.setItem(id, category: catIDs[c], tags: mine)
            catItems[c].append(Int32(i))
        }
        // Power-law popularity over a random ranking of the items.
        var rank = Array(0..<o.items)
        for i in stride(from: o.items - 1, to: 0, by: -1) { rank.swapAt(i, rng.nextInt(below: i + 1)) }
        let pop = (0..<o.items).map { 1 / pow(Double(rank[$0] + 1), o.popularity) }
        let catSamplers = catItems.map { NegativeSampler(weights: $0.map { pop[Int($0)] }) }
        b.setUploadTimes(upload.map { ClickLog.generatedEpoch + Int64($0.rounded(.down)) })

        // User features, each Zipf-distributed so rare values exist for min_count.
        func zipf(_ n: Int) -> NegativeSampler { NegativeSampler(weights: (1...n).map { 1 / Double($0) }) }
        let provinceDist = zipf(o.provinces), cityDist = zipf(o.citiesPerProvince), phoneDist = zipf(o.phones)
        let provinceIDs = (0..<o.provinces).map { b.log.provinces.intern("P\($0 + 1)") }
        let cityIDs = (0..<o.provinces * o.citiesPerProvince).map { b.log.cities.intern("Y\($0 + 1)") }
        let phoneIDs = (0..<o.phones).map { b.log.phones.intern("PH\($0 + 1)") }

        b.reserveClicks(Int(Double(o.users) * o.clicksPerUser * 1.05))
        var columns = try GeneratedColumns(o, builder: &b)
        var seen = [Int32](repeating: -1, count: o.items)  // user who last clicked the item
        var times: [Double] = []
        var favourites: [Int] = [], favWeights: [Double] = []
        for u in 0..<o.users {
            if u & 1023 == 0 { try token.check(); progress?(u, o.users) }
            let uid = b.user("U\(u + 1)")
            let p = Int(provinceDist.sample(&rng))
            b.setUser(uid, province: provinceIDs[p], city: cityIDs[p * o.citiesPerProvince + Int(cityDist.sample(&rng))],
                      phone: phoneIDs[Int(phoneDist.sample(&rng))])
            favourites.removeAll(); favWeights.removeAll()
            let k = 1 + rng.nextInt(below: min(3, o.categories))
            for f in 0..<k {
                let c = f == 0 && rng.nextDouble() < o.provinceBias ? p % o.categories : rng.nextInt(below: o.categories)
                favourites.append(c)
                favWeights.append(-log(max(rng.nextDouble(), 1e-12)))
            }
            let wsum = favWeights.reduce(0, +)
            columns.user(uid, favourites: favourites, weights: favWeights, builder: &b)
            let n = min(Int(o.clicksPerUser * 20), max(2, Int((-o.clicksPerUser * log(max(rng.nextDouble(), 1e-12))).rounded())))
            // Users join at different times and stay to the end of the log.
            let joined = rng.nextDouble() * span * 0.7
            times.removeAll(keepingCapacity: true)
            for _ in 0..<n { times.append(joined + rng.nextDouble() * (span - joined)) }
            times.sort()
            var prevCat = -1
            for t in times {
                var c: Int
                if prevCat >= 0 && rng.nextDouble() < o.stickiness {
                    c = prevCat
                } else if rng.nextDouble() < o.focus {
                    var x = rng.nextDouble() * wsum
                    c = favourites[k - 1]
                    for f in 0..<k { x -= favWeights[f]; if x < 0 { c = favourites[f]; break } }
                } else {
                    c = rng.nextInt(below: o.categories)
                }
                var chosen = -1
                for _ in 0..<32 {
                    let item = Int(catItems[c][Int(catSamplers[c].sample(&rng))])
                    if upload[item] > t || seen[item] == Int32(u) { continue }
                    let appeal = (1 - o.freshness) + o.freshness * exp2(-(t - upload[item]) / halfLife)
                    if rng.nextDouble() < appeal { chosen = item; break }
                }
                // Nothing accepted (a small, stale or exhausted category): the click is not made.
                guard chosen >= 0 else { continue }
                seen[chosen] = Int32(u)
                prevCat = c
                b.click(user: uid, item: Int32(chosen), time: ClickLog.generatedEpoch + Int64(t))
                columns.click(user: uid, category: c, time: ClickLog.generatedEpoch + Int64(t))
            }
        }
        var report = LoadReport(format: "generated")
        report.recordsLoaded = o.users
        report.seconds = MonotonicClock.seconds(since: t0)
        var log = try b.build(report: report)
        columns.attach(to: &log)
        return log
    }
}
