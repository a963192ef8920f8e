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
    /// `$run.seed` and `$run.index` (from 0) inside the block, e.g. for per-run file names.
    static let blockVariables = ["run"]
    @Argument("the experiment's name") var name: String
    @Option("runs, each with the next seed; mean, std and 95% CI are reported", .integer(1...1000)) var `repeat` = 1
    @Option("replace an earlier experiment of the same name (otherwise reusing a name is an error)") var replace = false

    func run(_ context: CommandContext) throws -> Value {
        let interpreter = context.interpreter
        guard interpreter.activeExperiment == nil else { throw context.failure("experiments do not nest") }
        if !replace, interpreter.experiments.contains(where: { $0.name == name }) {
            throw $name.failure("there is already an experiment named '\(name)'", help: "give it another name, or add replace=on")
        }
        let setsSeed = context.statement.block?.statements.contains {
            if case .command(let c) = $0 { return c.name == "seed" } else { return false }
        } ?? false
        if setsSeed, `repeat` > 1 {
            context.console.error("warning: 'seed' inside experiment '\(name)' gives every run the same seed, so its \(`repeat`) runs are identical; set the seed before the experiment")
        }
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
            try context.runBlock(binding: ["run": .record([("seed", .integer(Int(copy.seed))), ("index", .integer(run))])])
            result.lossHistories.append(interpreter.session.model?.lossHistory ?? [])
        }
        interpreter.experiments.removeAll { $0.name == name }
        interpreter.experiments.append(result)
        if `repeat` > 1, !result.metrics.isEmpty {
            let session = context.session
            var table = TextTable(["metric", "mean", "std", "95% CI", "runs"])
            for m in result.metrics {
                let s = Statistics.summarize(result.perRun(m))
                // Rates stay in [0, 1]: a t interval from few runs can cross the bounds.
                let interval = m.family.valueRange.flatMap { s.interval(clippedTo: $0) } ?? s.interval
                table.add([m.description, session.format(s.mean), session.format(s.standardDeviation),
                           interval.map { "\(session.format($0.low)) .. \(session.format($0.high))" } ?? "-", String(s.n)])
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
    static let summary = "Experiments against a baseline: a test over training runs (seeds), with the delta's CI, Holm-adjusted p-values and power"
    static let examples = ["compare", "compare baseline=\"age=off\" metric=hr@50", "compare metric=hr@50 label=\"final\""]
    @Option("the experiment the others are compared with (default: the first)") var baseline: String?
    @Option("the metric (default: the baseline's first)") var metric: MetricName?
    @Option("use the evaluations with this label (default: each run's last that measured the metric)") var label: String?

    func run(_ context: CommandContext) throws -> Value {
        let session = context.session
        let experiments = context.interpreter.experiments.filter { !$0.metrics.isEmpty }
        guard let first = experiments.first else {
            throw context.failure("no experiment has evaluated anything yet", help: "experiment \"name\" repeat=3 { train ...; evaluate hr@50 }")
        }
        let baseName = baseline ?? first.name
        guard let base = experiments.first(where: { $0.name == baseName }) else {
            let hint = closestMatch(to: baseName, in: experiments.map(\.name)).map { "did you mean '\($0)'?" }
            throw $baseline.failure("no experiment named '\(baseName)'", help: hint ?? "experiments: \(experiments.map(\.name).joined(separator: ", "))")
        }
        let metric = self.metric.flatMap(RankingMetric.init) ?? base.metrics[0]
        let f = session.format
        let range = metric.family.valueRange

        // One test per experiment against the baseline, the run (seed) as the unit.
        let others = experiments.filter { $0 !== base }
        let baseSample = base.runSample(metric, label: label)
        let tests: [RunComparison?] = others.map { e in
            guard let a = baseSample, let b = e.runSample(metric, label: label) else { return nil }
            return Statistics.compareRuns(a, b)
        }
        let adjusted = Statistics.holmAdjusted(tests.map { $0?.pValue })

        // p (Holm) is always shown; with one comparison it equals p.
        let header = ["experiment", "runs", metric.description, "95% CI", "delta", "delta 95% CI", "p", "p (Holm)",
                      "sig", "run sd", "user se", "mde", "runs for delta"]
        var table = TextTable(header)
        var bars: [BarDatum] = []
        var rows: [Value] = []
        var notes: [String] = []
        var fewRuns: [String] = []
        for e in experiments {
            let values = e.perRun(metric, label: label)
            guard !values.isEmpty else {
                table.add([e.name, "0", "-", "-", "-", "-", "-"] + ["-"] + ["(no \(metric))", "", "", "", ""])
                continue
            }
            if values.count < Statistics.minimumRunsForTest { fewRuns.append("'\(e.name)' (\(values.count))") }
            let s = Statistics.summarize(values)
            let interval = range.flatMap { s.interval(clippedTo: $0) } ?? s.interval
            bars.append(BarDatum(label: e.name, value: s.mean, low: interval?.low, high: interval?.high))
            let ci = interval.map { "\(f($0.low)) .. \(f($0.high))" } ?? "-"
            var fields: [(String, Value)] = [("experiment", .string(e.name)), ("mean", .float(s.mean))]
            guard let i = others.firstIndex(where: { $0 === e }) else {
                let sample = baseSample
                table.add([e.name, String(s.n), f(s.mean), ci, "baseline", "", ""] + [""]
                          + ["", s.n > 1 ? f(s.standardDeviation) : "-", sample?.meanUserStandardError.map(f) ?? "-", "", ""])
                rows.append(.record(fields))
                continue
            }
            guard let t = tests[i] else {
                table.add([e.name, String(s.n), f(s.mean), ci, "-", "-", "-"] + ["-"] + ["(no runs to compare)", "", "", "", ""])
                continue
            }
            let p = t.pValue, pAdj = adjusted[i]
            let decisive = pAdj
            let mark = !t.isMeaningful || decisive == nil ? "" : decisive! < 0.01 ? "**" : decisive! < 0.05 ? "*" : ""
            let spread = t.differenceStandardDeviation ?? t.runStandardDeviationB
            let userSE = [t.userStandardErrorA, t.userStandardErrorB].compactMap { $0 }.max()
            var row = [e.name, String(s.n), f(s.mean), ci, (t.delta >= 0 ? "+" : "") + f(t.delta),
                       t.ciLow.map { "\(f($0)) .. \(f(t.ciHigh ?? $0))" } ?? "-",
                       p.map { String(format: "%.4f", $0) } ?? "-"]
            row.append(pAdj.map { String(format: "%.4f", $0) } ?? "-")
            row += [mark, spread.map(f) ?? "-", userSE.map(f) ?? "-", t.power.map { f($0.mde) } ?? "-",
                    t.power?.runsNeededDescription ?? "-"]
            table.add(row)
            notes.append("  \(e.name): \(t.method)" + (t.degreesOfFreedom.map { ", df = \(Value.format($0, digits: 3))" } ?? ""))
            fields += [("delta", .float(t.delta)), ("p", p.map(Value.float) ?? .none), ("p_holm", pAdj.map(Value.float) ?? .none),
                       ("mde", t.power.map { .float($0.mde) } ?? .none), ("df", t.degreesOfFreedom.map(Value.float) ?? .none)]
            rows.append(.record(fields))
        }
        let which = label.map { " (evaluations labelled '\($0)')" } ?? ""
        context.console.print("compare \(metric)\(which) against '\(base.name)': each training run (seed) is one observation")
        context.console.table(table)
        context.console.print("method (paired by seed when both ran the same seeds, else Welch):")
        notes.forEach { context.console.print($0) }
        context.console.print("p (Holm): adjusted for \(others.count) comparison\(others.count == 1 ? "" : "s") against the baseline; sig uses it")
        context.console.print("* p < 0.05, ** p < 0.01.  run sd: run-to-run spread (of the paired differences when paired);  user se: standard error over users within a run")
        context.console.print("mde: the smallest delta these runs detect with 80% power at alpha 0.05;  runs for delta: runs per experiment that would detect the observed delta so")
        if !fewRuns.isEmpty {
            context.console.print("warning: \(fewRuns.joined(separator: ", ")) ran fewer than \(Statistics.minimumRunsForTest) runs: no test over runs is meaningful, so nothing is starred; use repeat=\(Statistics.minimumRunsForTest) or more")
        }
        context.console.chart(Charts.svgBarChart(bars, title: "\(metric) by experiment (95% CI over runs)", xLabel: metric.description,
                                                 highlight: base.name), title: "compare \(metric)")
        return .list(rows)
    }
}

/// `plot WHAT`: the loss curves, recommended vs target age, or a metric across experiments.
enum PlotSubject {
    case loss
    case age
    case metric(RankingMetric)
}

struct PlotCommand: ScriptCommand {
    static let name = "plot"
    static let topic = Topic.experiments
    static let summary = "Chart the training loss or a metric across experiments, in the terminal and as SVG"
    static let examples = ["plot loss", "plot hr@50 out=\"out/hr50.svg\""]
    @Argument("loss, age (recommended vs target age, from age@K), or a metric such as hr@50") var what: Value
    @Option("also write the chart to this SVG file") var out: OutputPath?
    @Option("moving-average window for loss (default: about 1/60 of the batches)", .integer(1...100_000)) var smooth: Int?

    var subject: PlotSubject? {
        if case .symbol("loss") = what { return .loss }
        if case .symbol("age") = what { return .age }
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
        case .age?:
            svg = try plotAge(context)
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

extension PlotCommand {
    /// Per experiment, the mean age of the recommended items beside the targets' (age@K).
    func plotAge(_ context: CommandContext) throws -> String {
        let session = context.session
        var rows: [(name: String, recommended: Double, target: Double)] = []
        func ages(_ records: [EvaluationRecord]) -> (Double, Double)? {
            let pairs = records.compactMap { r -> (Double, Double)? in
                guard let m = r.metrics.first(where: { $0.family == .age }), let rec = r.shown(m),
                      let target = r.model.meanTargetAge else { return nil }
                return (rec, target * r.ageScale)
            }
            guard !pairs.isEmpty else { return nil }
            return (Statistics.mean(pairs.map(\.0)), Statistics.mean(pairs.map(\.1)))
        }
        for e in context.interpreter.experiments {
            let last = e.runs.compactMap { run in run.last(where: { $0.metrics.contains { $0.family == .age } }) }
            if let (r, t) = ages(last) { rows.append((e.name, r, t)) }
        }
        if rows.isEmpty, let last = session.lastEvaluation, let (r, t) = ages([last]) { rows = [("model", r, t)] }
        guard !rows.isEmpty else { throw context.failure("no evaluation measured age@K", help: "evaluate age@10 first") }
        let unit = context.interpreter.evaluations.last.map { $0.ageScale == 1 ? " (clicks)" : " (days)" } ?? ""
        var table = TextTable(["experiment", "recommended age\(unit)", "target age\(unit)", "difference"])
        var bars: [BarDatum] = []
        for row in rows {
            table.add([row.name, session.format(row.recommended), session.format(row.target),
                       (row.recommended >= row.target ? "+" : "") + session.format(row.recommended - row.target)])
            bars.append(BarDatum(label: "\(row.name): recommended", value: row.recommended))
            bars.append(BarDatum(label: "\(row.name): targets", value: row.target))
        }
        context.console.table(table)
        return Charts.svgBarChart(bars, title: "Age of recommended items vs the targets\(unit)", xLabel: "age\(unit)")
    }
}

var experimentCommands: [CommandType] { [ExperimentCommand.self, CompareCommand.self, PlotCommand.self, ExpectCommand.self] }

/// `expect`: a recipe states what it should measure, so a shared recipe that no
/// longer reproduces fails loudly instead of printing other numbers.
struct ExpectCommand: ScriptCommand {
    static let name = "expect"
    static let topic = Topic.experiments
    static let summary = "Fail the run unless the last evaluation (or an experiment's mean) of a metric lies within bounds"
    static let examples = ["expect hr@10 min=0.15 max=0.25", "expect hr@50 min=0.4 experiment=\"lstm\"", "expect hr@10 min=0.1 label=\"final\""]
    @Argument("the metric") var metric: MetricName
    @Option("the smallest value accepted") var min: Double?
    @Option("the largest value accepted") var max: Double?
    @Option("check this experiment's mean over its runs instead of the last evaluation") var experiment: String?
    @Option("check the last evaluation with this label (with experiment=: each run's last with this label)") var label: String?
    @Option("check only on this data (\"synthetic\": the built-in generator; else the path loaded): bounds hold for the data they were measured on")
    var data: String?

    func validate() throws {
        if min == nil, max == nil { throw CommandFailure("'expect' needs min= or max= (or both)", help: "expect \(metric) min=0.1 max=0.3") }
        if let lo = min, let hi = max, lo > hi { throw $max.failure("max=\(Value.format(hi)) is below min=\(Value.format(lo))") }
    }

    func run(_ context: CommandContext) throws -> Value {
        guard let m = RankingMetric(metric) else { throw $metric.failure("unknown metric '\(metric)'") }
        if let data, !context.session.loaded(data) {
            context.console.print("expect \(m): not checked (the bounds are for data \"\(data)\"; this run loaded \(context.session.dataSource ?? "nothing"))")
            return .none
        }
        let measured: Double
        let source: String
        if let name = experiment {
            guard let e = context.interpreter.experiments.first(where: { $0.name == name }) else {
                let names = context.interpreter.experiments.map(\.name)
                throw $experiment.failure("no experiment named '\(name)'",
                                          help: closestMatch(to: name, in: names).map { "did you mean '\($0)'?" } ?? "experiments: \(names.joined(separator: ", "))")
            }
            let values = e.runs.compactMap { ExperimentResult.pick($0, m, label)?.shown(m) }
            guard !values.isEmpty else {
                throw $experiment.failure("experiment '\(name)' did not measure \(m)" + (label.map { " in an evaluation labelled '\($0)'" } ?? ""))
            }
            measured = Statistics.mean(values)
            source = "experiment '\(name)'" + (label.map { ", evaluations labelled '\($0)'" } ?? "")
                + " (mean of \(values.count) run\(values.count == 1 ? "" : "s"))"
        } else {
            let record = context.interpreter.evaluations.last { $0.metrics.contains(m) && (label == nil || $0.label == label) }
            guard let record, let value = record.shown(m) else {
                throw context.failure("no evaluation measured \(m)" + (label.map { " with label '\($0)'" } ?? ""), help: "evaluate \(m) first")
            }
            measured = value
            source = label.map { "the evaluation labelled '\($0)'" } ?? "the last evaluation"
        }
        let f = context.session.format
        let bounds = [min.map { "min \(f($0))" }, max.map { "max \(f($0))" }].compactMap { $0 }.joined(separator: ", ")
        let below = min.map { measured < $0 } ?? false
        let above = max.map { measured > $0 } ?? false
        guard measured.isFinite, !below, !above else {
            throw context.failure("expected \(m) within \(bounds); \(source) measured \(f(measured))",
                                  help: "the recipe's results changed: check the data, seed and settings, or update the bounds")
        }
        context.console.print("expect \(m): \(f(measured)) within \(bounds) (\(source))")
        return .float(measured)
    }
}
