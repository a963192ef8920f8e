import YDNN

/// The library state a session builds up: the data pipeline (log, vocabulary,
/// split, sample options), and, as later commands add them, the model and indexes.
/// Commands read and change it; the language knows nothing else of the library.
public final class Workspace {
    public var data = DataPipeline()
    /// Where the data came from, for reports ("paddle ../data/train.txt").
    public var dataSource: String?

    public init() {}

    /// The training and test samples for the current settings and seed.
    func samples(seed: UInt64) throws -> SampleSet {
        data.sampleOptions.seed = seed
        return try data.samples()
    }
}

extension Interpreter {
    /// A number with the session's precision (`set precision=N`).
    func formatMetric(_ x: Double) -> String {
        guard case .integer(let digits) = setting("precision") else { return Value.format(x) }
        return String(format: "%.\(digits)f", x)
    }
}
