import Foundation
import YDNN

/// `evaluate`: leave-last-out ranking metrics for the model, always beside the
/// most-popular baseline on the same users.
let evaluateCommand = CommandSpec(
    "evaluate", topic: .retrieval, "HR@K, NDCG@K and MRR of the held-out clicks, beside the most-popular baseline",
    rest: Param("metric", .metric(["hr", "ndcg", "mrr"]), required: true, "a metric: hr@K, ndcg@K or mrr"),
    options: [Param("exclude_seen", .bool, default: .symbol("off"), "leave the user's training clicks out of the ranking"),
              Param("via", .choice(["exact", "index"]), default: .symbol("exact"), "rank every item exactly, or through the built index")],
    examples: ["evaluate hr@10 hr@50 ndcg@10", "let r = evaluate hr@50 exclude_seen=on\nprint $r.hr@50"],
    handler: evaluate)

/// What the last `evaluate` measured, per user, for experiments to compare.
public struct EvaluationRecord {
    public let metrics: [RankingMetric]
    public let model: RankingEvaluation
    public let baseline: RankingEvaluation
}

private func evaluate(_ inv: Invocation) throws -> Value {
    let (model, samples) = try servingState(inv)
    let interp = inv.interpreter
    let metrics: [RankingMetric] = inv.rest.compactMap { v in
        guard case .metric(let m) = v else { return nil }
        return RankingMetric(name: m.description)
    }
    let excludeSeen = inv.bool("exclude_seen")
    let test = samples.test
    guard test.count > 0 else { throw inv.failure("there are no test users", help: "use split holdout=last") }
    let users = try userVectorSet(model, test)
    let items = try itemVectorSet(model)
    var index: VectorIndex?
    if inv.string("via") == "index" {
        guard let (built, version) = interp.workspace.index else {
            throw inv.failure("there is no index", at: "via", help: "build one first: index hnsw")
        }
        guard version == interp.workspace.modelVersion else {
            throw inv.failure("the index was built before the model last changed", at: "via", help: "run 'index' again")
        }
        index = built
    }
    // The pad / <unk> item 0 is never a candidate; with exclude_seen neither are the user's clicks.
    let report = RankingEvaluation.leaveLastOut(
        users: users, items: items, targets: test.labels.map(Int.init),
        seen: test.users.map { samples.seenItems[Int($0)].map(Int.init) },
        itemCounts: samples.itemCounts, metrics: metrics, excludeSeen: excludeSeen, never: [0],
        index: index, threads: interp.threads)
    let (modelEval, baseEval) = (report.model, report.popular)
    let record = EvaluationRecord(metrics: metrics, model: modelEval, baseline: baseEval)
    interp.workspace.lastEvaluation = record
    if let e = interp.workspace.activeExperiment { e.runs[e.runs.count - 1].append(record) }

    let skipped = samples.report.unknownTestTargets
    let how = inv.string("via") == "index" ? "through the \(interp.workspace.index!.index.kind) index" : "all \(items.count - 1) items ranked exactly"
    inv.console.print("evaluate: \(test.count) users, \(how), seen items \(excludeSeen ? "excluded" : "not excluded")"
                      + (skipped > 0 ? "; \(skipped) users whose target is outside the vocabulary are not counted" : ""))
    var table = TextTable(["metric", "model", "most-popular"])
    var fields: [(String, Value)] = []
    for (i, m) in metrics.enumerated() {
        table.add([m.description, interp.formatMetric(modelEval.means[i]), interp.formatMetric(baseEval.means[i])])
        fields.append((m.description, .float(modelEval.means[i])))
    }
    inv.console.table(table)
    fields.append(("users", .integer(test.count)))
    fields.append(("baseline", .record(metrics.enumerated().map { ($1.description, .float(baseEval.means[$0])) })))
    return .record(fields)
}
