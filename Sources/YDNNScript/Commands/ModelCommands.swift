import Foundation
import YDNN

/// Network commands declare the model piece by piece (into the workspace's
/// `ModelSpec`); `train` builds it from the spec and the data, and trains it.

/// Adds an encoder, replacing an earlier one of the same kind on the same feature
/// (so re-running `embed user_id 32` at the REPL changes it rather than failing).
private func addEncoder(_ e: EncoderSpec, _ inv: Invocation) -> Value {
    let ws = inv.interpreter.workspace
    if let i = ws.spec.encoders.firstIndex(where: { $0.tableName == e.tableName }) {
        ws.spec.encoders[i] = e
        inv.console.print("replaced the \(e.kind.rawValue) encoder of \(e.feature)")
    } else {
        ws.spec.encoders.append(e)
    }
    return .none
}

private let lastSlotParam = Param("last_slot", .bool, default: .symbol("off"),
                                  "also give the last click's embedding a slot of its own")

private let noiseParam = Param("noise", .choice(["uniform", "frequency", "damped"]),
                               "where negatives come from (same as the negatives command)")

/// `noise=` on an output command sets the data pipeline's negatives: one place holds it.
private func applyNoise(_ inv: Invocation) {
    guard let noise = inv.string("noise") else { return }
    let ws = inv.interpreter.workspace
    switch noise {
    case "uniform": ws.data.negatives = .uniform
    case "damped": ws.data.negatives = .frequency(power: 0.75)
    default: ws.data.negatives = .frequency(power: 1)
    }
}

let modelCommands: [CommandSpec] = [
    CommandSpec(
        "embed", topic: .model, "Embed a sparse feature (user_id, province, city, phone, categories, tags); lists are pooled",
        positionals: [.required("feature", .word, "the feature"), .required("dim", .integer(1...65_536), "embedding width")],
        options: [Param("pool", .choice(["avg", "sum", "max"]), default: .symbol("avg"), "how a list of values is pooled")],
        examples: ["embed user_id 64", "embed tags 64 pool=avg"],
        handler: { inv in
            addEncoder(.embedding(inv.string("feature")!, dim: inv.int("dim"), pool: Pooling(rawValue: inv.string("pool")!)!), inv)
        }),
    CommandSpec(
        "pool", topic: .model, "Encode the click history by pooling item embeddings (DeepMatch style)",
        positionals: [.required("feature", .word, "the sequence feature, usually items"),
                      Param("mode", .choice(["avg", "sum", "max"]), default: .symbol("avg"), "the pooling")],
        options: [Param("dim", .integer(1...65_536), default: .integer(64), "embedding width"),
                  Param("weighted", .bool, default: .symbol("off"), "weight each click by its rating / the best rating (needs rated data: load movielens, load csv rating=)"), lastSlotParam],
        examples: ["pool items avg dim=64"],
        handler: { inv in
            addEncoder(.embedding(inv.string("feature")!, dim: inv.int("dim"), pool: Pooling(rawValue: inv.string("mode")!)!,
                                  weighted: inv.bool("weighted"), lastSlot: inv.bool("last_slot")), inv)
        }),
    CommandSpec(
        "lstm", topic: .model, "Encode the click history with an LSTM over item embeddings, pooled over time",
        positionals: [.required("feature", .word, "the sequence feature, usually items"),
                      .required("hidden", .integer(1...4096), "LSTM hidden size")],
        options: [Param("pool", .choice(["max", "last"]), default: .symbol("max"), "max over time (Paddle) or the last state"),
                  Param("dim", .integer(1...65_536), "embedding width (default: the hidden size)"), lastSlotParam],
        examples: ["lstm items 64 pool=max"],
        handler: { inv in
            addEncoder(.lstm(inv.string("feature")!, hidden: inv.int("hidden"), dim: inv.optionalInt("dim"),
                             pool: Pooling(rawValue: inv.string("pool")!)!, lastSlot: inv.bool("last_slot")), inv)
        }),
    CommandSpec(
        "attention", topic: .model, "Encode the click history with self-attention pooling",
        positionals: [.required("feature", .word, "the sequence feature, usually items")],
        options: [Param("dim", .integer(1...65_536), default: .integer(64), "embedding width"), lastSlotParam],
        handler: { inv in
            addEncoder(.attention(inv.string("feature")!, dim: inv.int("dim"), lastSlot: inv.bool("last_slot")), inv)
        }),
    CommandSpec(
        "dense", topic: .model, "Add a fully connected layer to the user tower",
        positionals: [.required("units", .integer(1...65_536), "output width"),
                      Param("activation", .choice(["relu", "none"]), default: .symbol("relu"), "the activation")],
        examples: ["dense 256 relu", "dense 31 relu"],
        handler: { inv in
            inv.interpreter.workspace.spec.hidden.append(DenseSpec(inv.int("units"), DenseSpec.Activation(rawValue: inv.string("activation")!)!))
            return .none
        }),
    CommandSpec(
        "normalize", topic: .model, "L2-normalise user and item vectors; logits are divided by the temperature",
        positionals: [Param("state", .bool, default: .symbol("on"), "on or off")],
        options: [Param("temperature", .number(1e-6...1e6), default: .float(0.05), "softmax temperature")],
        handler: { inv in
            let ws = inv.interpreter.workspace
            ws.spec.normalize = inv.bool("state")
            ws.spec.temperature = Float(inv.double("temperature"))
            return .none
        }),
    CommandSpec(
        "nce", topic: .model, "Output layer and loss: Paddle's NCE against noise items",
        options: [Param("negatives", .integer(1...100_000), default: .integer(5), "noise items per sample"), noiseParam],
        examples: ["nce negatives=5 noise=frequency"],
        handler: { inv in
            applyNoise(inv)
            inv.interpreter.workspace.spec.output = .nce(negatives: inv.int("negatives"))
            return .none
        }),
    CommandSpec(
        "softmax", topic: .model, "Output layer and loss: sampled softmax (log-Q corrected), full softmax, or in-batch negatives",
        positionals: [Param("mode", .choice(["sampled", "full", "inbatch"]), default: .symbol("sampled"), "which softmax")],
        options: [Param("sampled", .integer(1...1_000_000), default: .integer(100), "shared negatives per batch (mode sampled)"),
                  Param("logq", .bool, default: .symbol("on"), "subtract log Q(item) from sampled logits"),
                  Param("bias", .bool, default: .symbol("off"), "a per-item bias (item vector [b_i, w_i])"), noiseParam],
        examples: ["softmax sampled=100 logq=on", "softmax full"],
        handler: { inv in
            applyNoise(inv)
            let ws = inv.interpreter.workspace
            switch inv.string("mode")! {
            case "full": ws.spec.output = .fullSoftmax(bias: inv.bool("bias"))
            case "inbatch": ws.spec.output = .inBatch(logQ: inv.bool("logq"))
            default: ws.spec.output = .sampledSoftmax(negatives: inv.int("sampled"), logQ: inv.bool("logq"), bias: inv.bool("bias"))
            }
            return .none
        }),
    CommandSpec(
        "train", topic: .training, "Build the model (if needed) and train it; Ctrl-C stops after the current batch",
        options: [Param("epochs", .integer(0...100_000), default: .integer(1), "passes over the training samples"),
                  Param("batch", .integer(1...1_000_000), default: .integer(128), "samples per batch"),
                  Param("optimizer", .choice(["sgd", "adagrad", "adam"]), default: .symbol("adam"), "the update rule"),
                  Param("lr", .number(1e-12...100), "learning rate (default: adam 0.001, adagrad 0.05, sgd 0.1)"),
                  Param("l2", .number(0...100), default: .float(0), "L2 penalty on updated weights"),
                  Param("threads", .integer(1...256), "training threads (default: the threads setting)")],
        examples: ["train epochs=3 batch=128 optimizer=adam lr=0.001"],
        handler: train),
    CommandSpec(
        "summary", topic: .model, "A table of the model's layers, shapes and parameter counts",
        handler: { inv in
            let interp = inv.interpreter
            let samples = try interp.workspace.samples(seed: interp.seed)
            let model = try interp.workspace.currentModel(for: samples, seed: interp.seed, console: inv.console)
            inv.console.print(model.summaryTable())
            return .integer(model.parameterCount)
        }),
]

private func train(_ inv: Invocation) throws -> Value {
    let interp = inv.interpreter
    let ws = interp.workspace
    let samples = try ws.samples(seed: interp.seed)
    let model = try ws.currentModel(for: samples, seed: interp.seed, console: inv.console)
    let kind = OptimizerSpec.Kind(rawValue: inv.string("optimizer")!)!
    var options = TrainOptions(
        epochs: inv.int("epochs"), batchSize: inv.int("batch"),
        optimizer: OptimizerSpec(kind, learningRate: inv.given("lr") ? Float(inv.double("lr")) : nil, l2: Float(inv.double("l2"))),
        threads: inv.optionalInt("threads") ?? interp.threads)
    options.noiseWeights = samples.negativeWeights(ws.data.negatives)
    // Data that does not fit the network (e.g. weighted=on without ratings) fails
    // here, before the epoch table's header is printed.
    try model.validate(samples.train)
    var bar = ProgressBar(interp)
    // Rows are printed as epochs finish, so the widths are fixed up front.
    let widths = [5, 8, 9, 6]
    func row(_ cells: [String]) -> String {
        zip(cells, widths).map { String(repeating: " ", count: max(0, $1 - $0.count)) + $0 }.joined(separator: "  ")
    }
    inv.console.print(row(["epoch", "loss", "samples/s", "time"]))
    let epochsBefore = model.epochsTrained
    var lastEpochEnd = Date()
    let report = try Trainer(options).train(model, on: samples.train) { p in
        let done = Double((p.epoch - 1) * p.batchesPerEpoch + p.batch) / Double(p.epochs * p.batchesPerEpoch)
        bar.update(fraction: done, "epoch \(p.epoch)/\(p.epochs)  loss \(String(format: "%.4f", p.loss))  \(Int(p.samplesPerSecond)) samples/s  ETA \(clock(p.eta))")
        if p.isEpochEnd {
            bar.clear()
            let now = Date()
            inv.console.print(row([String(epochsBefore + p.epoch), String(format: "%.4f", p.loss),
                                   String(Int(p.samplesPerSecond)), String(format: "%.1fs", now.timeIntervalSince(lastEpochEnd))]))
            lastEpochEnd = now
        }
    }
    bar.clear()
    ws.modelChanged()
    inv.console.print(report.message)
    if case .nonFinite = report.outcome {
        throw inv.failure(report.message, help: "lower lr=, or add l2=")
    }
    if inv.console.chartSink != nil, !model.lossHistory.isEmpty {
        let window = max(1, model.lossHistory.count / 60)
        let series = ChartSeries(name: "loss", values: Charts.movingAverage(model.lossHistory, window: window))
        inv.console.chart(Charts.svgLineChart([series], title: "Training loss", xLabel: "batch",
                                              yLabel: "loss (moving average of \(window))"), title: "training loss")
    }
    if report.outcome == .interrupted { Interrupt.request() }  // also stop the rest of the script
    return .record([("loss", .float(report.epochLosses.last ?? .nan)), ("epochs", .integer(report.epochLosses.count)),
                    ("samples_per_second", .float(report.samplesPerSecond))])
}
