import Foundation
import YDNN

/// `export torchrec` and `import torchrec`: the recipe's network and prepared
/// samples go to a folder that python/ydnn_torchrec trains under torchrun
/// (TorchRec, CPU/gloo or GPU/NCCL), and the weights it writes come back as a
/// normal model. Data preparation stays here, so the exported run trains on exactly
/// the samples `train` would.

struct ExportTorchRecCommand: ScriptCommand {
    static let name = "export torchrec"
    static let topic = Topic.training
    static let summary = "Write the resolved network, vocabularies, prepared samples (.npy shards) and a run.sh that trains them with TorchRec under torchrun"
    static let examples = ["export torchrec \"out/torchrec\"", "export torchrec \"out/tr\" epochs=5 shard=100000 nproc=4"]
    @Argument("the output folder") var path: OutputFolder
    @Option("passes over the training samples (default: the last train's, else 1)", .integer(1...100_000)) var epochs: Int?
    @Option("global samples per step, split over the ranks (default: the last train's, else 128)", .integer(1...1_000_000))
    var batch: Int?
    @Option("the dense layers' update rule (default: the last train's, else adam)") var optimizer: OptimizerSpec.Kind?
    @Option("learning rate (default: the last train's, else the optimizer's default)", .number(1e-12...100)) var lr: Double?
    @Option("samples per .npy shard", .integer(1...100_000_000)) var shard = 65_536
    @Option("processes run.sh starts on this machine (torchrun --nproc-per-node)", .integer(1...1024)) var nproc = 2
    @Option("also write the current model's weights to init/: the run starts from them") var weights = false

    func run(_ context: CommandContext) throws -> Value {
        let session = context.session
        let samples = try context.session.samples()
        var training = session.lastTraining ?? TorchRecBundle.Training(epochs: 1, batch: 128, optimizer: OptimizerSpec())
        if let epochs { training.epochs = epochs }
        if let batch { training.batch = batch }
        if optimizer != nil || lr != nil {
            let kind = optimizer ?? training.optimizer.kind
            training.optimizer = OptimizerSpec(kind, learningRate: lr.map(Float.init) ?? (optimizer == nil ? training.optimizer.learningRate : nil),
                                               l2: training.optimizer.l2)
        }
        // The spec and noise exactly as `train` would use them; with weights=on the
        // session's model (trained or fresh) is the starting point, else no weights are built.
        let spec = session.resolvedSpec(for: samples)
        if spec.itemTower != nil {
            throw context.failure("export torchrec does not carry an item tower (its TorchRec model has a free vector per item only)",
                                  help: "drop item_tower (item_tower off) to export, or serve the model with save model / vectors")
        }
        if spec.hidden.contains(where: { $0.norm != .none }) {
            throw context.failure("export torchrec does not carry batch norms (norm=batch): its TorchRec network has plain dense layers",
                                  help: "drop norm=batch from the dense layers to export, or serve the model with save model / vectors")
        }
        if spec.encoders.contains(where: \.shared) {
            throw context.failure("export torchrec does not carry a history sharing the output item table (shared=on)",
                                  help: "drop shared=on to export, or serve the model with save model / vectors")
        }
        try spec.validate(features: samples.features, itemCount: samples.items.count)
        try spec.validateNegatives(itemCount: samples.items.count)
        let start = weights ? try context.session.currentModel(for: samples, console: context.console, batchSize: training.batch,
                                                                optimizer: training.optimizer.kind) : nil
        let network = TorchRecBundle.Network(
            spec: spec, features: samples.features, itemCount: samples.items.count, seed: session.seed,
            noise: Model.noiseDistribution(weights: samples.negativeWeights(session.data.negatives)))
        let vocabularies = vocabularyKeys(try context.session.data.vocabularies())
        let dir = path.text
        let written = try TorchRecBundle.write(
            to: dir, network: network, training: training, vocabularies: vocabularies,
            splits: [("train", samples.train), ("test", samples.test), ("serving", try samples.servingBatch())],
            shardSize: shard, initWeights: start)
        try AtomicFileWriter.write(TorchRecFormat.notes, to: dir + "/FORMAT.md")
        let script = TorchRecFormat.runScript(python: Self.packageDirectory(), nproc: nproc)
        try AtomicFileWriter.write(script, to: dir + "/run.sh")
        chmod(dir + "/run.sh", 0o755)
        let counts = ["train", "test", "serving"].map { "\(written.samples[$0] ?? 0) \($0)" }.joined(separator: ", ")
        context.console.print("exported to \(dir): spec \(written.specHash), \(counts) samples in \(written.shards) shard(s); "
                              + "train with: bash \(dir)/run.sh, then: import torchrec \"\(dir)\"")
        return .string(dir)
    }

    /// The checkout's python/ folder (holding ydnn_torchrec), found upwards from the
    /// binary (.build/release/ydnn) or the working directory; nil if neither has it.
    static func packageDirectory() -> String? {
        var starts = [FileManager.default.currentDirectoryPath]
        if let exe = Bundle.main.executablePath { starts.insert(URL(fileURLWithPath: exe).resolvingSymlinksInPath().deletingLastPathComponent().path, at: 0) }
        for start in starts {
            var url = URL(fileURLWithPath: start)
            for _ in 0..<6 {
                if FileManager.default.fileExists(atPath: url.path + "/python/ydnn_torchrec/__init__.py") { return url.path + "/python" }
                url.deleteLastPathComponent()
            }
        }
        return nil
    }
}

struct ImportTorchRecCommand: ScriptCommand {
    static let name = "import torchrec"
    static let topic = Topic.training
    static let summary = "Read the weights a TorchRec run of an 'export torchrec' folder wrote back, as the session's model"
    static let examples = ["import torchrec \"out/torchrec\"", "import torchrec \"out/torchrec\" weights=\"out/torchrec/init\""]
    @Argument("the exported folder") var path: ScriptPath
    @Option("the weights folder (default: the export's trained/)") var weights: ScriptPath?

    func run(_ context: CommandContext) throws -> Value {
        try Self.load(path.text, weights: weights?.text, context)
        return .none
    }

    /// Shared with `load model` given a folder.
    static func load(_ dir: String, weights: String?, _ context: CommandContext) throws {
        let (model, vocabularies) = try TorchRecBundle.readModel(from: dir, weightsDir: weights)
        if context.session.data.hasData {
            try checkVocabularies(vocabularies, against: try context.session.data.vocabularies())
            let samples = try context.session.samples()
            try model.checkCompatible(features: samples.features, itemCount: samples.items.count)
        }
        context.session.model = model
        context.session.modelVocabularies = vocabularies
        var spec = model.spec
        spec.denseInputs.removeAll { $0 == "example_age" }  // follows the data's example_age setting
        context.session.spec = spec
        context.console.print("imported model from \(weights ?? dir + "/trained"): \(model.parameterCount) parameters, "
                              + "\(model.epochsTrained) epochs trained")
    }
}

var exportCommands: [CommandType] { [ExportTorchRecCommand.self, ImportTorchRecCommand.self] }
