import Foundation

/// A confidence interval [low, high] at a confidence level (e.g. 0.95).
public struct ConfidenceInterval: Sendable, Equatable, CustomStringConvertible {
    public var low: Double
    public var high: Double
    public var level: Double

    public init(low: Double, high: Double, level: Double) {
        self.low = low; self.high = high; self.level = level
    }

    public func contains(_ x: Double) -> Bool { low <= x && x <= high }

    /// The interval intersected with `range`. A metric that is a rate (hr@K,
    /// ndcg@K, mrr, coverage@K) cannot leave [0, 1], but mean ± t·s/√n can,
    /// with few runs or a mean near an end; clipping keeps a report from
    /// printing an impossible bound. (The clipped interval is still the
    /// t interval's coverage, only with the impossible part removed.)
    public func clipped(to range: ClosedRange<Double> = 0...1) -> ConfidenceInterval {
        ConfidenceInterval(low: min(max(low, range.lowerBound), range.upperBound),
                           high: max(min(high, range.upperBound), range.lowerBound), level: level)
    }

    public var description: String { "[\(low), \(high)] (\(level * 100)%)" }
}

extension SampleSummary {
    /// The Student-t interval of the mean over runs; nil below two runs.
    public var interval: ConfidenceInterval? {
        halfWidth.map { ConfidenceInterval(low: mean - $0, high: mean + $0, level: level) }
    }

    /// The interval clipped to `range` (for rates: [0, 1]); nil below two runs.
    public func interval(clippedTo range: ClosedRange<Double>) -> ConfidenceInterval? {
        interval?.clipped(to: range)
    }
}

extension Statistics {
    /// The mean-over-runs interval of a metric that is a rate: the Student-t
    /// interval of `summarize(values, level:)`, clipped to [0, 1]. Nil below
    /// two values.
    public static func rateInterval(_ values: [Double], level: Double = 0.95) -> ConfidenceInterval? {
        summarize(values, level: level).interval(clippedTo: 0...1)
    }

    /// The Wilson score interval of a proportion: `successes` out of `trials`.
    ///
    /// Unlike p̂ ± z·√(p̂(1-p̂)/n) it never leaves [0, 1] and does not collapse
    /// to a point at 0 or n successes, which is exactly where an A/A
    /// false-positive rate lives (e.g. 3 rejections in 60). Nil for no trials.
    public static func wilsonInterval(successes k: Int, trials n: Int, level: Double = 0.95) -> ConfidenceInterval? {
        precondition(k >= 0 && k <= n && level > 0 && level < 1, "wilsonInterval needs 0 <= successes <= trials and level in (0, 1)")
        guard n > 0 else { return nil }
        let z = normalQuantile(0.5 + level / 2), nn = Double(n), p = Double(k) / nn
        let z2n = z * z / nn
        let centre = (p + z2n / 2) / (1 + z2n)
        let half = z / (1 + z2n) * (p * (1 - p) / nn + z2n / (4 * nn)).squareRoot()
        // Clamp away the rounding at k = 0 and k = n, where a bound is exactly 0 or 1.
        return ConfidenceInterval(low: k == 0 ? 0 : max(0, centre - half),
                                  high: k == n ? 1 : min(1, centre + half), level: level)
    }

    /// The exact (Clopper–Pearson) interval of a proportion: the beta quantiles
    /// B(α/2; k, n-k+1) and B(1-α/2; k+1, n-k). It guarantees at least `level`
    /// coverage for every true rate (so it is wider than Wilson's); use it
    /// when a claim like "this test's false-positive rate is below 8%" must
    /// hold whatever the rate. Nil for no trials.
    public static func clopperPearsonInterval(successes k: Int, trials n: Int, level: Double = 0.95) -> ConfidenceInterval? {
        precondition(k >= 0 && k <= n && level > 0 && level < 1, "clopperPearsonInterval needs 0 <= successes <= trials and level in (0, 1)")
        guard n > 0 else { return nil }
        let alpha = 1 - level
        let low = k == 0 ? 0 : betaQuantile(alpha / 2, a: Double(k), b: Double(n - k + 1))
        let high = k == n ? 1 : betaQuantile(1 - alpha / 2, a: Double(k + 1), b: Double(n - k))
        return ConfidenceInterval(low: low, high: high, level: level)
    }

    // MARK: - Multiple comparisons

    /// Holm–Bonferroni adjusted p-values, in the input order.
    ///
    /// With m tests sorted by p ascending, the i-th smallest (1-based) becomes
    /// max over j ≤ i of min(1, (m - j + 1) · p_(j)): step-down, so the
    /// adjusted values are monotone in the raw ones and never exceed 1.
    /// Rejecting where the adjusted p < α controls the chance of any false
    /// rejection among the m at α, whatever their dependence (the experiments
    /// of one `compare` share a baseline, so they are dependent).
    ///
    /// Nil entries (comparisons with no test, e.g. one run) pass through as
    /// nil and do not count towards m; so do NaN ones (as nil). Ties keep
    /// their input order.
    public static func holmAdjusted(_ pValues: [Double?]) -> [Double?] {
        let tested = pValues.indices.filter { pValues[$0].map { !$0.isNaN } ?? false }
            .sorted { (pValues[$0]!, $0) < (pValues[$1]!, $1) }
        let m = tested.count
        var out = [Double?](repeating: nil, count: pValues.count)
        var running = 0.0
        for (j, i) in tested.enumerated() {
            running = max(running, min(1, Double(m - j) * pValues[i]!))
            out[i] = running
        }
        return out
    }
}
