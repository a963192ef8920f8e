import Foundation
import YDNN

/// `evaluate`: leave-last-out ranking metrics for the model, always beside the
/// most-popular baseline on the same users.

/// `evaluate via=`: rank every item, or search the built index.
enum RankingSource: String, ChoiceArgument { case exact, index }

/// `evaluate unrankable=`: how a test user whose target cannot be ranked (outside
/// the vocabulary, never clicked in training) counts.
enum UnrankablePolicy: String, ChoiceArgument { case miss, skip }

/// `evaluate targets=`: all held-out clicks, or those on items with no (cold) or
/// some (warm) training click.
enum TargetSubset: String, ChoiceArgument { case all, cold, warm }

/// `evaluate candidates=`: what a target is ranked among.
enum CandidateSet: String, ChoiceArgument { case all, cold }

struct EvaluateCommand: ScriptCommand {
    static let name = "evaluate"
    static let topic = Topic.retrieval
    static let summary = "Ranking metrics of the held-out clicks (hr, ndcg, mrr, coverage, tailhr, popularity, age), beside the most-popular baseline"
    static let examples = ["evaluate hr@10 hr@50 ndcg@10", "evaluate hr@50 coverage@50 tailhr@50 popularity@50 age@10",
                           "let r = evaluate hr@50 exclude_seen=on label=\"final\"\nprint $r.hr@50"]
    @Rest("a metric: hr@K, ndcg@K, mrr, coverage@K, tailhr@K, popularity@K or age@K", required: true) var metric: [MetricName]
    @Option("leave the user's training clicks out of the ranking") var exclude_seen = false
    @Option("rank every item exactly, or through the built index") var via = RankingSource.exact
    @Option("users whose target cannot be ranked: counted as misses (the same denominator across ablations), or left out")
    var unrankable = UnrankablePolicy.miss
    @Option("a name for this evaluation, for compare label= and expect label=") var label: String?
    @Option("which held-out clicks: all, cold (their item has no training click; vocab items=all keeps such items in the catalogue) or warm")
    var targets = TargetSubset.all
    @Option("rank among every item, or (with targets=cold) among the cold items only: how well their features place them, apart from competing with warm items (DropoutNet's item cold-start protocol)")
    var candidates = CandidateSet.all

    func validate() throws {
        if candidates == .cold, targets != .cold {
            throw $candidates.failure("candidates=cold goes with targets=cold", help: "evaluate hr@50 targets=cold candidates=cold")
        }
    }

    func run(_ context: CommandContext) throws -> Value {
        let (model, samples) = try context.session.servingState()
        let session = context.session
        let metrics = metric.compactMap(RankingMetric.init)
        var test = samples.test
        guard test.count > 0 else { throw context.failure("there are no test users", help: "use split holdout=last") }
        // Targets outside the catalogue are neither cold nor warm: a subset leaves them out.
        var unrankableTargets = samples.report.unknownTestTargets
        var never = [0]
        if candidates == .cold { never += (1..<samples.itemCounts.count).filter { samples.itemCounts[$0] > 0 } }
        if targets != .all {
            test = test.gather(test.labels.indices.filter { (samples.itemCounts[Int(test.labels[$0])] == 0) == (targets == .cold) })
            unrankableTargets = 0
            guard test.count > 0 else {
                throw $targets.failure("no held-out click has a \(targets) target",
                                       help: targets == .cold ? "cold targets need vocab items=all and a split that leaves items out of training, e.g. split holdout=time cutoff=0.9" : nil)
            }
        }
        let users = try userVectorSet(model, test)
        let items = try itemVectorSet(model)
        var index: VectorIndex?
        if via == .index {
            guard session.index != nil else {
                throw $via.failure("there is no index", help: "build one first: index hnsw")
            }
            guard let current = session.currentIndex else {
                throw $via.failure("the index was built before the model last changed", help: "run 'index' again")
            }
            index = current
        }
        let needsTimes = metrics.contains { $0.family.needsClickTimes }
        // The pad / <unk> item 0 is never a candidate; with exclude_seen neither are the user's clicks.
        let report = try RankingEvaluation.leaveLastOut(
            users: users, items: items, targets: test.labels.map(Int.init),
            seen: test.users.map { samples.seenItems[Int($0)].map(Int.init) },
            itemCounts: samples.itemCounts, metrics: metrics, excludeSeen: exclude_seen, never: never,
            index: index, unrankableUsers: unrankableTargets, skipUnrankable: unrankable == .skip,
            firstClickTimes: needsTimes ? samples.items.firstClickTimes() : nil,
            servingTime: needsTimes ? samples.items.servingTime : nil,
            threads: session.settings.threads, token: .process)
        let (modelEval, baseEval) = (report.model, report.popular)
        let days = samples.items.secondsPerTimeUnit.map { $0 / 86_400 }
        let record = EvaluationRecord(label: label, metrics: metrics, model: modelEval, baseline: baseEval, ageScale: days ?? 1)
        context.session.lastEvaluation = record
        context.interpreter.evaluations.append(record)
        if let e = context.interpreter.activeExperiment { e.runs[e.runs.count - 1].append(record) }

        context.console.print(header(report, index: index, items: items.count))
        var table = TextTable(["metric", "model", "most-popular"])
        var fields: [(String, Value)] = []
        for (i, m) in metrics.enumerated() {
            let scale = m.family == .age ? (days ?? 1) : 1
            table.add([m.description + (m.family == .age ? (days == nil ? " (clicks)" : " (days)") : ""),
                       session.format(modelEval.means[i] * scale), session.format(baseEval.means[i] * scale)])
            fields.append((m.description, .float(modelEval.means[i] * scale)))
        }
        if needsTimes, let age = modelEval.meanTargetAge {
            let scale = days ?? 1
            table.add(["target age" + (days == nil ? " (clicks)" : " (days)"), session.format(age * scale), session.format(age * scale)])
            fields.append(("target_age", .float(age * scale)))
        }
        context.console.table(table)
        fields.append(("users", .integer(report.users)))
        fields.append(("unrankable", .integer(report.unrankableUsers)))
        fields.append(("baseline", .record(metrics.enumerated().map { ($1.description, .float(baseEval.means[$0])) })))
        return .record(fields)
    }

    /// Who was evaluated, how, and who could not be ranked.
    private func header(_ report: LeaveLastOutReport, index: VectorIndex?, items: Int) -> String {
        let how = index.map { "through the \($0.kind) index" } ?? (candidates == .cold ? "exactly" : "all \(items - 1) items ranked exactly")
        let subset = targets == .all ? "" : " with a \(targets) target (\(targets == .cold ? "no" : "some") training click on it)"
            + (candidates == .cold ? " ranked among the cold items only" : "")
        var line = "evaluate: \(report.users) users\(subset), \(how), seen items \(exclude_seen ? "excluded" : "not excluded")"
        let n = report.unrankableUsers
        if n > 0 {
            line += unrankable == .miss
                ? "; \(n) users could not be ranked (target outside the vocabulary) and count as misses"
                : "; \(n) users could not be ranked (target outside the vocabulary) and are left out (unrankable=skip)"
        }
        if metrics.contains(where: { $0.family == .tailhr }) {
            line += "; \(report.tailUsers) users have a target outside the head (the items making up half the training clicks)"
        }
        return line
    }

    private var metrics: [RankingMetric] { metric.compactMap(RankingMetric.init) }
}
