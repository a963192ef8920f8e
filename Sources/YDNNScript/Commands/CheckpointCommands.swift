import Foundation
import YDNN

/// `save model` and `load model`: the model file holds the spec, the weights and
/// the vocabularies it was trained with, so a loaded model is only used with data
/// whose vocabularies match.

private func vocabularyKeys(_ v: Vocabularies) -> [String: [String]] {
    var out: [String: [String]] = [:]
    for voc in v.all { out[voc.name] = (0..<voc.size).map { voc.key(Int32($0)) } }
    return out
}

/// Throws unless the data's vocabularies are the ones the model was trained with.
func checkVocabularies(_ saved: [String: [String]], against data: Vocabularies) throws {
    let current = vocabularyKeys(data)
    for name in saved.keys.sorted() {
        guard let now = current[name] else { continue }
        let was = saved[name]!
        if was == now { continue }
        if was.count != now.count {
            throw ModelError.checkpoint("the model's \(name) vocabulary has \(was.count) values, the data's has \(now.count) (same data and vocab min_count as when it was saved?)")
        }
        let i = was.indices.first { was[$0] != now[$0] }!
        throw ModelError.checkpoint("the model's \(name) vocabulary differs from the data's at id \(i): '\(was[i])' vs '\(now[i])'")
    }
}

let saveCommand = CommandSpec(
    "save", topic: .training, "Save the model or the item index to a file",
    forms: [CommandSpec(
        "save index", topic: .retrieval, "Write the item index built by 'index' (checksummed, atomic)",
        positionals: [.required("path", .path, "the index file")],
        examples: ["save index \"out/items.hnsw\""],
        handler: { inv in
            guard let (index, _) = inv.interpreter.workspace.index else {
                throw inv.failure("there is no index to save", help: "build one first: index hnsw")
            }
            try index.save(to: inv.string("path")!)
            inv.console.print("saved index to \(inv.string("path")!) (\(index.summary))")
            return .none
        }),
        CommandSpec(
        "save model", topic: .training, "Write the model (spec, weights, vocabularies; checksummed, atomic)",
        positionals: [.required("path", .path, "the model file")],
        examples: ["save model \"out/paddle.model\""],
        handler: { inv in
            let ws = inv.interpreter.workspace
            guard let model = ws.model else { throw inv.failure("there is no model to save", help: "train one first") }
            var extras: [String: [UInt8]] = [:]
            for (name, keys) in vocabularyKeys(try ws.data.vocabularies()) { extras["vocab." + name] = Checkpoint.encode(strings: keys) }
            let path = inv.string("path")!
            try Checkpoint.save(model, to: path, extras: extras)
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            inv.console.print("saved model to \(path) (\(model.parameterCount) parameters, \(size) bytes)")
            return .none
        })])

let loadIndexForm = CommandSpec(
    "load index", topic: .retrieval, "Read an index saved by 'save index'; it must fit the current model's item vectors",
    positionals: [.required("path", .path, "the index file")],
    handler: { inv in
        let ws = inv.interpreter.workspace
        guard let model = ws.model else { throw inv.failure("load or train the model the index was built for first") }
        var index = try IndexFile.load(path: inv.string("path")!)
        // An inner-product graph is stored over SIMPLE-LSH-augmented items: one more dimension.
        if index.dimension == model.vectorDimension + 1, index.metric == .innerProduct {
            index = AugmentedInnerProductIndex(wrapping: index)
        }
        guard index.dimension == model.vectorDimension, index.count == model.itemCount else {
            throw inv.failure("the index holds \(index.count) items of dimension \(index.dimension); the model has \(model.itemCount) of \(model.vectorDimension)")
        }
        ws.index = (index, ws.modelVersion)
        inv.console.print("loaded index \(index.summary)")
        return .none
    })

let loadModelForm = CommandSpec(
    "load model", topic: .training, "Read a model saved by 'save model' (checked against the loaded data's vocabularies)",
    positionals: [.required("path", .path, "the model file")],
    examples: ["load model \"out/paddle.model\""],
    handler: { inv in
        let ws = inv.interpreter.workspace
        let path = inv.string("path")!
        let (model, extras) = try Checkpoint.load(from: path)
        var saved: [String: [String]] = [:]
        for (k, bytes) in extras where k.hasPrefix("vocab.") { saved[String(k.dropFirst(6))] = try Checkpoint.decode(strings: bytes) }
        if ws.data.hasData { try checkVocabularies(saved, against: try ws.data.vocabularies()) }
        ws.model = model
        ws.modelVocabularies = saved
        var spec = model.spec
        spec.denseInputs.removeAll { $0 == "example_age" }  // follows the data's example_age setting
        ws.spec = spec
        inv.console.print("loaded model from \(path): \(model.parameterCount) parameters, \(model.epochsTrained) epochs trained")
        return .none
    })
