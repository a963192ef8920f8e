import YDNN

/// What evaluations and experiments leave in a session, for `compare`, `plot`,
/// reports and runs.jsonl.

/// What the last `evaluate` measured, per user, for experiments to compare.
public struct EvaluationRecord {
    public let metrics: [RankingMetric]
    public let model: RankingEvaluation
    public let baseline: RankingEvaluation
}

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
