import Foundation
import YDNN

/// `evaluate`: leave-last-out ranking metrics for the model, always beside the
/// most-popular baseline on the same users.

/// `evaluate via=`: rank every item, or search the built index.
enum RankingSource: String, ChoiceArgument { case exact, index }

struct EvaluateCommand: ScriptCommand {
    static let name = "evaluate"
    static let topic = Topic.retrieval
    static let summary = "HR@K, NDCG@K and MRR of the held-out clicks, beside the most-popular baseline"
    static let examples = ["evaluate hr@10 hr@50 ndcg@10", "let r = evaluate hr@50 exclude_seen=on\nprint $r.hr@50"]
    @Rest("a metric: hr@K, ndcg@K or mrr", required: true) var metric: [MetricName]
    @Option("leave the user's training clicks out of the ranking") var exclude_seen = false
    @Option("rank every item exactly, or through the built index") var via = RankingSource.exact

    func run(_ context: CommandContext) throws -> Value {
        let (model, samples) = try context.session.servingState()
        let session = context.session
        let metrics = metric.compactMap(RankingMetric.init)
        let test = samples.test
        guard test.count > 0 else { throw context.failure("there are no test users", help: "use split holdout=last") }
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
        // The pad / <unk> item 0 is never a candidate; with exclude_seen neither are the user's clicks.
        let report = RankingEvaluation.leaveLastOut(
            users: users, items: items, targets: test.labels.map(Int.init),
            seen: test.users.map { samples.seenItems[Int($0)].map(Int.init) },
            itemCounts: samples.itemCounts, metrics: metrics, excludeSeen: exclude_seen, never: [0],
            index: index, threads: session.settings.threads)
        let (modelEval, baseEval) = (report.model, report.popular)
        let record = EvaluationRecord(metrics: metrics, model: modelEval, baseline: baseEval)
        context.session.lastEvaluation = record
        if let e = context.interpreter.activeExperiment { e.runs[e.runs.count - 1].append(record) }

        let skipped = samples.report.unknownTestTargets
        let how = index.map { "through the \($0.kind) index" } ?? "all \(items.count - 1) items ranked exactly"
        context.console.print("evaluate: \(test.count) users, \(how), seen items \(exclude_seen ? "excluded" : "not excluded")"
                              + (skipped > 0 ? "; \(skipped) users whose target is outside the vocabulary are not counted" : ""))
        var table = TextTable(["metric", "model", "most-popular"])
        var fields: [(String, Value)] = []
        for (i, m) in metrics.enumerated() {
            table.add([m.description, session.format(modelEval.means[i]), session.format(baseEval.means[i])])
            fields.append((m.description, .float(modelEval.means[i])))
        }
        context.console.table(table)
        fields.append(("users", .integer(test.count)))
        fields.append(("baseline", .record(metrics.enumerated().map { ($1.description, .float(baseEval.means[$0])) })))
        return .record(fields)
    }
}
