import Foundation
import YDNN

/// Experiments: named runs of a block on a fresh model, repeated over seeds;
/// `compare` tells a real difference from noise with a paired test over users;
/// `plot` draws loss curves and metrics.

struct ExperimentCommand: ScriptCommand {
    static let name = "experiment"
    static let topic = Topic.experiments
    static let summary = "Run a block on a fresh model (data and settings inherited), recording its evaluations"
    static let examples = ["experiment \"age=$age\" repeat=3 {\n  example_age $age\n  train epochs=5\n  evaluate hr@50\n}"]
    static let takesBlock = true
    @Argument("the experiment's name") var name: String
    @Option("runs, each with the next seed; mean, std and 95% CI are reported", .integer(1...1000)) var `repeat` = 1

    func run(_ context: CommandContext) throws -> Value {
        let interpreter = context.interpreter
        guard interpreter.activeExperiment == nil else { throw context.failure("experiments do not nest") }
        // Each run works on a copy of the session: data and settings are inherited,
        // what the body changes is dropped afterwards, and every run starts with
        // fresh weights and the next seed.
        let outer = interpreter.session
        defer {
            interpreter.session = outer
            interpreter.activeExperiment = nil
        }
        let result = ExperimentResult(name: name)
        interpreter.activeExperiment = result
        for run in 0..<`repeat` {
            var copy = outer
            copy.model = nil
            copy.index = nil
            copy.seed = outer.seed &+ UInt64(run)
            interpreter.session = copy
            result.seeds.append(copy.seed)
            result.runs.append([])
            context.console.print(`repeat` == 1 ? "== experiment \(name)" : "== experiment \(name) (run \(run + 1)/\(`repeat`), seed \(copy.seed))")
            try context.runBlock()
            result.lossHistories.append(interpreter.session.model?.lossHistory ?? [])
        }
        interpreter.experiments.removeAll { $0.name == name }
        interpreter.experiments.append(result)
        if `repeat` > 1, !result.metrics.isEmpty {
            let session = context.session
            var table = TextTable(["metric", "mean", "std", "95% CI", "runs"])
            for m in result.metrics {
                let s = Statistics.summarize(result.perRun(m))
                table.add([m.description, session.format(s.mean), session.format(s.standardDeviation),
                           s.ciLow.map { "\(session.format($0)) .. \(session.format(s.ciHigh ?? $0))" } ?? "-", String(s.n)])
            }
            context.console.print("experiment \(name): \(`repeat`) runs")
            context.console.table(table)
        }
        return .none
    }
}

struct CompareCommand: ScriptCommand {
    static let name = "compare"
    static let topic = Topic.experiments
    static let summary = "Experiments side by side: means, 95% CIs, deltas against a baseline and paired p-values"
    static let examples = ["compare", "compare baseline=\"age=off\" metric=hr@50"]
    @Option("the experiment the others are compared with (default: the first)") var baseline: String?
    @Option("the metric (default: the baseline's first)") var metric: MetricName?

    func run(_ context: CommandContext) throws -> Value {
    let interp = context.interpreter
    let session = context.session
    let experiments = interp.experiments.filter { !$0.metrics.isEmpty }
    guard !experiments.isEmpty else {
        throw context.failure("no experiment has evaluated anything yet", help: "experiment \"name\" { train ...; evaluate hr@50 }")
    }
    let baseName = baseline ?? experiments[0].name
    guard let base = experiments.first(where: { $0.name == baseName }) else {
        let hint = closestMatch(to: baseName, in: experiments.map(\.name)).map { "did you mean '\($0)'?" }
        throw $baseline.failure("no experiment named '\(baseName)'", help: hint ?? "experiments: \(experiments.map(\.name).joined(separator: ", "))")
    }
    let metric = self.metric.flatMap(RankingMetric.init) ?? base.metrics[0]
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
        let ci = s.ciLow.map { "\(session.format($0)) .. \(session.format(s.ciHigh ?? $0))" } ?? "-"
        bars.append(BarDatum(label: e.name, value: s.mean, low: s.ciLow, high: s.ciHigh))
        var fields: [(String, Value)] = [("experiment", .string(e.name)), ("mean", .float(s.mean))]
        if e === base {
            table.add([e.name, String(s.n), session.format(s.mean), ci, "baseline", "", "", ""])
        } else if let a = e.perUser(metric), let b = baseUsers, a.count == b.count,
                  let t = try? Statistics.pairedTest(a, b, seed: interp.seed) {
            let mark = t.pValue < 0.01 ? "**" : t.pValue < 0.05 ? "*" : ""
            table.add([e.name, String(s.n), session.format(s.mean), ci,
                       (t.meanDifference >= 0 ? "+" : "") + session.format(t.meanDifference),
                       "\(session.format(t.ciLow)) .. \(session.format(t.ciHigh))",
                       String(format: "%.4f", t.pValue), mark])
            fields += [("delta", .float(t.meanDifference)), ("p", .float(t.pValue))]
        } else {
            table.add([e.name, String(s.n), session.format(s.mean), ci,
                       session.format(s.mean - Statistics.mean(base.perRun(metric))), "-", "n/a", "(not the same test users)"])
        }
        rows.append(.record(fields))
    }
    context.console.print("compare \(metric) against '\(base.name)': paired permutation test over test users (per-user values averaged over runs)")
    context.console.table(table)
    context.console.print("* p < 0.05, ** p < 0.01; the 95% CI of a mean is over runs (needs repeat >= 2)")
    context.console.chart(Charts.svgBarChart(bars, title: "\(metric) by experiment (95% CI over runs)", xLabel: metric.description,
                                         highlight: base.name), title: "compare \(metric)")
    return .list(rows)
    }
}

/// `plot WHAT`: the loss curves, or a metric across experiments.
enum PlotSubject {
    case loss
    case metric(RankingMetric)
}

struct PlotCommand: ScriptCommand {
    static let name = "plot"
    static let topic = Topic.experiments
    static let summary = "Chart the training loss or a metric across experiments, in the terminal and as SVG"
    static let examples = ["plot loss", "plot hr@50 out=\"out/hr50.svg\""]
    @Argument("loss, or a metric such as hr@50") var what: Value
    @Option("also write the chart to this SVG file") var out: ScriptPath?
    @Option("moving-average window for loss (default: about 1/60 of the batches)", .integer(1...100_000)) var smooth: Int?

    var subject: PlotSubject? {
        if case .symbol("loss") = what { return .loss }
        guard case .success(.metric(let m)) = MetricName.argumentType.coerce(what), let metric = RankingMetric(m) else { return nil }
        return .metric(metric)
    }

    func validate() throws {
        if subject == nil { throw $what.failure("'plot' draws loss or a metric such as hr@50, not '\(what)'") }
    }

    func run(_ context: CommandContext) throws -> Value {
        let interpreter = context.interpreter
        let session = context.session
        let console = context.console
        let svg: String
        switch subject {
        case .loss?:
            var series: [ChartSeries] = interpreter.experiments.compactMap { e in
                guard let h = e.lossHistories.last, !h.isEmpty else { return nil }
                return ChartSeries(name: e.name, values: h)
            }
            if series.isEmpty, let h = session.model?.lossHistory, !h.isEmpty { series = [ChartSeries(name: "loss", values: h)] }
            guard !series.isEmpty else { throw context.failure("nothing has been trained yet", help: "train first") }
            let window = smooth ?? max(1, (series.map(\.y.count).max() ?? 0) / 60)
            series = series.map { ChartSeries(name: $0.name, values: Charts.movingAverage($0.y, window: window)) }
            console.print(Charts.terminalLineChart(series, title: "loss per batch (moving average of \(window))",
                                                   color: console.isTerminal))
            svg = Charts.svgLineChart(series, title: "Training loss", xLabel: "batch", yLabel: "loss (moving average of \(window))")
        case .metric(let metric)?:
            var bars: [BarDatum] = []
            for e in interpreter.experiments {
                let v = e.perRun(metric)
                guard !v.isEmpty else { continue }
                let s = Statistics.summarize(v)
                bars.append(BarDatum(label: e.name, value: s.mean, low: s.ciLow, high: s.ciHigh))
            }
            if bars.isEmpty, let last = session.lastEvaluation, let i = last.metrics.firstIndex(of: metric) {
                bars = [BarDatum(label: "model", value: last.model.means[i]), BarDatum(label: "most-popular", value: last.baseline.means[i])]
            }
            guard !bars.isEmpty else { throw context.failure("no evaluation measured \(metric)", help: "evaluate \(metric) first") }
            let top = max(bars.map { $0.high ?? $0.value }.max() ?? 0, 1e-12)
            let width = bars.map(\.label.count).max() ?? 0
            for b in bars {
                let n = Int((b.value / top * 40).rounded())
                let ci = b.low.map { "  (\(session.format($0)) .. \(session.format(b.high ?? $0)))" } ?? ""
                console.print(b.label.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                              + String(repeating: "█", count: max(0, n)) + " " + session.format(b.value) + ci)
            }
            svg = Charts.svgBarChart(bars, title: "\(metric)", xLabel: metric.description)
        case nil:
            throw $what.failure("'plot' draws loss or a metric such as hr@50, not '\(what)'")
        }
        console.chart(svg, title: "plot \(what)")
        if let out {
            try AtomicFileWriter.write(Charts.svgDocument(svg), to: out.text)
            console.print("wrote \(out)")
        }
        return .none
    }
}

let experimentCommands: [CommandType] = [ExperimentCommand.self, CompareCommand.self, PlotCommand.self]
