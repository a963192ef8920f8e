import Foundation
import YDNN

/// `save model` and `load model`: the model file holds the spec, the weights and
/// the vocabularies it was trained with, so a loaded model is only used with data
/// whose vocabularies match. `save index` and `load index` keep an item index.

struct SaveIndexCommand: ScriptCommand {
    static let name = "save index"
    static let topic = Topic.retrieval
    static let summary = "Write the item index built by 'index' (checksummed, atomic)"
    static let examples = ["save index \"out/items.hnsw\""]
    @Argument("the index file") var path: OutputPath

    func run(_ context: CommandContext) throws -> Value {
        guard let index = context.session.index?.index else {
            throw context.failure("there is no index to save", help: "build one first: index hnsw")
        }
        guard let model = context.session.model, context.session.currentIndex != nil else {
            throw context.failure("the index was built before the model last changed", help: "run 'index' again")
        }
        // The fingerprint of the item vectors lets 'load index' refuse another model's index.
        try IndexFile.save(index, to: path.text, itemFingerprint: model.itemVectorFingerprint())
        context.console.print("saved index to \(path) (\(index.summary))")
        return .none
    }
}

struct SaveModelCommand: ScriptCommand {
    static let name = "save model"
    static let topic = Topic.training
    static let summary = "Write the model (spec, weights, vocabularies; checksummed, atomic)"
    static let examples = ["save model \"out/paddle.model\""]
    @Argument("the model file") var path: OutputPath

    func run(_ context: CommandContext) throws -> Value {
        guard let model = context.session.model else { throw context.failure("there is no model to save", help: "train one first") }
        var extras: [String: [UInt8]] = [:]
        for (name, keys) in vocabularyKeys(try context.session.data.vocabularies()) {
            extras["vocab." + name] = Checkpoint.encode(strings: keys)
        }
        try Checkpoint.save(model, to: path.text, extras: extras)
        let size = (try? FileManager.default.attributesOfItem(atPath: path.text)[.size] as? Int) ?? 0
        context.console.print("saved model to \(path) (\(model.parameterCount) parameters, \(size) bytes)")
        return .none
    }
}

struct LoadIndexCommand: ScriptCommand {
    static let name = "load index"
    static let topic = Topic.retrieval
    static let summary = "Read an index saved by 'save index'; it must fit the current model's item vectors"
    @Argument("the index file") var path: ScriptPath

    func run(_ context: CommandContext) throws -> Value {
        guard let model = context.session.model else { throw context.failure("load or train the model the index was built for first") }
        var index = try IndexFile.load(path: path.text, expectedItemFingerprint: model.itemVectorFingerprint())
        // An inner-product graph is stored over SIMPLE-LSH-augmented items: one more dimension.
        if index.dimension == model.vectorDimension + 1, index.metric == .innerProduct {
            index = AugmentedInnerProductIndex(wrapping: index)
        }
        guard index.dimension == model.vectorDimension, index.count == model.itemCount else {
            throw context.failure("the index holds \(index.count) items of dimension \(index.dimension); the model has \(model.itemCount) of \(model.vectorDimension)")
        }
        context.session.index = BuiltIndex(index: index, modelVersion: context.session.modelVersion)
        context.console.print("loaded index \(index.summary)")
        return .none
    }
}

struct LoadModelCommand: ScriptCommand {
    static let name = "load model"
    static let topic = Topic.training
    static let summary = "Read a model saved by 'save model', or an 'export torchrec' folder's trained weights (checked against the loaded data's vocabularies)"
    static let examples = ["load model \"out/paddle.model\""]
    @Argument("the model file") var path: ScriptPath

    func run(_ context: CommandContext) throws -> Value {
        // A folder is an `export torchrec` bundle whose run wrote trained/.
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path.text, isDirectory: &isFolder), isFolder.boolValue {
            try ImportTorchRecCommand.load(path.text, weights: nil, context)
            return .none
        }
        let (model, extras) = try Checkpoint.load(from: path.text)
        var saved: [String: [String]] = [:]
        for (k, bytes) in extras where k.hasPrefix("vocab.") { saved[String(k.dropFirst(6))] = try Checkpoint.decode(strings: bytes) }
        if context.session.data.hasData { try checkVocabularies(saved, against: try context.session.data.vocabularies()) }
        context.session.model = model
        context.session.modelVocabularies = saved
        var spec = model.spec
        spec.denseInputs.removeAll { $0 == "example_age" }  // follows the data's example_age setting
        context.session.spec = spec
        context.console.print("loaded model from \(path): \(model.parameterCount) parameters, \(model.epochsTrained) epochs trained")
        return .none
    }
}

var checkpointCommands: [CommandType] { [SaveIndexCommand.self, SaveModelCommand.self] }
