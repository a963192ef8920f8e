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
    /// Without a label, unlabelled evaluations come first (a labelled one is taken
    /// only when the run has no other), so labels never change an unlabelled compare.
    static func pick(_ run: [EvaluationRecord], _ metric: RankingMetric, _ label: String?) -> EvaluationRecord? {
        let measured = run.filter { $0.metrics.contains(metric) }
        if let label { return measured.last { $0.label == label } }
        return measured.last { $0.label == nil } ?? measured.last
    }

    /// The labels of the evaluations this experiment ran (nil entries: unlabelled).
    var labels: [String] { Array(Set(runs.flatMap { $0.compactMap(\.label) })).sorted() }

    /// Every metric the first run evaluated, in the order first asked for.
    var metrics: [RankingMetric] {
        var seen: [RankingMetric] = []
        for r in runs.first ?? [] { for m in r.metrics where !seen.contains(m) { seen.append(m) } }
        return seen
    }

    /// Per run, the mean of `metric`.
    /// Per run, the mean of `metric` as evaluate showed it (ages in days).
    func perRun(_ metric: RankingMetric, label: String? = nil) -> [Double] {
        runs.compactMap { Self.pick($0, metric, label)?.shown(metric) }
    }

    /// The runs that measured `metric` (with `label`), as the comparison over runs takes them.
    func runSample(_ metric: RankingMetric, label: String? = nil) -> RunSample? {
        var seeds: [UInt64] = []
        var evaluations: [RankingEvaluation] = []
        var scale = 1.0
        for (seed, run) in zip(self.seeds, runs) {
            guard let e = Self.pick(run, metric, label) else { continue }
            seeds.append(seed)
            evaluations.append(e.model)
            if metric.family == .age { scale = e.ageScale }
        }
        guard !evaluations.isEmpty, let s = RunSample(seeds: seeds, evaluations: evaluations, metric: metric) else { return nil }
        // In the units evaluate shows (ages in days).
        return scale == 1 ? s : RunSample(seeds: s.seeds, means: s.means.map { $0 * scale },
                                          userStandardErrors: s.userStandardErrors?.map { $0 * scale })
    }
}

extension RunSample {
    /// The user-level standard error within a run, averaged over the runs.
    var meanUserStandardError: Double? {
        guard let e = userStandardErrors, !e.isEmpty else { return nil }
        return Statistics.mean(e)
    }
}
