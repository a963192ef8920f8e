import Foundation

/// The generator's optional columns: declared user demographics and a second
/// history stream of search tokens, each with a known effect. Both are off by
/// default, and each draws from its own RNG stream ("generate.demographics",
/// "generate.searches"), so turning them on leaves every click, item and fixed
/// user feature of the log (and its Paddle bytes) exactly as they were.
extension GeneratorOptions {
    /// User columns `gender` (categorical: F, M), `occupation` (categorical:
    /// O1 ... On) and `age` (continuous, whole years in 16 ..< 64), each tied to
    /// the user's main favourite category m (the favourite with the largest
    /// weight, the one most of the user's focused clicks come from):
    /// - gender: with probability `genderSignal`, F when m is even (C1, C3, ...
    ///   have m = 0, 2, ...), M when odd; otherwise a fair coin.
    /// - occupation: with probability `occupationSignal`, O(m mod occupations + 1);
    ///   otherwise Zipf-distributed over O1 ... On (so rare values exist for min_count).
    /// - age: the categories are cut into four consecutive age bands (band
    ///   b = m * 4 / categories, ages 16 + 12b ..< 28 + 12b); with probability
    ///   `ageSignal` the age is uniform in m's band, otherwise uniform in 16 ..< 64.
    /// Each column says a different part of m, so each adds to the others: with
    /// the defaults (20 categories, 5 occupations) occupation narrows m to 4
    /// categories (m mod 5), gender to 2 of those (m mod 10), the age band to 1
    /// (C1 and C11 share occupation and gender, not band). The watch history
    /// says the same only noisily (it mixes all the favourites with sticky runs
    /// and random clicks; a short one says little, and a rare user's id is
    /// `<unk>`). Measured (`examples/ablation_demographics.ydnn`, 10 runs): the
    /// three columns lift hr@50 by 0.048 on the default log, by 0.018 and 0.038
    /// with mean histories of 8 and 90 clicks (benchmarks/results/declared_features.md).
    public struct Demographics: Sendable, Equatable {
        public var occupations = 5
        public var genderSignal = 0.7
        public var occupationSignal = 0.9
        public var ageSignal = 0.9
        public init() {}
    }

    /// A search-token stream named `GeneratorOptions.searchStream`: before each
    /// click, with probability `rate`, the user searches for a token, at a time
    /// 1 ..< 1 + `searchLeadSeconds` seconds before the click (so strictly before
    /// it: the sample of that click sees it, no earlier click's target does
    /// unless it came less than that lead earlier). With probability `accuracy`
    /// the token is a word of the clicked item's category's tag pool (the tags
    /// its items carry, lower-cased: `t3`, `t23`, ... for C3 with 20 categories),
    /// otherwise any of the `tags` words. So the newest token names the next
    /// click's category, which the watch history can only guess.
    public struct Searches: Sendable, Equatable {
        public var rate = 0.5
        public var accuracy = 0.8
        /// Keep the newest this many tokens before each click (`TokenStream.window`); nil keeps all.
        public var window: Int? = TokenStream.builtInWindow
        public init() {}
    }

    /// The name of the generator's search stream (`embed tokens 16 pool=avg`):
    /// the same name `load movielens` gives ml-latest's tags.csv, so one recipe
    /// embeds the second history stream of either source.
    public static let searchStream = "tokens"
    /// Largest gap between a search and the click it announces.
    public static let searchLeadSeconds = 600

    func validateColumns() throws {
        func need(_ ok: Bool, _ m: String) throws { if !ok { throw DataError.invalidOption("generate: \(m)") } }
        if let d = demographics {
            try need(d.occupations >= 1, "occupations must be at least 1")
            try need([d.genderSignal, d.occupationSignal, d.ageSignal].allSatisfy { (0...1).contains($0) },
                     "gender_signal, occupation_signal and age_signal must lie in [0, 1]")
        }
        if let s = searches {
            try need((0...1).contains(s.rate) && (0...1).contains(s.accuracy), "search_rate and search_accuracy must lie in [0, 1]")
            try need(s.window.map { $0 >= 1 } ?? true, "search_window must be at least 1")
        }
    }

    /// The tags of category c's pool: tag k belongs to category k mod categories.
    func tagPool(_ c: Int) -> [Int] { stride(from: c % tags, to: tags, by: max(1, categories)).map { $0 } }
}

/// Fills the optional columns while `ClickLog.generate` walks its users and clicks.
struct GeneratedColumns {
    let o: GeneratorOptions
    private var demographicRNG: RNG
    private var searchRNG: RNG
    private var slots: (gender: Int, occupation: Int, age: Int)? = nil
    private var genderIDs: [Int32] = [], occupationIDs: [Int32] = []
    private let occupationDist: NegativeSampler?
    private var stream: TokenStream? = nil
    private var pools: [[Int]] = []
    private var rows: [(user: Int32, time: Int64, id: Int32)] = []

    init(_ o: GeneratorOptions, builder b: inout ClickLogBuilder) throws {
        self.o = o
        demographicRNG = RNG(seed: o.seed, stream: "generate.demographics")
        searchRNG = RNG(seed: o.seed, stream: "generate.searches")
        occupationDist = o.demographics.map { d in NegativeSampler(weights: (1...d.occupations).map { 1 / Double($0) }) }
        if let d = o.demographics {
            let s = (gender: try b.declare("gender", scope: .user, kind: .categorical),
                     occupation: try b.declare("occupation", scope: .user, kind: .categorical),
                     age: try b.declare("age", scope: .user, kind: .continuous))
            genderIDs = ["F", "M"].map { b.value(s.gender, $0) }
            occupationIDs = (0..<d.occupations).map { b.value(s.occupation, "O\($0 + 1)") }
            slots = s
        }
        if let s = o.searches {
            var t = TokenStream(name: GeneratorOptions.searchStream, window: s.window)
            for k in 0..<o.tags { _ = t.values.intern("t\(k + 1)") }  // token k is tag k's word
            stream = t
            pools = (0..<o.categories).map(o.tagPool)
        }
    }

    /// Sets user `u`'s demographics from their favourite categories and weights.
    mutating func user(_ u: Int32, favourites: [Int], weights: [Double], builder b: inout ClickLogBuilder) {
        guard let d = o.demographics, let slots, let occupationDist else { return }
        var main = favourites[0], best = weights[0]
        for (c, w) in zip(favourites, weights) where w > best { main = c; best = w }
        var r = demographicRNG
        let gender = r.nextDouble() < d.genderSignal ? main % 2 : r.nextInt(below: 2)
        let occupation = r.nextDouble() < d.occupationSignal ? main % d.occupations : Int(occupationDist.sample(&r))
        let band = main * 4 / o.categories
        let age = r.nextDouble() < d.ageSignal ? 16 + 12 * band + r.nextInt(below: 12) : 16 + r.nextInt(below: 48)
        demographicRNG = r
        b.set(slots.gender, row: Int(u), values: [genderIDs[gender]])
        b.set(slots.occupation, row: Int(u), values: [occupationIDs[occupation]])
        b.set(slots.age, row: Int(u), number: Float(age))
    }

    /// A click of user `u` in category `c` at absolute time `time` was made:
    /// perhaps a search announced it.
    mutating func click(user u: Int32, category c: Int, time: Int64) {
        guard let s = o.searches else { return }
        guard searchRNG.nextDouble() < s.rate else { return }
        let pool = pools[c]
        let token = searchRNG.nextDouble() < s.accuracy ? pool[searchRNG.nextInt(below: pool.count)] : searchRNG.nextInt(below: o.tags)
        let lead = 1 + Int64(searchRNG.nextInt(below: GeneratorOptions.searchLeadSeconds))
        rows.append((u, time - lead, Int32(token)))
    }

    /// Attaches the search stream (if any) to the finished log.
    func attach(to log: inout ClickLog) {
        guard var stream else { return }
        stream.fill(rows: rows, numUsers: log.numUsers)
        log.tokenStreams.append(stream)
    }
}
