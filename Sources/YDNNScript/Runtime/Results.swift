import YDNN

/// What evaluations and experiments leave in a session, for `compare`, `plot`,
/// reports and runs.jsonl.

/// What the last `evaluate` measured, per user, for experiments to compare.
public struct EvaluationRecord {
    /// `evaluate ... label="name"`, so `compare label=` can pick it.
    public let label: String?
    public let metrics: [RankingMetric]
    public let model: RankingEvaluation
    public let baseline: RankingEvaluation
    /// age@K as shown: days per unit of the log's time (1 for logs without times).
    public let ageScale: Double

    /// The model's mean of `metric` as `evaluate` printed it (ages in days).
    public func shown(_ metric: RankingMetric) -> Double? {
        model.mean(metric).map { metric.family == .age ? $0 * ageScale : $0 }
    }
}

/// What one `experiment` recorded: per run (seed), every `evaluate` in its body.
public final class ExperimentResult {
    public let name: String
    public internal(set) var seeds: [UInt64] = []
    public internal(set) var runs: [[EvaluationRecord]] = []
    /// Loss per batch of each run's model.
    public internal(set) var lossHistories: [[Double]] = []

    init(name: String) { self.name = name }

    /// Each run's last evaluation that measured `metric` (with `label`, that one).
    func evaluations(of metric: RankingMetric, label: String? = nil) -> [RankingEvaluation] {
        runs.compactMap { run in run.last(where: { $0.metrics.contains(metric) && (label == nil || $0.label == label) })?.model }
    }

    /// The labels of the evaluations this experiment ran (nil entries: unlabelled).
    var labels: [String] { Array(Set(runs.flatMap { $0.compactMap(\.label) })).sorted() }

    /// The metrics of the last evaluation of the first run, in the order asked for.
    var metrics: [RankingMetric] { runs.first?.last?.metrics ?? [] }

    /// Per run, the mean of `metric`.
    func perRun(_ metric: RankingMetric, label: String? = nil) -> [Double] {
        evaluations(of: metric, label: label).compactMap { $0.mean(metric) }
    }

    /// The runs that measured `metric` (with `label`), as the comparison over runs takes them.
    func runSample(_ metric: RankingMetric, label: String? = nil) -> RunSample? {
        var seeds: [UInt64] = []
        var evaluations: [RankingEvaluation] = []
        for (seed, run) in zip(self.seeds, runs) {
            guard let e = run.last(where: { $0.metrics.contains(metric) && (label == nil || $0.label == label) }) else { continue }
            seeds.append(seed)
            evaluations.append(e.model)
        }
        guard !evaluations.isEmpty else { return nil }
        return RunSample(seeds: seeds, evaluations: evaluations, metric: metric)
    }
}

extension RunSample {
    /// The user-level standard error within a run, averaged over the runs.
    var meanUserStandardError: Double? {
        guard let e = userStandardErrors, !e.isEmpty else { return nil }
        return Statistics.mean(e)
    }
}
