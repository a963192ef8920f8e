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
    let targets = test.labels.map(Int.init)
    // The pad / <unk> item 0 is never a candidate; with exclude_seen neither are the user's clicks.
    let seen: [[Int]] = test.users.map { u in
        excludeSeen ? [0] + samples.seenItems[Int(u)].map(Int.init) : [0]
    }
    let users = try userVectorSet(model, test)
    let items = try itemVectorSet(model)

    let ranks: [Int?]
    if inv.string("via") == "index" {
        guard let (index, version) = interp.workspace.index else {
            throw inv.failure("there is no index", at: "via", help: "build one first: index hnsw")
        }
        guard version == interp.workspace.modelVersion else {
            throw inv.failure("the index was built before the model last changed", at: "via", help: "run 'index' again")
        }
        let k = metrics.map { m -> Int in
            switch m { case .hitRate(let k), .ndcg(let k): return k; case .mrr: return 100 }
        }.max() ?? 10
        let lists = index.searchBatch(users, k: k, excluding: seen, threads: interp.threads, progress: nil)
        ranks = TargetRanking.ranks(rankedLists: lists.map { $0.map(\.item) }, targets: targets)
    } else {
        ranks = TargetRanking.ranks(users: users, items: items, targets: targets, seen: seen, threads: interp.threads).map { Optional($0) }
    }
    let modelEval = RankingEvaluation(ranks: ranks, metrics: metrics, excludedSeen: excludeSeen)
    let popular = PopularityRanker(itemCounts: samples.itemCounts)
    let baseEval = RankingEvaluation(ranks: popular.ranks(targets: targets, seen: seen).map { Optional($0) },
                                     metrics: metrics, excludedSeen: excludeSeen)
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
    inv.console.print(table.render())
    fields.append(("users", .integer(test.count)))
    fields.append(("baseline", .record(metrics.enumerated().map { ($1.description, .float(baseEval.means[$0])) })))
    return .record(fields)
}
