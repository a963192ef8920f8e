import Foundation
import YDNN

/// Experiments: named runs of a block on a fresh model, repeated over seeds;
/// `compare` tells a real difference from noise with a paired test over users;
/// `plot` draws loss curves and metrics.

/// What one `experiment` recorded: per run (seed), every `evaluate` in its body.
public final class ExperimentResult {
    public let name: String
    public internal(set) var seeds: [UInt64] = []
    public internal(set) var runs: [[EvaluationRecord]] = []
    /// Loss per batch of each run's model.
    public internal(set) var lossHistories: [[Double]] = []

    init(name: String) { self.name = name }

    /// Each run's last evaluation that measured `metric`.
    func evaluations(of metric: RankingMetric) -> [RankingEvaluation] {
        runs.compactMap { run in run.last(where: { $0.metrics.contains(metric) })?.model }
    }

    /// The metrics of the last evaluation of the first run, in the order asked for.
    var metrics: [RankingMetric] { runs.first?.last?.metrics ?? [] }

    /// Per run, the mean of `metric`.
    func perRun(_ metric: RankingMetric) -> [Double] { evaluations(of: metric).compactMap { $0.mean(metric) } }

    /// Per user, `metric` averaged over the runs (nil when runs saw different users).
    func perUser(_ metric: RankingMetric) -> [Double]? {
        let values = evaluations(of: metric).compactMap { $0.values(metric) }
        guard !values.isEmpty else { return nil }
        return try? Statistics.meanPerIndex(values)
    }
}

private func runExperiment(_ inv: Invocation) throws -> Value {
    let interp = inv.interpreter
    let ws = interp.workspace
    guard ws.activeExperiment == nil else { throw inv.failure("experiments do not nest") }
    let name = inv.string("name")!
    let repeats = inv.int("repeat")
    // Data and settings are inherited; what the body changes is undone after each
    // run, and every run starts with fresh weights.
    let (data, spec, model, index, settings, baseSeed) = (ws.data, ws.spec, ws.model, ws.index, interp.settings, interp.seed)
    defer {
        ws.data = data; ws.spec = spec; ws.model = model; ws.index = index
        interp.settings = settings; interp.seed = baseSeed
        ws.activeExperiment = nil
    }
    let result = ExperimentResult(name: name)
    ws.activeExperiment = result
    for run in 0..<repeats {
        ws.data = data; ws.spec = spec; ws.model = nil; ws.index = nil; interp.settings = settings
        interp.seed = baseSeed &+ UInt64(run)
        result.seeds.append(interp.seed)
        result.runs.append([])
        inv.console.print(repeats == 1 ? "== experiment \(name)" : "== experiment \(name) (run \(run + 1)/\(repeats), seed \(interp.seed))")
        try inv.runBlock()
        result.lossHistories.append(ws.model?.lossHistory ?? [])
    }
    ws.experiments.removeAll { $0.name == name }
    ws.experiments.append(result)
    if repeats > 1, !result.metrics.isEmpty {
        var table = TextTable(["metric", "mean", "std", "95% CI", "runs"])
        for m in result.metrics {
            let s = Statistics.summarize(result.perRun(m))
            table.add([m.description, interp.formatMetric(s.mean), interp.formatMetric(s.standardDeviation),
                       s.ciLow.map { "\(interp.formatMetric($0)) .. \(interp.formatMetric(s.ciHigh!))" } ?? "-", String(s.n)])
        }
        inv.console.print("experiment \(name): \(repeats) runs")
        inv.console.table(table)
    }
    return .none
}

private func metricOption(_ inv: Invocation, _ name: String) -> RankingMetric? {
    guard case .metric(let m)? = inv.value(name) else { return nil }
    return RankingMetric(name: m.description)
}

private func compare(_ inv: Invocation) throws -> Value {
    let interp = inv.interpreter
    let experiments = interp.workspace.experiments.filter { !$0.metrics.isEmpty }
    guard !experiments.isEmpty else {
        throw inv.failure("no experiment has evaluated anything yet", help: "experiment \"name\" { train ...; evaluate hr@50 }")
    }
    let baseName = inv.string("baseline") ?? experiments[0].name
    guard let base = experiments.first(where: { $0.name == baseName }) else {
        let hint = closestMatch(to: baseName, in: experiments.map(\.name)).map { "did you mean '\($0)'?" }
        throw inv.failure("no experiment named '\(baseName)'", at: "baseline", help: hint ?? "experiments: \(experiments.map(\.name).joined(separator: ", "))")
    }
    let metric = metricOption(inv, "metric") ?? base.metrics[0]
    let baseUsers = base.perUser(metric)
    var table = TextTable(["experiment", "runs", metric.description, "95% CI", "delta", "delta 95% CI", "p", "sig"])
    var bars: [BarDatum] = []
    var rows: [Value] = []
    for e in experiments {
        let values = e.perRun(metric)
        guard !values.isEmpty else {
            table.add([e.name, "0", "-", "-", "-", "-", "-", "(no \(metric))"])
            continue
        }
        let s = Statistics.summarize(values)
        let ci = s.ciLow.map { "\(interp.formatMetric($0)) .. \(interp.formatMetric(s.ciHigh!))" } ?? "-"
        bars.append(BarDatum(label: e.name, value: s.mean, low: s.ciLow, high: s.ciHigh))
        var fields: [(String, Value)] = [("experiment", .string(e.name)), ("mean", .float(s.mean))]
        if e === base {
            table.add([e.name, String(s.n), interp.formatMetric(s.mean), ci, "baseline", "", "", ""])
        } else if let a = e.perUser(metric), let b = baseUsers, a.count == b.count,
                  let t = try? Statistics.pairedTest(a, b, seed: interp.seed) {
            let mark = t.pValue < 0.01 ? "**" : t.pValue < 0.05 ? "*" : ""
            table.add([e.name, String(s.n), interp.formatMetric(s.mean), ci,
                       (t.meanDifference >= 0 ? "+" : "") + interp.formatMetric(t.meanDifference),
                       "\(interp.formatMetric(t.ciLow)) .. \(interp.formatMetric(t.ciHigh))",
                       String(format: "%.4f", t.pValue), mark])
            fields += [("delta", .float(t.meanDifference)), ("p", .float(t.pValue))]
        } else {
            table.add([e.name, String(s.n), interp.formatMetric(s.mean), ci,
                       interp.formatMetric(s.mean - Statistics.mean(base.perRun(metric))), "-", "n/a", "(not the same test users)"])
        }
        rows.append(.record(fields))
    }
    inv.console.print("compare \(metric) against '\(base.name)': paired permutation test over test users (per-user values averaged over runs)")
    inv.console.table(table)
    inv.console.print("* p < 0.05, ** p < 0.01; the 95% CI of a mean is over runs (needs repeat >= 2)")
    inv.console.chart(Charts.svgBarChart(bars, title: "\(metric) by experiment (95% CI over runs)", xLabel: metric.description,
                                         highlight: base.name), title: "compare \(metric)")
    return .list(rows)
}

private func plot(_ inv: Invocation) throws -> Value {
    let interp = inv.interpreter
    let ws = interp.workspace
    let what = inv.value("what")!
    let svg: String
    if case .symbol("loss") = what {
        var series: [ChartSeries] = ws.experiments.compactMap { e in
            guard let h = e.lossHistories.last, !h.isEmpty else { return nil }
            return ChartSeries(name: e.name, values: h)
        }
        if series.isEmpty, let h = ws.model?.lossHistory, !h.isEmpty { series = [ChartSeries(name: "loss", values: h)] }
        guard !series.isEmpty else { throw inv.failure("nothing has been trained yet", help: "train first") }
        let window = inv.optionalInt("smooth") ?? max(1, (series.map(\.y.count).max() ?? 0) / 60)
        series = series.map { ChartSeries(name: $0.name, values: Charts.movingAverage($0.y, window: window)) }
        inv.console.print(Charts.terminalLineChart(series, title: "loss per batch (moving average of \(window))",
                                                   color: inv.console.isTerminal))
        svg = Charts.svgLineChart(series, title: "Training loss", xLabel: "batch", yLabel: "loss (moving average of \(window))")
    } else {
        guard case .success(.metric(let m)) = ParamType.metric(["hr", "ndcg", "mrr"]).coerce(what),
              let metric = RankingMetric(name: m.description) else {
            throw inv.failure("'plot' draws loss or a metric such as hr@50, not '\(what)'", at: "what")
        }
        var bars: [BarDatum] = []
        for e in ws.experiments {
            let v = e.perRun(metric)
            guard !v.isEmpty else { continue }
            let s = Statistics.summarize(v)
            bars.append(BarDatum(label: e.name, value: s.mean, low: s.ciLow, high: s.ciHigh))
        }
        if bars.isEmpty, let last = ws.lastEvaluation, let i = last.metrics.firstIndex(of: metric) {
            bars = [BarDatum(label: "model", value: last.model.means[i]), BarDatum(label: "most-popular", value: last.baseline.means[i])]
        }
        guard !bars.isEmpty else { throw inv.failure("no evaluation measured \(metric)", help: "evaluate \(metric) first") }
        let top = max(bars.map { $0.high ?? $0.value }.max() ?? 0, 1e-12)
        let width = bars.map(\.label.count).max() ?? 0
        for b in bars {
            let n = Int((b.value / top * 40).rounded())
            let ci = b.low.map { "  (\(interp.formatMetric($0)) .. \(interp.formatMetric(b.high!)))" } ?? ""
            inv.console.print(b.label.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                              + String(repeating: "█", count: max(0, n)) + " " + interp.formatMetric(b.value) + ci)
        }
        svg = Charts.svgBarChart(bars, title: "\(metric)", xLabel: metric.description)
    }
    inv.console.chart(svg, title: "plot \(what)")
    if let out = inv.string("out") {
        try AtomicFileWriter.write(Charts.svgDocument(svg), to: out)
        inv.console.print("wrote \(out)")
    }
    return .none
}

let experimentCommands: [CommandSpec] = [
    CommandSpec(
        "experiment", topic: .experiments, "Run a block on a fresh model (data and settings inherited), recording its evaluations",
        positionals: [.required("name", .string, "the experiment's name")],
        options: [Param("repeat", .integer(1...1000), default: .integer(1), "runs, each with the next seed; mean, std and 95% CI are reported")],
        takesBlock: true,
        examples: ["experiment \"age=$age\" repeat=3 {\n  example_age $age\n  train epochs=5\n  evaluate hr@50\n}"],
        handler: runExperiment),
    CommandSpec(
        "compare", topic: .experiments, "Experiments side by side: means, 95% CIs, deltas against a baseline and paired p-values",
        options: [Param("baseline", .string, "the experiment the others are compared with (default: the first)"),
                  Param("metric", .metric(["hr", "ndcg", "mrr"]), "the metric (default: the baseline's first)")],
        examples: ["compare", "compare baseline=\"age=off\" metric=hr@50"],
        handler: compare),
    CommandSpec(
        "plot", topic: .experiments, "Chart the training loss or a metric across experiments, in the terminal and as SVG",
        positionals: [.required("what", .any, "loss, or a metric such as hr@50")],
        options: [Param("out", .path, "also write the chart to this SVG file"),
                  Param("smooth", .integer(1...100_000), "moving-average window for loss (default: about 1/60 of the batches)")],
        examples: ["plot loss", "plot hr@50 out=\"out/hr50.svg\""],
        handler: plot),
]
