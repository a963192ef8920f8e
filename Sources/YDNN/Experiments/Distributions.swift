import Foundation

/// The distributions the run-level tests and the rate intervals need, beside
/// the Student t of `Statistics.swift`: the normal, the beta (for exact binomial
/// intervals), the binomial itself, and the power of a two-sided t test (the
/// noncentral t). All are deterministic and exact to far better than the
/// precision anyone reads off a report (~1e-8 or better).
extension Statistics {

    // MARK: - Normal

    /// Φ(x), the standard normal CDF, through `erfc` so the lower tail keeps
    /// its relative precision.
    public static func normalCDF(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// The p-quantile of the standard normal (p in (0, 1)), by bisection on Φ:
    /// plain and exact to ~1e-12, and only ever called a few times per report.
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "normalQuantile needs 0 < p < 1")
        if p == 0.5 { return 0 }
        if p < 0.5 { return -normalQuantile(1 - p) }
        var lo = 0.0, hi = 1.0
        while normalCDF(hi) < p { lo = hi; hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if normalCDF(mid) < p { lo = mid } else { hi = mid }
            if hi - lo <= 1e-13 * max(1, hi) { break }
        }
        return (lo + hi) / 2
    }

    // MARK: - Student t, two-sided

    /// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom. Computed as
    /// I_x(df/2, 1/2) with x = df/(df + t²) directly rather than as 1 - CDF,
    /// so tiny p-values are not lost to cancellation.
    public static func twoSidedTPValue(_ t: Double, degreesOfFreedom df: Double) -> Double {
        precondition(df > 0, "twoSidedTPValue needs df > 0")
        guard t.isFinite else { return t.isNaN ? .nan : 0 }
        return min(1, regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5))
    }

    /// The power of a two-sided level-`alpha` t test whose statistic is
    /// noncentral t with `df` degrees of freedom and noncentrality δ (the true
    /// effect divided by the standard error):
    ///
    ///     P(|T'| > c),  T' = (Z + δ) / √(V/df),  V ~ χ²(df),  c = t(1 - α/2, df)
    ///   = E_U[ Φ(δ - c·U/√df) + Φ(-δ - c·U/√df) ],  U = √V ~ χ(df).
    ///
    /// The expectation is a one-dimensional integral over the chi density,
    /// done with Simpson's rule on a grid fine enough for the steepest Φ term.
    /// Exact for the paired t test with normal run-level differences; for
    /// Welch it is the usual approximation (df treated as known).
    public static func tTestPower(noncentrality delta: Double, degreesOfFreedom df: Double, alpha: Double = 0.05) -> Double {
        precondition(df > 0 && alpha > 0 && alpha < 1, "tTestPower needs df > 0 and 0 < alpha < 1")
        let c = studentTQuantile(1 - alpha / 2, degreesOfFreedom: df)
        return tTestPower(noncentrality: delta, degreesOfFreedom: df, criticalValue: c)
    }

    /// `tTestPower` with the critical value already known (the search for a
    /// minimal detectable effect calls this many times at one df).
    static func tTestPower(noncentrality delta: Double, degreesOfFreedom df: Double, criticalValue c: Double) -> Double {
        let d = abs(delta)
        if !d.isFinite { return 1 }
        // The chi(df) density, in logs: u^(df-1) e^(-u²/2) / (2^(df/2-1) Γ(df/2)).
        let logNorm = (df / 2 - 1) * log(2.0) + lgamma(df / 2)
        func density(_ u: Double) -> Double {
            if u <= 0 { return df == 1 ? exp(-logNorm) : 0 }
            return exp((df - 1) * log(u) - u * u / 2 - logNorm)
        }
        // χ(df) has mean ≈ √(df - 1/2) and sd ≤ 0.76: ±10 covers it to ~1e-20.
        let centre = max(0, df - 0.5).squareRoot()
        let lo = max(0, centre - 10), hi = centre + 10
        // Φ(δ - c·u/√df) turns from 1 to 0 over a width ~√df / c in u: sample it
        // at least ~20 times across that width.
        let scale = df.squareRoot() / max(c, 1e-9)
        var steps = Int(((hi - lo) / min(0.05, scale / 20)).rounded(.up))
        steps = min(20_000, max(200, steps + steps % 2))
        let h = (hi - lo) / Double(steps)
        var sum = 0.0
        for i in 0...steps {
            let u = lo + Double(i) * h
            let shift = c * u / df.squareRoot()
            let g = (normalCDF(d - shift) + normalCDF(-d - shift)) * density(u)
            sum += g * (i == 0 || i == steps ? 1 : (i % 2 == 1 ? 4 : 2))
        }
        return min(1, max(0, sum * h / 3))
    }

    // MARK: - Beta and binomial

    /// The p-quantile of the Beta(a, b) distribution, by bisection on the
    /// regularized incomplete beta (used for Clopper–Pearson intervals).
    public static func betaQuantile(_ p: Double, a: Double, b: Double) -> Double {
        precondition(p >= 0 && p <= 1 && a > 0 && b > 0, "betaQuantile needs 0 <= p <= 1 and a, b > 0")
        if p == 0 { return 0 }
        if p == 1 { return 1 }
        var lo = 0.0, hi = 1.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if regularizedIncompleteBeta(mid, a: a, b: b) < p { lo = mid } else { hi = mid }
            if hi - lo <= 1e-15 { break }
        }
        return (lo + hi) / 2
    }

    /// P(X = k) for X ~ Binomial(n, p), through log-gamma so large n is fine.
    public static func binomialProbability(_ k: Int, trials n: Int, probability p: Double) -> Double {
        guard k >= 0, k <= n else { return 0 }
        if p <= 0 { return k == 0 ? 1 : 0 }
        if p >= 1 { return k == n ? 1 : 0 }
        let logChoose = lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
        return exp(logChoose + Double(k) * log(p) + Double(n - k) * log(1 - p))
    }

    /// The central `level` range of Binomial(n, p): the largest `lo` and the
    /// smallest `hi` with P(X < lo) ≤ (1 - level)/2 and P(X > hi) ≤ (1 - level)/2,
    /// so P(lo ≤ X ≤ hi) ≥ level.
    ///
    /// This is the acceptance region a calibration check needs: a test run
    /// `n` times at a true rejection rate `p` (5% for a level-0.05 test under
    /// no effect, 80% at the minimal detectable effect) should reject a number
    /// of times inside it, except with probability at most 1 - level.
    public static func binomialAcceptanceRange(trials n: Int, probability p: Double, level: Double = 0.99) -> ClosedRange<Int> {
        precondition(n >= 0 && p >= 0 && p <= 1 && level > 0 && level < 1, "binomialAcceptanceRange needs n >= 0, p in [0, 1], level in (0, 1)")
        let tail = (1 - level) / 2
        let pmf = (0...n).map { binomialProbability($0, trials: n, probability: p) }
        var lo = 0, below = 0.0
        while lo < n, below + pmf[lo] <= tail { below += pmf[lo]; lo += 1 }
        var hi = n, above = 0.0
        while hi > lo, above + pmf[hi] <= tail { above += pmf[hi]; hi -= 1 }
        return lo...hi
    }
}
