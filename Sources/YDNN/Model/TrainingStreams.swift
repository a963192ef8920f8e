/// The random streams of one training run: the shuffle order and the negative
/// draws. A run starts at the first `train` call (streams "shuffle.R" and
/// "negatives.R", R = epochs trained before it) and goes on through later calls on
/// samples of the same count, so `train epochs=2` and `train epochs=1` twice draw
/// the same numbers. It survives a checkpoint as its `Position`, from which the
/// streams are replayed exactly: shuffles and draws are cheap next to training.
struct TrainingStreams {
    /// Where a run stands: enough to rebuild its streams bit for bit.
    struct Position: Codable, Equatable {
        /// The run's stream suffix.
        var run: Int
        /// Samples the order permutes.
        var sampleCount: Int
        /// Epoch shuffles done so far.
        var shuffles: Int
        /// Negative items drawn so far (one sampler draw each).
        var negativeDraws: Int
    }

    private(set) var position: Position
    /// The current permutation of the samples; each epoch shuffles it further.
    private(set) var order: [Int]
    private var shuffleRNG: RNG
    private var negativeRNG: RNG

    /// A new run (what every `train` call did before runs carried over).
    init(seed: UInt64, run: Int, sampleCount: Int) {
        position = Position(run: run, sampleCount: sampleCount, shuffles: 0, negativeDraws: 0)
        order = Array(0..<sampleCount)
        shuffleRNG = RNG(seed: seed, stream: "shuffle.\(run)")
        negativeRNG = RNG(seed: seed, stream: "negatives.\(run)")
    }

    /// The streams at `position`, replayed from the run's start. Every draw of the
    /// sampler takes the same number of random numbers whatever its weights, so the
    /// replay lands on the same state even if the noise weights were to differ.
    init(seed: UInt64, replaying position: Position, sampler: NegativeSampler) {
        self.init(seed: seed, run: position.run, sampleCount: position.sampleCount)
        for _ in 0..<position.shuffles { shuffle() }
        for _ in 0..<position.negativeDraws { _ = sampler.sample(&negativeRNG) }
        self.position.negativeDraws = position.negativeDraws
    }

    /// Fisher–Yates with our RNG (the standard library's shuffle may change between releases).
    mutating func shuffle() {
        position.shuffles += 1
        if order.count < 2 { return }
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, shuffleRNG.nextInt(below: i + 1)) }
    }

    /// The negatives `model`'s output layer needs for a batch of `rows` samples.
    mutating func drawNegatives(_ model: Model, rows: Int, _ sampler: NegativeSampler) -> [Int32] {
        let negatives = model.drawNegatives(rows: rows, sampler, &negativeRNG)
        position.negativeDraws += negatives.count
        return negatives
    }
}

extension Model {
    /// The streams for training on `sampleCount` samples: the current run's when it
    /// permutes as many samples (live, or replayed from a loaded checkpoint's
    /// position), else a new run.
    func resumeStreams(sampleCount: Int, sampler: NegativeSampler) -> TrainingStreams {
        if let s = streams, s.position.sampleCount == sampleCount { return s }
        if let p = savedStreamPosition, p.sampleCount == sampleCount {
            return TrainingStreams(seed: seed, replaying: p, sampler: sampler)
        }
        return TrainingStreams(seed: seed, run: epochsTrained, sampleCount: sampleCount)
    }

    /// What a checkpoint records of the run, if one goes on.
    var streamPosition: TrainingStreams.Position? { streams?.position ?? savedStreamPosition }
}
