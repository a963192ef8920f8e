import Foundation
import YDNN

/// Network commands declare the model piece by piece (into the session's
/// `ModelSpec`); `train` builds it from the spec and the data, and trains it.

extension CommandContext {
    /// Adds an encoder, replacing an earlier one of the same kind on the same feature
    /// (so re-running `embed user_id 32` at the REPL changes it rather than failing).
    func addEncoder(_ e: EncoderSpec) -> Value {
        if let i = session.spec.encoders.firstIndex(where: { $0.tableName == e.tableName }) {
            session.spec.encoders[i] = e
            console.print("replaced the \(e.kind.rawValue) encoder of \(e.feature)")
        } else {
            session.spec.encoders.append(e)
        }
        return .none
    }
}

extension Pooling: ChoiceArgument {}
extension DenseSpec.Activation: ChoiceArgument {}
extension DenseSpec.Normalization: ChoiceArgument {}
extension OptimizerSpec.Kind: ChoiceArgument {}

/// The poolings of a list of ids (`embed`, `pool`): `last` is for sequences only.
enum ListPooling: String, ChoiceArgument {
    case avg, sum, max
    var pooling: Pooling {
        switch self {
        case .avg: return .avg
        case .sum: return .sum
        case .max: return .max
        }
    }
}

/// How an LSTM's states become one vector.
enum SequencePooling: String, ChoiceArgument {
    case max, last
    var pooling: Pooling { self == .max ? .max : .last }
}

private let lastSlotDoc = "also give the last click's embedding a slot of its own"

struct EmbedCommand: ScriptCommand {
    static let name = "embed"
    static let topic = Topic.model
    static let summary = "Embed a sparse feature (user_id, province, city, phone, categories, tags, or a declared one); lists are pooled"
    static let examples = ["embed user_id 64", "embed tags 64 pool=avg", "embed gender 4"]
    @Argument("the feature") var feature: Name
    @Argument("embedding width", .integer(1...65_536)) var dim: Int
    @Option("how a list of values is pooled") var pool = ListPooling.avg

    func run(_ context: CommandContext) throws -> Value {
        try context.requireSparseFeature(feature.text, at: $feature)
        return context.addEncoder(.embedding(feature.text, dim: dim, pool: pool.pooling))
    }
}

struct PoolCommand: ScriptCommand {
    static let name = "pool"
    static let topic = Topic.model
    static let summary = "Encode the click history by pooling item embeddings (DeepMatch style)"
    static let examples = ["pool items avg dim=64", "pool items avg dim=64 shared=on"]
    @Argument("the sequence feature, usually items") var feature: Name
    @Argument("the pooling") var mode = ListPooling.avg
    @Option("embedding width", .integer(1...65_536)) var dim = 64
    @Option("weight each click by its rating / the best rating (needs rated data: load movielens, load csv rating=)")
    var weighted = false
    @Option(lastSlotDoc) var last_slot = false
    @Option("look the clicks up in the output item table instead of a table of their own (torch-rechub's shared_with); "
            + "dim must equal the user tower's output width; the pad item 0 is left out; not with item_tower")
    var shared = false

    func run(_ context: CommandContext) throws -> Value {
        context.addEncoder(.embedding(feature.text, dim: dim, pool: mode.pooling, weighted: weighted, lastSlot: last_slot,
                                      shared: shared))
    }
}

struct LSTMCommand: ScriptCommand {
    static let name = "lstm"
    static let topic = Topic.model
    static let summary = "Encode the click history with an LSTM over item embeddings, pooled over time"
    static let examples = ["lstm items 64 pool=max"]
    @Argument("the sequence feature, usually items") var feature: Name
    @Argument("LSTM hidden size", .integer(1...4096)) var hidden: Int
    @Option("max over time (Paddle) or the last state") var pool = SequencePooling.max
    @Option("embedding width (default: the hidden size)", .integer(1...65_536)) var dim: Int?
    @Option(lastSlotDoc) var last_slot = false

    func run(_ context: CommandContext) throws -> Value {
        context.addEncoder(.lstm(feature.text, hidden: hidden, dim: dim, pool: pool.pooling, lastSlot: last_slot))
    }
}

struct AttentionCommand: ScriptCommand {
    static let name = "attention"
    static let topic = Topic.model
    static let summary = "Encode the click history with self-attention pooling"
    @Argument("the sequence feature, usually items") var feature: Name
    @Option("embedding width", .integer(1...65_536)) var dim = 64
    @Option(lastSlotDoc) var last_slot = false

    func run(_ context: CommandContext) throws -> Value {
        context.addEncoder(.attention(feature.text, dim: dim, lastSlot: last_slot))
    }
}

struct DenseCommand: ScriptCommand {
    static let name = "dense"
    static let topic = Topic.model
    static let summary = "Add a fully connected layer to the user tower"
    static let examples = ["dense 256 relu", "dense 31 relu", "dense 128 relu norm=batch"]
    @Argument("output width", .integer(1...65_536)) var units: Int
    @Argument("the activation") var activation = DenseSpec.Activation.relu
    @Option("batch: normalise the layer's outputs over the batch before the activation (PyTorch's BatchNorm1d; "
            + "running statistics at inference)")
    var norm = DenseSpec.Normalization.none

    func run(_ context: CommandContext) throws -> Value {
        context.session.spec.hidden.append(DenseSpec(units, activation, norm: norm))
        return .none
    }
}

extension InitSpec.Dense: ChoiceArgument {}

/// `init SCHEME`: whose initial draws, as a whole.
enum InitScheme: String, ChoiceArgument {
    /// ydnn's own (N(0, 0.1²) tables, the item table N(0, 1/width), Glorot dense layers).
    case ydnn
    /// torch-rechub's: every embedding table N(0, 1e-4²), PyTorch's nn.Linear default.
    case torch_rechub
    var spec: InitSpec { self == .ydnn ? InitSpec() : InitSpec(embeddingStd: 1e-4, dense: .pytorch) }
}

struct InitCommand: ScriptCommand {
    static let name = "init"
    static let topic = Topic.model
    static let summary = "How the weights are first drawn: ydnn's, torch-rechub's, or embedding tables from N(0, std²) and dense layers Glorot or PyTorch's"
    static let examples = ["init torch_rechub   # N(0, 1e-4) tables, PyTorch's Linear", "init embedding_std=0.01 dense=pytorch", "init ydnn"]
    @Argument("ydnn or torch_rechub (the options below change it)") var scheme = InitScheme.ydnn
    @Option("std of every embedding table's N(0, std²) draw, the item table included (ydnn: 0.1, the item table 1/√width)",
            .number(1e-12...10)) var embedding_std: Double?
    @Option("glorot: uniform Glorot (He for ReLU), zero bias; pytorch: weights and bias uniform in ±1/√fan_in (nn.Linear)")
    var dense: InitSpec.Dense?

    func run(_ context: CommandContext) throws -> Value {
        var spec = scheme.spec
        if let embedding_std { spec.embeddingStd = Float(embedding_std) }
        if let dense { spec.dense = dense }
        context.session.spec.initialization = spec == InitSpec() ? nil : spec
        return .none
    }
}

struct NormalizeCommand: ScriptCommand {
    static let name = "normalize"
    static let topic = Topic.model
    static let summary = "L2-normalise user and item vectors; logits are divided by the temperature"
    @Argument("on or off") var state = true
    @Option("softmax temperature", .number(1e-6...1e6)) var temperature = 0.05

    func run(_ context: CommandContext) throws -> Value {
        context.session.spec.normalize = state
        context.session.spec.temperature = Float(temperature)
        return .none
    }
}

struct TrainCommand: ScriptCommand {
    static let name = "train"
    static let topic = Topic.training
    static let summary = "Build the model (if needed) and train it; Ctrl-C stops after the current batch"
    static let examples = ["train epochs=3 batch=128 optimizer=adam lr=0.001"]
    @Option("passes over the training samples", .integer(0...100_000)) var epochs = 1
    @Option("samples per batch", .integer(1...1_000_000)) var batch = 128
    @Option("the update rule") var optimizer = OptimizerSpec.Kind.adam
    @Option("learning rate (default: adam 0.001, adagrad 0.05, sgd 0.1)", .number(1e-12...100)) var lr: Double?
    @Option("L2 penalty on updated weights", .number(0...100)) var l2 = 0.0
    @Option("training threads (default: the threads setting)", .integer(1...256)) var threads: Int?
    @Option("stop after this many batches, as Ctrl-C does (what :save records for an interrupted train)",
            .integer(1...Int.max)) var batches: Int?

    func run(_ context: CommandContext) throws -> Value {
        let console = context.console
        let samples = try context.samplesShowingProgress()
        let model = try context.session.currentModel(for: samples, console: console, batchSize: batch, optimizer: optimizer)
        var options = TrainOptions(
            epochs: epochs, batchSize: batch,
            optimizer: OptimizerSpec(optimizer, learningRate: lr.map(Float.init), l2: Float(l2)),
            threads: threads ?? context.session.settings.threads)
        options.maxBatches = batches
        options.shuffle = Self.reshufflesEachEpoch(context.session.data.sampleOptions.shuffle)
        options.noiseWeights = samples.negativeWeights(context.session.data.negatives)
        context.session.lastTraining = TorchRecBundle.Training(epochs: epochs, batch: batch, optimizer: options.optimizer)
        // Data that does not fit the network (e.g. weighted=on without ratings) fails
        // here, before the epoch table's header is printed (the trainer checks every id).
        try model.validateColumns(samples.train)
        var bar = ProgressBar(context.interpreter)
        // Rows are printed as epochs finish, so the widths are fixed up front.
        let widths = [5, 8, 9, 6]
        func row(_ cells: [String]) -> String {
            zip(cells, widths).map { String(repeating: " ", count: max(0, $1 - $0.count)) + $0 }.joined(separator: "  ")
        }
        console.print(row(["epoch", "loss", "samples/s", "time"]))
        let epochsBefore = model.epochsTrained
        var lastEpochEnd = Date()
        let report = try Trainer(options).train(model, on: samples.train) { p in
            let done = Double((p.epoch - 1) * p.batchesPerEpoch + p.batch) / Double(p.epochs * p.batchesPerEpoch)
            bar.update(fraction: done, "epoch \(p.epoch)/\(p.epochs)  loss \(String(format: "%.4f", p.loss))  \(Int(p.samplesPerSecond)) samples/s  ETA \(clock(p.eta))")
            if p.isEpochEnd {
                bar.clear()
                let now = Date()
                console.print(row([String(epochsBefore + p.epoch), String(format: "%.4f", p.loss),
                                   String(Int(p.samplesPerSecond)), String(format: "%.1fs", now.timeIntervalSince(lastEpochEnd))]))
                lastEpochEnd = now
            }
        }
        bar.clear()
        context.session.modelChanged()
        console.print(report.message)
        if case .nonFinite = report.outcome {
            throw context.failure(report.message, help: "lower lr=, or add l2=")
        }
        if console.chartSink != nil, !model.lossHistory.isEmpty {
            let window = max(1, model.lossHistory.count / 60)
            let series = ChartSeries(name: "loss", values: Charts.movingAverage(model.lossHistory, window: window))
            console.chart(Charts.svgLineChart([series], title: "Training loss", xLabel: "batch",
                                              yLabel: "loss (moving average of \(window))"), title: "training loss")
        }
        // Ctrl-C stopped training after a batch: the weights are kept, the script
        // stops, and the transcript records what ran, so a saved session replays it.
        if report.outcome == .interrupted {
            let done = report.batchLosses.count
            throw Interrupted(ranAs: Self.replay(context.statement.span.text, batches: done)
                              + "  # interrupted after \(done) batch(es), in epoch \(report.epochLosses.count) of \(epochs)")
        }
        return .record([("loss", .float(report.epochLosses.last ?? .nan)), ("epochs", .integer(report.epochLosses.count)),
                        ("samples_per_second", .float(report.samplesPerSecond))])
    }
}

extension TrainCommand {
    /// Only `shuffle full` reshuffles every epoch; `none` keeps log order and
    /// `buffer` its streamed order, as their names promise.
    static func reshufflesEachEpoch(_ shuffle: SampleOptions.Shuffle) -> Bool {
        if case .full = shuffle { return true }
        return false
    }

    /// The statement as it would run again for `batches` batches.
    static func replay(_ text: String, batches: Int) -> String {
        let code = text.split(separator: "#", maxSplits: 1).first.map(String.init) ?? text
        let trimmed = code.trimmingCharacters(in: .whitespaces)
        if let r = trimmed.range(of: #"batches\s*=\s*[^\s]+"#, options: .regularExpression) {
            return trimmed.replacingCharacters(in: r, with: "batches=\(batches)")
        }
        return trimmed + " batches=\(batches)"
    }
}

struct SummaryCommand: ScriptCommand {
    static let name = "summary"
    static let topic = Topic.model
    static let summary = "A table of the model's layers, shapes and parameter counts"

    func run(_ context: CommandContext) throws -> Value {
        let samples = try context.samplesShowingProgress()
        let model = try context.session.currentModel(for: samples, console: context.console)
        context.console.print(model.summaryTable())
        return .integer(model.parameterCount)
    }
}

var modelCommands: [CommandType] { [
    EmbedCommand.self, ContinuousCommand.self, ItemTowerCommand.self, PoolCommand.self, LSTMCommand.self, AttentionCommand.self, DenseCommand.self, NormalizeCommand.self,
    InitCommand.self, NCECommand.self, SoftmaxCommand.self, TrainCommand.self, SummaryCommand.self,
] }
