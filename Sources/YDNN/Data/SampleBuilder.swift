import Foundation
import YDNNSignals

/// How training samples are cut from the click log.
public struct SampleOptions: Sendable, Equatable {
    public enum History: Sendable, Equatable {
        /// Paddle's reader: the history is prefixed with a pad (item 0), every real
        /// click is a target, and the history of the target at padded position i
        /// is `padded[max(0, i - n) ..< i]`.
        case window(Int)
        /// DeepMatch style: every click but the first is a target, its history is
        /// up to `max` of the clicks before it, no pad.
        case recent(max: Int)
    }
    public enum Shuffle: Sendable, Equatable {
        case none
        case full
        /// A streaming shuffle through a buffer of this many samples.
        case buffer(Int)
    }
    public enum AgeUnit: String, Sendable, CaseIterable {
        case seconds, hours, days
        public var seconds: Int64 { self == .seconds ? 1 : self == .hours ? 3600 : 86400 }
    }

    public var history: History = .window(20)
    /// Adds the dense `example_age` input when set: t_max − t of the target click,
    /// in whole units (the unit sets the resolution), divided by the largest age
    /// so it lies in [0, 1]; 0 for test samples (serving time). For logs without
    /// timestamps (Paddle) the unit is one click.
    public var exampleAge: AgeUnit? = nil
    /// Positive damping threshold t (e.g. 1e-3); nil keeps every positive.
    public var dampingThreshold: Double? = nil
    /// At most this many training samples per user, chosen at random.
    public var capPerUser: Int? = nil
    public var shuffle: Shuffle = .full
    public var seed: UInt64 = 0

    public init() {}
}

/// Counts of what the sample builder kept and dropped, for the REPL to print.
public struct SampleReport: Sendable, CustomStringConvertible {
    /// Training clicks of items outside the vocabulary, dropped from histories.
    public var unknownClicks = 0
    public var candidates = 0
    public var droppedByDamping = 0
    public var droppedByCap = 0
    public var trainSamples = 0
    public var testSamples = 0
    /// Test clicks on items outside the vocabulary (those users are not tested).
    public var unknownTestTargets = 0
    public var seconds = 0.0
    /// Wall-clock seconds of each phase (context, candidates, shuffle, train, test, seen), for benchmarks.
    public var phases: [(name: String, seconds: Double)] = []

    public var description: String {
        var s = "\(trainSamples) training samples from \(candidates) candidates"
        if droppedByDamping > 0 { s += ", \(droppedByDamping) damped" }
        if droppedByCap > 0 { s += ", \(droppedByCap) over the per-user cap" }
        s += "; \(testSamples) test users"
        if unknownTestTargets > 0 { s += " (\(unknownTestTargets) skipped: target not in vocabulary)" }
        if unknownClicks > 0 { s += "; \(unknownClicks) training clicks on rare items dropped" }
        return s
    }
}

/// Everything the model and evaluation need from the data side.
public struct SampleSet: Sendable {
    /// Streamed: cut batch by batch from `context` (memory grows with the clicks
    /// only by 20 bytes a sample).
    public var train: TrainingSamples
    /// One sample per tested user at the held-out click, history = the user's
    /// allowed training clicks, `example_age` 0. Materialised: it grows with the
    /// users, not the clicks.
    public var test: SampleBatch
    public var features: [FeatureInfo]
    public var items: ItemCatalog
    public var users: UserDirectory
    /// Training clicks per item id (`counts[0]` = 0): the popularity baseline and
    /// the base of every noise distribution.
    public var itemCounts: [Int]
    /// Per user index: the item ids of the user's training clicks, sorted, unique
    /// (for `exclude_seen`).
    public var seenItems: RaggedIDs
    public var options: SampleOptions
    public var report: SampleReport
    /// Kept to cut serving samples later (`servingBatch`).
    var context: SampleContext

    public func feature(_ name: String) -> FeatureInfo? { features.first { $0.name == name } }

    /// True when the log has ratings: then the `items` column of `train`, `test`,
    /// `servingBatch` and `query` carries weights aligned with its ids (rating over
    /// the log's largest rating; the pad and query clicks weigh 1), which weighted
    /// pooling (`pool items avg weighted=on`) reads.
    public var hasWeights: Bool { context.knownWeights != nil }

    /// One sample per given user as at serving time, after all of the user's
    /// training clicks: the history the next click would get, `example_age` 0.
    /// For `recall USER` and for mining top-N lists for every user. Labels are 0
    /// (there is no target); a user without known clicks gets just the pad.
    public func servingBatch(users: [Int32]) throws -> SampleBatch {
        let specs = users.map { u in
            context.spec(user: Int(u), pos: context.knownStart[Int(u) + 1] - context.knownStart[Int(u)],
                         label: 0, age: 0, options.history)
        }
        try SampleContext.checkTagTotal(specs)
        return context.materialize(specs: specs, ageScale: options.exampleAge == nil ? nil : 0, history: options.history,
                                   withContext: false)
    }

    /// Serving samples for every user of the log, in user-index order.
    public func servingBatch() throws -> SampleBatch {
        try servingBatch(users: (0..<Int32(users.count)).map { $0 })
    }

    /// Item-click shares (normalised `itemCounts`), Paddle's `item_freq`.
    public var itemFrequency: [Double] {
        let total = Double(itemCounts.reduce(0, +))
        return itemCounts.map { total > 0 ? Double($0) / total : 0 }
    }

    public func negativeWeights(_ d: NegativeDistribution) -> [Double] { d.weights(itemCounts: itemCounts) }
    public func negativeSampler(_ d: NegativeDistribution) -> NegativeSampler {
        NegativeSampler(weights: negativeWeights(d))
    }
}

extension SampleSet {
    /// Cuts training and test samples from a split click log. Deterministic for
    /// `options.seed`; two cores share the materialisation. Throws `Cancelled` when
    /// `token` is cancelled (checked after every phase and every 4096 users).
    /// `progress` hears (fraction done, what is being done) after every phase and
    /// every 4096 users, on the calling thread.
    public static func build(log: ClickLog, vocab: Vocabularies, split: Split,
                             options: SampleOptions, token: CancellationToken = .process,
                             progress: ((_ fraction: Double, _ what: String) -> Void)? = nil) throws -> SampleSet {
        let t0 = MonotonicClock.now()
        if case .window(let n) = options.history, n < 1 { throw DataError.invalidOption("window must be at least 1, got \(n)") }
        if case .recent(let n) = options.history, n < 1 { throw DataError.invalidOption("history max must be at least 1, got \(n)") }
        if let c = options.capPerUser, c < 1 { throw DataError.invalidOption("cap per_user must be at least 1, got \(c)") }
        if let t = options.dampingThreshold, !(t > 0) { throw DataError.invalidOption("damping threshold must be > 0, got \(t)") }
        if vocab.items.size <= 1 {
            let most = vocab.items.counts[0] > 0 ? log.clickItems.reduce(into: [Int32: Int]()) { $0[$1, default: 0] += 1 }.values.max() ?? 0 : 0
            throw DataError.unusable("vocab min_count=\(vocab.minCount) keeps no items (the most clicked item has \(most) clicks; a value is kept when its count is above min_count)")
        }
        var report = SampleReport()
        var tPhase = t0
        // Rough shares of the work done at the end of each phase, for a progress bar
        // only (the candidate loop and the shuffle take most of the time; training
        // samples are cut batch by batch later, `TrainingSamples`).
        let doneAfter: [String: (Double, String)] = [
            "context": (0.10, "choosing samples"), "candidates": (0.75, "shuffling"), "shuffle": (0.90, "checking"),
            "train": (0.91, "test samples"), "test": (0.97, "seen items"), "seen": (1, "done"),
        ]
        func phase(_ name: String) throws {
            let now = MonotonicClock.now()
            report.phases.append((name, Double(now - tPhase) / 1e9))
            tPhase = now
            try token.check()
            if let (f, next) = doneAfter[name] { progress?(f, next) }
        }
        let ctx = SampleContext(log: log, vocab: vocab, split: split, report: &report)
        try phase("context")

        // 1. Candidate samples per user in time order, damped and capped with a
        //    per-user random stream so the result does not depend on threading.
        var seedRNG = RNG(seed: options.seed, stream: "samples")
        let userSeed = seedRNG.next()
        var keep = [Double](repeating: 1, count: vocab.items.size)
        if let t = options.dampingThreshold {
            let total = Double(ctx.itemCounts.reduce(0, +))
            for i in 1..<keep.count where ctx.itemCounts[i] > 0 {
                keep[i] = Damping.keepProbability(share: Double(ctx.itemCounts[i]) / total, threshold: t)
            }
        }
        let firstTarget: Int
        switch options.history { case .window: firstTarget = 0; case .recent: firstTarget = 1 }
        // Example age in whole units below the latest training click.
        let ageStep: Int64 = log.hasTimestamps ? (options.exampleAge?.seconds ?? 1) : 1
        var maxT = Int32.min
        for u in 0..<log.numUsers where ctx.knownStart[u + 1] > ctx.knownStart[u] {
            maxT = max(maxT, ctx.knownTimes[ctx.knownStart[u + 1] - 1])
        }
        var largestAge: Int32 = 0
        var specs: [SampleContext.Spec] = []
        specs.reserveCapacity(ctx.knownItems.count)
        var chosen: [Int32] = []
        for u in 0..<log.numUsers {
            if u & 4095 == 0 {
                try token.check()
                progress?(0.05 + 0.35 * Double(u) / Double(max(1, log.numUsers)), "choosing samples")
            }
            let s = ctx.knownStart[u], n = ctx.knownStart[u + 1] - s
            guard n > firstTarget else { continue }
            var rng = RNG(seed: userSeed ^ (UInt64(u) &* 0xD1B5_4A32_D192_ED03))
            chosen.removeAll(keepingCapacity: true)
            for p in firstTarget..<n {
                report.candidates += 1
                if options.dampingThreshold != nil {
                    let item = Int(ctx.knownItems[s + p])
                    if rng.nextDouble() >= keep[item] { report.droppedByDamping += 1; continue }
                }
                chosen.append(Int32(p))
            }
            if let cap = options.capPerUser, chosen.count > cap {
                report.droppedByCap += chosen.count - cap
                // Partial Fisher-Yates picks `cap` at random; re-sorting keeps time order.
                for k in 0..<cap {
                    let j = k + rng.nextInt(below: chosen.count - k)
                    chosen.swapAt(k, j)
                }
                chosen.removeSubrange(cap...)
                chosen.sort()
            }
            for p in chosen {
                let age = Int32((Int64(maxT) - Int64(ctx.knownTimes[s + Int(p)])) / ageStep)
                largestAge = max(largestAge, age)
                specs.append(ctx.spec(user: u, pos: Int(p), label: ctx.knownItems[s + Int(p)], age: age, options.history))
            }
        }
        try phase("candidates")

        // 2. Shuffle the sample descriptions, not the materialised samples.
        var shuffleRNG = RNG(seed: options.seed, stream: "shuffle")
        switch options.shuffle {
        case .none: break
        case .full:
            var i = specs.count - 1
            while i > 0 {
                specs.swapAt(i, shuffleRNG.nextInt(below: i + 1))
                i -= 1
            }
        case .buffer(let size):
            specs = bufferShuffle(specs, size: max(1, size), rng: &shuffleRNG)
        }
        try phase("shuffle")

        // 3. Keep the descriptions: the trainer cuts its batches from them
        // (TrainingSamples). Ages are divided by the largest so they lie in [0, 1].
        let ageScale: Float? = options.exampleAge == nil ? nil : (largestAge > 0 ? 1 / Float(largestAge) : 0)
        let train = try TrainingSamples(specs: specs, context: ctx, ageScale: ageScale, history: options.history)
        try phase("train")
        if train.count == 0 {
            throw DataError.unusable("no training samples: \(report.candidates) candidates, \(report.droppedByDamping) damped, \(report.unknownClicks) clicks on items outside the vocabulary")
        }

        // Test samples: the history a training sample would have one step past
        // the user's last known training click; age 0 (serving time).
        var testSpecs: [SampleContext.Spec] = []
        for u in 0..<log.numUsers where split.testIndex[u] >= 0 {
            let click = log.userClickStart[u] + Int(split.testIndex[u])
            let label = vocab.items.idOfRaw[Int(log.clickItems[click])]
            if label == 0 { report.unknownTestTargets += 1; continue }
            testSpecs.append(ctx.spec(user: u, pos: ctx.knownStart[u + 1] - ctx.knownStart[u], label: label, age: 0, options.history))
        }
        try SampleContext.checkTagTotal(testSpecs)
        let test = ctx.materialize(specs: testSpecs, ageScale: ageScale, history: options.history)
        try phase("test")
        let seen = ctx.seenItems()
        try phase("seen")
        report.trainSamples = train.count
        report.testSamples = test.count
        report.seconds = MonotonicClock.seconds(since: t0)
        return SampleSet(train: train, test: test,
                         features: vocab.featureInfos(exampleAge: options.exampleAge != nil),
                         items: ItemCatalog(log: log, vocab: vocab), users: UserDirectory(log: log),
                         itemCounts: ctx.itemCounts, seenItems: seen, options: options, report: report,
                         context: ctx)
    }
}

/// A tf.data-style shuffle buffer: fill `size` slots, then each new element swaps
/// out a random slot; the rest drains in random order.
func bufferShuffle<T>(_ xs: [T], size: Int, rng: inout RNG) -> [T] {
    var out: [T] = []
    out.reserveCapacity(xs.count)
    var buf: [T] = []
    buf.reserveCapacity(min(size, xs.count))
    for x in xs {
        if buf.count < size { buf.append(x); continue }
        let j = rng.nextInt(below: size)
        out.append(buf[j])
        buf[j] = x
    }
    while !buf.isEmpty {
        let j = rng.nextInt(below: buf.count)
        out.append(buf[j])
        buf.swapAt(j, buf.count - 1)
        buf.removeLast()
    }
    return out
}
