import YDNNSignals

/// The data state of one session, shaped after the commands that change it:
/// `load`/`generate` set the log, `vocab`, `split`, `window`, `history`,
/// `example_age`, `damping`, `cap`, `shuffle` and `negatives` set options, and
/// `samples()` builds (and caches) what training and evaluation need. Each stage
/// is rebuilt only when its inputs changed, so a REPL user can flip
/// `example_age on` without reloading or re-splitting.
public struct DataPipeline: Sendable {
    public private(set) var log: ClickLog?
    /// `vocab min_count=N` (Paddle's `feat_appear_limit`).
    public var minCount = Vocabularies.defaultMinCount
    /// `vocab items=all`: every item of the catalogue gets an id, clicked in
    /// training or not (what an item tower needs to reach cold items).
    public var allItems = false
    public var holdout: Holdout = .last
    /// `split ... cold_items=S`: items held out of training entirely (`ColdItems.swift`).
    public var coldItems: ColdItemHoldout? = nil
    public var sampleOptions = SampleOptions()
    /// The noise distribution the losses draw negatives from (Paddle: frequency, power 1).
    public var negatives: NegativeDistribution = .frequency(power: 1)

    private var generation = 0
    private var vocabCache: (generation: Int, vocab: VocabSettings, holdout: Holdout, cold: ColdItemHoldout?, value: Vocabularies)?
    private var splitCache: (generation: Int, holdout: Holdout, cold: ColdItemHoldout?, value: Split)?
    private var workingLogCache: (generation: Int, cold: ColdItemHoldout, value: (log: ClickLog, items: [Int32], removedClicks: Int))?
    private var samplesCache: (generation: Int, vocab: VocabSettings, holdout: Holdout, cold: ColdItemHoldout?, options: SampleOptions, value: SampleSet)?
    /// What the vocabularies are built with, as one cache key.
    private struct VocabSettings: Equatable, Sendable { var minCount: Int; var allItems: Bool }
    private var vocabSettings: VocabSettings { VocabSettings(minCount: minCount, allItems: allItems) }

    public init() {}

    /// Replaces the click log; everything derived from the old one is dropped.
    public mutating func setLog(_ log: ClickLog) {
        self.log = log
        generation += 1
        vocabCache = nil; splitCache = nil; samplesCache = nil; workingLogCache = nil
    }

    public var hasData: Bool { log != nil }

    private func requireLog() throws -> ClickLog {
        guard let log else { throw DataError.unusable("no data loaded: use `load ...` or `generate ...` first") }
        return log
    }

    /// The log the split, vocabularies and samples are made from: the loaded one,
    /// or without the cold items' clicks.
    private mutating func workingLog() throws -> ClickLog {
        let log = try requireLog()
        guard let coldItems else { return log }
        return try coldItemHoldout(coldItems, log).log
    }

    private mutating func coldItemHoldout(_ cold: ColdItemHoldout, _ log: ClickLog) throws -> (log: ClickLog, items: [Int32], removedClicks: Int) {
        if let c = workingLogCache, c.generation == generation, c.cold == cold { return c.value }
        let v = cold.apply(to: log)
        workingLogCache = (generation, cold, v)
        return v
    }

    /// The held-out cold items (raw ids) and how many clicks leaving them out removed; nil without `cold_items=`.
    public mutating func coldItemSummary() throws -> (items: [Int32], removedClicks: Int)? {
        guard let coldItems else { return nil }
        let v = try coldItemHoldout(coldItems, try requireLog())
        return (v.items, v.removedClicks)
    }

    /// Counted over the training clicks of the current split (Paddle builds its
    /// dictionary from train.txt), so it changes with `holdout` too.
    public mutating func vocabularies() throws -> Vocabularies {
        let log = try workingLog()
        if let c = vocabCache, c.generation == generation, c.vocab == vocabSettings, c.holdout == holdout, c.cold == coldItems { return c.value }
        let v = Vocabularies(log: log, minCount: minCount, split: try split(), allItems: allItems)
        vocabCache = (generation, vocabSettings, holdout, coldItems, v)
        return v
    }

    public mutating func split() throws -> Split {
        let log = try workingLog()
        if let c = splitCache, c.generation == generation, c.holdout == holdout, c.cold == coldItems { return c.value }
        let s = try Split(log: log, holdout: holdout)
        splitCache = (generation, holdout, coldItems, s)
        return s
    }

    /// Training and test samples for the current settings. Building them checks `token`
    /// and reports to `progress` (see `SampleSet.build`); a cached set reports nothing.
    public mutating func samples(token: CancellationToken = .process,
                                 progress: ((_ fraction: Double, _ what: String) -> Void)? = nil) throws -> SampleSet {
        let log = try workingLog()
        if let c = samplesCache, c.generation == generation, c.vocab == vocabSettings,
           c.holdout == holdout, c.cold == coldItems, c.options == sampleOptions { return c.value }
        let s = try SampleSet.build(log: log, vocab: try vocabularies(), split: try split(), options: sampleOptions,
                                    token: token, progress: progress)
        samplesCache = (generation, vocabSettings, holdout, coldItems, sampleOptions, s)
        return s
    }

    /// The sampler for `negatives`, over the current samples' item counts.
    public mutating func negativeSampler() throws -> NegativeSampler {
        try samples().negativeSampler(negatives)
    }

    /// Summary of the log, with the dictionaries' coverage once they can be built.
    public mutating func stats() throws -> DataStats {
        let log = try requireLog()
        return DataStats(log: log, vocab: try? vocabularies())
    }
}
