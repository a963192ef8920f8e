import YDNN

/// The library state a session builds up: the data pipeline (log, vocabulary,
/// split, sample options), and, as later commands add them, the model and indexes.
/// Commands read and change it; the language knows nothing else of the library.
public final class Workspace {
    public var data = DataPipeline()
    /// Where the data came from, for reports ("paddle ../data/train.txt").
    public var dataSource: String?
    /// Every data file read this session (hashed into the run manifest).
    public var dataFiles: [String] = []
    /// Experiments run so far, in order (`experiment`, read by `compare`).
    public var experiments: [ExperimentResult] = []
    /// The experiment whose body is running, if any: `evaluate` records into it.
    var activeExperiment: ExperimentResult?
    /// The network as declared so far by embed, lstm, dense, nce, ...
    public var spec = ModelSpec()
    /// The model built from `spec` (by train, summary or load model).
    public var model: Model? { didSet { modelVersion += 1 } }
    /// Bumped whenever the model's weights may have changed, so stale indexes are noticed.
    public private(set) var modelVersion = 0
    /// The item index built by `index`, and the model version it was built from.
    public var index: (index: VectorIndex, modelVersion: Int)?

    /// Vocabularies stored with a loaded model, checked against the data it serves.
    public var modelVocabularies: [String: [String]]?

    /// Per-user results of the last `evaluate`, for experiments and significance tests.
    public var lastEvaluation: EvaluationRecord?

    func modelChanged() { modelVersion += 1 }

    public init() {}

    /// The model for the current spec and data: the existing one when it still
    /// fits, else a fresh one (new weights) built with `seed`.
    func currentModel(for samples: SampleSet, seed: UInt64, console: Console) throws -> Model {
        var spec = self.spec
        // The negatives command is the one place the noise is chosen; the spec records it.
        switch data.negatives {
        case .uniform: spec.output.noise = .uniform
        case .frequency(let p): spec.output.noise = .frequency(power: p)
        case .damped(let t): spec.output.noise = .damped(threshold: t)
        }
        if samples.feature("example_age") != nil, !spec.denseInputs.contains("example_age") {
            spec.denseInputs.append("example_age")
        }
        if samples.feature("example_age") == nil { spec.denseInputs.removeAll { $0 == "example_age" } }
        if let m = model, m.spec == spec, (try? m.checkCompatible(features: samples.features, itemCount: samples.items.count)) != nil {
            if let saved = modelVocabularies { try checkVocabularies(saved, against: try data.vocabularies()) }
            return m
        }
        modelVocabularies = nil
        if model != nil { console.print("note: the network or the data changed; building a new model (fresh weights)") }
        let m = try Model(spec: spec, features: samples.features, itemCount: samples.items.count, seed: seed)
        model = m
        return m
    }

    /// The training and test samples for the current settings and seed.
    func samples(seed: UInt64) throws -> SampleSet {
        data.sampleOptions.seed = seed
        return try data.samples()
    }
}
