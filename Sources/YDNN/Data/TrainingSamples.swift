/// Anything the trainer can draw mini-batches from: a materialised `SampleBatch`
/// (tests, validation sets, small callers) or the streamed `TrainingSamples` of a
/// `SampleSet`. `gather` returns the samples at the given indices, in that order.
public protocol SampleSource: Sendable {
    var count: Int { get }
    /// The target item of every sample, whole: the noise distribution, the output
    /// bias and the full softmax's labelled items are set from them before training.
    var labels: [Int32] { get }
    func gather<C: Collection>(_ indices: C) -> SampleBatch where C.Element == Int
}

extension SampleBatch: SampleSource {}

extension SampleSource {
    /// The samples in consecutive chunks of at most `size`, for passes over a whole
    /// set (validation, export) that must not materialise all of it at once.
    public func forEachChunk(of size: Int, _ body: (SampleBatch) throws -> Void) rethrows {
        precondition(size > 0)
        var lo = 0
        repeat {  // an empty set still gives one (empty) chunk, so columns can be inspected
            let hi = min(lo + size, count)
            try body(gather(lo..<hi))
            lo = hi
        } while lo < count
    }

    /// Every sample as one batch: for tests and small sets only.
    public func materialized() -> SampleBatch { gather(0..<count) }
}

/// The training samples of a `SampleSet`, streamed: only each sample's description
/// (user, position, label, tag count, age: 20 bytes) is kept, and a batch is cut
/// from the click log's `SampleContext` when the trainer asks for it. Materialised
/// whole, a window-5 sample took ~163 bytes, 3.07 GB for the 20M-click log; the
/// descriptions take 378 MB, next to the context's ~30 bytes a click, which the
/// serving and test samples need anyway.
///
/// Every column of a sample depends on that sample's description alone (history
/// range, its tags, declared per-user and per-click values, token streams up to the
/// target's time), so `gather(i)` is exactly the rows `i` of the set materialised
/// whole: training prints the same bits as before.
public struct TrainingSamples: SampleSource {
    let specs: [SampleContext.Spec]
    let context: SampleContext
    /// Scales `example_age` to [0, 1] by the largest training age; nil without the input.
    let ageScale: Float?
    let history: SampleOptions.History

    /// Throws when the samples would hold more tag ids than a batch's offsets can
    /// address; after that no subset can, so `gather` does not throw.
    init(specs: [SampleContext.Spec], context: SampleContext, ageScale: Float?, history: SampleOptions.History) throws {
        try SampleContext.checkTagTotal(specs)
        self.specs = specs; self.context = context; self.ageScale = ageScale; self.history = history
    }

    public var count: Int { specs.count }
    public var labels: [Int32] { specs.map(\.label) }
    /// The user index of every sample (an index into the log's users).
    public var users: [Int32] { specs.map(\.user) }

    public func gather<C: Collection>(_ indices: C) -> SampleBatch where C.Element == Int {
        context.materialize(specs: indices.map { specs[$0] }, ageScale: ageScale, history: history)
    }

    /// Bytes held by the descriptions themselves (the context is shared with the set).
    public var descriptionBytes: Int { specs.capacity * MemoryLayout<SampleContext.Spec>.stride }
}
