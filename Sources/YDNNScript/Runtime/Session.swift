import Foundation
import YDNN

/// Session settings (`set name=value`, `show [name]`). The `set` command declares
/// one option per field, with the same name (a test keeps the two in step).
public struct Settings: Sendable, Equatable {
    public var threads = defaultThreads
    public var progress = ProgressMode.auto
    public var precision = 4
    public var on_error = OnError.fail
    public var echo = false

    public init() {}

    /// Each setting's name and current value, in declaration order.
    public var fields: [(name: String, value: Value)] {
        Mirror(reflecting: self).children.compactMap { child in
            guard let name = child.label, let v = child.value as? any ArgumentValue else { return nil }
            return (name, v.argument)
        }
    }
}

/// A fixed number rather than the core count, so a recipe prints the same numbers on
/// any machine (training results depend on the thread count).
public let defaultThreads = 2

/// `set progress=`: progress bars only on a terminal, always, or never.
public enum ProgressMode: String, ChoiceArgument, Sendable { case auto, on, off }

extension OnError: ChoiceArgument {}

/// The index `index` built, and the model version it was built from.
public struct BuiltIndex {
    public let index: VectorIndex
    public let modelVersion: Int
}

/// Everything a session has built up, as one value: the data pipeline, the
/// declared network, the model and index, the settings and the seed. Commands
/// read and change it through their context; `experiment` copies it, runs its
/// block on the copy and drops the copy, so nothing the block does leaks out.
///
/// Copying is cheap: the pipeline's log, vocabularies and samples are
/// copy-on-write arrays, and the model and index are shared references that a
/// copy replaces (never mutates) before it trains — `experiment` starts each run
/// with no model.
public struct Session {
    public var data = DataPipeline()
    /// Where the data came from, for reports ("paddle ../data/train.txt").
    public var dataSource: String?
    /// The network as declared so far by embed, lstm, dense, nce, ...
    public var spec = ModelSpec()
    /// The model built from `spec` (by train, summary or load model).
    public var model: Model? { didSet { modelVersion += 1 } }
    /// Bumped whenever the model's weights may have changed, so stale indexes are noticed.
    public private(set) var modelVersion = 0
    public var index: BuiltIndex?
    /// Vocabularies stored with a loaded model, checked against the data it serves.
    public var modelVocabularies: [String: [String]]?
    /// Per-user results of the last `evaluate`.
    public var lastEvaluation: EvaluationRecord?
    public var settings = Settings()
    /// The recipe's seed (`seed N`); every random stream derives from it.
    public var seed: UInt64 = 0
    /// The last `train`'s epochs, batch and optimizer (what `export torchrec` hands on).
    public var lastTraining: TorchRecBundle.Training?

    public init() {}

    /// Training changed the weights in place.
    mutating func modelChanged() { modelVersion += 1 }

    /// The index, if it was built from the current weights.
    var currentIndex: VectorIndex? {
        guard let index, index.modelVersion == modelVersion else { return nil }
        return index.index
    }

    /// The training and test samples for the current settings and seed; `progress`
    /// hears how far building them got (nothing when they are cached).
    mutating func samples(progress: ((_ fraction: Double, _ what: String) -> Void)? = nil) throws -> SampleSet {
        data.sampleOptions.seed = seed
        return try data.samples(progress: progress)
    }

    /// The declared spec with what the data decides filled in: the noise the
    /// `negatives` command chose and the `example_age` input when the samples have it.
    func resolvedSpec(for samples: SampleSet) -> ModelSpec {
        var spec = self.spec
        // The negatives command is the one place the noise is chosen; the spec records it.
        spec.output.noise = OutputSpec.Noise(data.negatives)
        if samples.feature("example_age") != nil, !spec.denseInputs.contains("example_age") {
            spec.denseInputs.append("example_age")
        }
        if samples.feature("example_age") == nil { spec.denseInputs.removeAll { $0 == "example_age" } }
        return spec
    }

    /// The model for the current spec and data: the existing one when it still
    /// fits, else a fresh one (new weights) built with the seed.
    /// `batchSize` and `optimizer` size the memory estimate checked before allocating.
    mutating func currentModel(for samples: SampleSet, console: Console, batchSize: Int = 128,
                               optimizer: OptimizerSpec.Kind = .adam) throws -> Model {
        let spec = resolvedSpec(for: samples)
        let itemInputs = try spec.itemTower.map { try samples.itemInputs(for: $0) }
        if let m = model, m.spec == spec,
           (try? m.checkCompatible(features: samples.features, itemCount: samples.items.count, itemInputs: itemInputs)) != nil {
            if let saved = modelVocabularies { try checkVocabularies(saved, against: try data.vocabularies()) }
            return m
        }
        // Limits before allocation: a network that cannot fit, or more negatives than items.
        try spec.validateNegatives(itemCount: samples.items.count)
        try spec.checkFitsInMemory(features: samples.features, itemCount: samples.items.count,
                                   batchSize: batchSize, optimizer: optimizer, threads: settings.threads)
        modelVocabularies = nil
        if model != nil { console.print("note: the network or the data changed; building a new model (fresh weights)") }
        let m = try Model(spec: spec, features: samples.features, itemCount: samples.items.count, seed: seed, itemInputs: itemInputs)
        model = m
        return m
    }

    /// The trained model and the samples it serves, or a clear error.
    mutating func servingState() throws -> (model: Model, samples: SampleSet) {
        let samples = try self.samples()
        guard let model else {
            throw CommandFailure("there is no model yet", help: "declare a network (embed, lstm, dense, nce ...) and run 'train' first")
        }
        try model.checkCompatible(features: samples.features, itemCount: samples.items.count,
                                  itemInputs: try model.spec.itemTower.map { try samples.itemInputs(for: $0) })
        if let saved = modelVocabularies { try checkVocabularies(saved, against: try data.vocabularies()) }
        return (model, samples)
    }

    /// Whether the data came from `source`: "synthetic" for the built-in generator,
    /// else the path a load read.
    func loaded(_ source: String) -> Bool {
        guard let dataSource else { return false }
        if source == "synthetic" { return dataSource.hasPrefix("generated") }
        return dataSource.split(separator: " ", maxSplits: 1).last.map(String.init) == source
    }

    /// A metric with the session's precision (`set precision=N`).
    func format(_ x: Double) -> String { String(format: "%.\(settings.precision)f", x) }
}

/// The vocabularies as stored in a model file: every key of every feature, by id.
func vocabularyKeys(_ v: Vocabularies) -> [String: [String]] {
    var out: [String: [String]] = [:]
    for voc in v.all { out[voc.name] = (0..<voc.size).map { voc.key(Int32($0)) } }
    return out
}

/// Throws unless the data's vocabularies are the ones the model was trained with.
func checkVocabularies(_ saved: [String: [String]], against data: Vocabularies) throws {
    let current = vocabularyKeys(data)
    for (name, was) in saved.sorted(by: { $0.key < $1.key }) {
        guard let now = current[name], was != now else { continue }
        if was.count != now.count {
            throw ModelError.checkpoint("the model's \(name) vocabulary has \(was.count) values, the data's has \(now.count) (same data and vocab min_count as when it was saved?)")
        }
        if let i = was.indices.first(where: { was[$0] != now[$0] }) {
            throw ModelError.checkpoint("the model's \(name) vocabulary differs from the data's at id \(i): '\(was[i])' vs '\(now[i])'")
        }
    }
}
