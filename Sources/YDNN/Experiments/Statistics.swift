import Foundation

/// The statistics behind `experiment ... repeat=N` and `compare`: summaries of a
/// metric over seeds (mean, sample standard deviation, a Student-t confidence
/// interval) and tests, so a reader can tell a real difference between two
/// models from noise.
///
/// Which test: two configurations are compared with the training run as the
/// unit, `compareRuns` (RunComparison.swift: paired t over seeds or Welch t,
/// with power). The tests over users below (`pairedTest` and its parts) treat
/// users of one trained model as independent evidence, which they are not: a
/// seed moves them all at once, and in 220 A/A comparisons they rejected at
/// 0.05 in 13-20% of cases instead of 5%. Use them for differences within one
/// trained model (e.g. two rankings of the same vectors), not between
/// configurations. Intervals of rates, exact binomial intervals and the Holm
/// adjustment live in Intervals.swift; the distributions in Distributions.swift.
///
/// Everything random here draws from `RNG(seed:stream:)`, so the same inputs and
/// seed give the same p-value and interval on every machine.
public enum Statistics {

    // MARK: - Summaries

    /// The arithmetic mean, accumulated in Double; 0 for no values.
    public static func mean(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return 0 }
        var s = 0.0
        for x in xs { s += x }
        return s / Double(xs.count)
    }

    /// The sample standard deviation (divisor n - 1); 0 for fewer than two values,
    /// where it is not defined (callers show the interval as absent instead).
    public static func standardDeviation(_ xs: [Double]) -> Double {
        guard xs.count > 1 else { return 0 }
        let m = mean(xs)
        var ss = 0.0
        for x in xs { ss += (x - m) * (x - m) }  // two-pass: no cancellation
        return (ss / Double(xs.count - 1)).squareRoot()
    }

    /// Mean, standard deviation and a confidence interval of the mean of `xs`
    /// (mean ± t(1 - α/2, n - 1) · s / √n). With fewer than two values the
    /// interval is nil: one run says nothing about the spread.
    public static func summarize(_ xs: [Double], level: Double = 0.95) -> SampleSummary {
        let n = xs.count, m = mean(xs), s = standardDeviation(xs)
        var half: Double? = nil
        if n > 1 {
            let t = studentTQuantile(0.5 + level / 2, degreesOfFreedom: Double(n - 1))
            half = t * s / Double(n).squareRoot()
        }
        return SampleSummary(n: n, mean: m, standardDeviation: s, halfWidth: half, level: level)
    }

    // MARK: - Student t

    /// The p-quantile of Student's t with `df` degrees of freedom (p in (0, 1)),
    /// found by inverting the exact CDF (regularized incomplete beta) with
    /// bisection: slow by numeric standards (~100 CDF calls) but exact to ~1e-10,
    /// and it is called once per summary.
    public static func studentTQuantile(_ p: Double, degreesOfFreedom df: Double) -> Double {
        precondition(p > 0 && p < 1 && df > 0, "studentTQuantile needs 0 < p < 1 and df > 0")
        if p == 0.5 { return 0 }
        if p < 0.5 { return -studentTQuantile(1 - p, degreesOfFreedom: df) }
        var lo = 0.0, hi = 1.0
        while studentTCDF(hi, degreesOfFreedom: df) < p { lo = hi; hi *= 2; if hi > 1e12 { return hi } }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if studentTCDF(mid, degreesOfFreedom: df) < p { lo = mid } else { hi = mid }
            if hi - lo <= 1e-12 * max(1, hi) { break }
        }
        return (lo + hi) / 2
    }

    /// P(T ≤ t) for Student's t: 1 - I_x(df/2, 1/2)/2 with x = df/(df + t²) for t ≥ 0.
    public static func studentTCDF(_ t: Double, degreesOfFreedom df: Double) -> Double {
        let x = df / (df + t * t)
        let tail = 0.5 * regularizedIncompleteBeta(x, a: df / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// I_x(a, b) by its continued fraction (modified Lentz), using the symmetry
    /// I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges slowly.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let logFront = logGammas + logPowers
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(1 - x, a: b, b: a) / b
    }

    private static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...500 {
            let m = Double(m), m2 = 2 * m
            // Even step: d_{2m} = m(b - m)x / ((a + 2m - 1)(a + 2m)).
            let evenDen: Double = (a + m2 - 1) * (a + m2)
            var num: Double = m * (b - m) * x / evenDen
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d; h *= d * c
            // Odd step: d_{2m+1} = -(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)).
            let oddDen: Double = (a + m2) * (a + m2 + 1)
            num = -(a + m) * (a + b + m) * x / oddDen
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }

    // MARK: - Paired tests over users

    /// Compares two models on the same users: `a[i]` and `b[i]` are user i's
    /// metric under each (e.g. hit@50 as 0/1). The difference is `a - b`.
    /// Between two trained configurations use `compareRuns` instead: this test
    /// ignores seed-to-seed variance (see the type's notes).
    ///
    /// The p-value comes from a sign-flip permutation test (under "no effect" each
    /// user's difference is as likely to have either sign); when 2^n ≤ resamples
    /// every sign pattern is enumerated, so the p-value is exact. The interval is
    /// the percentile interval of a paired bootstrap of the mean difference.
    public static func pairedTest(_ a: [Double], _ b: [Double], resamples: Int = 10_000,
                                  level: Double = 0.95, seed: UInt64 = 0) throws -> PairedTestResult {
        let perm = try pairedPermutationTest(a, b, resamples: resamples, seed: seed)
        let boot = try pairedBootstrap(a, b, resamples: resamples, level: level, seed: seed)
        return PairedTestResult(n: perm.n, meanDifference: perm.meanDifference,
                                ciLow: boot.ciLow, ciHigh: boot.ciHigh, level: level,
                                pValue: perm.pValue, resamples: perm.resamples, method: .permutationWithBootstrapCI)
    }

    /// Sign-flip permutation test of mean(a - b) = 0, two-sided. The p-value
    /// counts the observed statistic itself ((count + 1) / (R + 1)), so it is
    /// never 0 and the test keeps its level. The CI fields hold the bootstrap
    /// interval only in `pairedTest`; here they are the observed mean.
    public static func pairedPermutationTest(_ a: [Double], _ b: [Double], resamples: Int = 10_000,
                                             seed: UInt64 = 0) throws -> PairedTestResult {
        let d = try differences(a, b)
        let n = d.count
        let observed = mean(d)
        guard n > 0, resamples > 0 else {
            return PairedTestResult(n: n, meanDifference: observed, ciLow: observed, ciHigh: observed,
                                    level: 0, pValue: 1, resamples: 0, method: .permutation)
        }
        var total = 0.0
        for x in d { total += x }
        // Compare sums rather than means, with a relative tolerance so patterns
        // that tie with the observed statistic count as "at least as extreme"
        // despite rounding.
        let threshold = abs(total) * (1 - 1e-12) - 1e-12
        var extreme = 0, draws = 0
        d.withUnsafeBufferPointer { dp in
            if n < 63, (1 << n) <= resamples {
                // Exact: every one of the 2^n sign patterns once.
                for pattern in 0..<(1 << n) {
                    var s = 0.0
                    for i in 0..<n { s += (pattern >> i) & 1 == 1 ? -dp[i] : dp[i] }
                    if abs(s) >= threshold { extreme += 1 }
                }
                draws = 1 << n
            } else {
                var rng = RNG(seed: seed, stream: "paired-permutation")
                for _ in 0..<resamples {
                    var s = 0.0, i = 0
                    while i < n {
                        var bits = rng.next()  // 64 signs per draw
                        let end = min(n, i + 64)
                        while i < end {
                            // Branch-free: (1 - 2·bit)·d_i.
                            s += Double(1 - 2 * Int(bits & 1)) * dp[i]
                            bits >>= 1; i += 1
                        }
                    }
                    if abs(s) >= threshold { extreme += 1 }
                }
                draws = resamples
            }
        }
        // The exact enumeration includes the observed pattern itself; the Monte
        // Carlo estimate adds it (the standard (k + 1) / (R + 1) correction).
        let p = n < 63 && (1 << n) <= resamples
            ? Double(extreme) / Double(draws)
            : Double(extreme + 1) / Double(draws + 1)
        return PairedTestResult(n: n, meanDifference: observed, ciLow: observed, ciHigh: observed,
                                level: 0, pValue: min(1, p), resamples: draws, method: .permutation)
    }

    /// Paired bootstrap: resample users with replacement, recompute mean(a - b).
    /// The interval is the percentile interval of those means; the p-value is the
    /// two-sided bootstrap test of zero difference (the resampled means centred on
    /// the observed one, as the null distribution).
    public static func pairedBootstrap(_ a: [Double], _ b: [Double], resamples: Int = 10_000,
                                       level: Double = 0.95, seed: UInt64 = 0) throws -> PairedTestResult {
        let d = try differences(a, b)
        let n = d.count
        let observed = mean(d)
        guard n > 0, resamples > 0 else {
            return PairedTestResult(n: n, meanDifference: observed, ciLow: observed, ciHigh: observed,
                                    level: level, pValue: 1, resamples: 0, method: .bootstrap)
        }
        var rng = RNG(seed: seed, stream: "paired-bootstrap")
        var means = [Double](repeating: 0, count: resamples)
        d.withUnsafeBufferPointer { dp in
            for r in 0..<resamples {
                var s = 0.0
                for _ in 0..<n { s += dp[rng.nextInt(below: n)] }
                means[r] = s / Double(n)
            }
        }
        let tol = 1e-12 * max(1, abs(observed))
        var extreme = 0
        for m in means where abs(m - observed) >= abs(observed) - tol { extreme += 1 }
        means.sort()
        let alpha = (1 - level) / 2
        return PairedTestResult(n: n, meanDifference: observed,
                                ciLow: quantileSorted(means, alpha), ciHigh: quantileSorted(means, 1 - alpha),
                                level: level, pValue: min(1, Double(extreme + 1) / Double(resamples + 1)),
                                resamples: resamples, method: .bootstrap)
    }

    /// The q-quantile of sorted values, linearly interpolated between order
    /// statistics (the "type 7" definition most tools default to).
    public static func quantileSorted(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let h = Double(sorted.count - 1) * min(1, max(0, q))
        let lo = Int(h.rounded(.down)), hi = min(sorted.count - 1, lo + 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// Per-user differences a - b. Users with a non-finite value on either side
    /// (a metric that could not be computed) are left out, and `n` says how many
    /// remained.
    private static func differences(_ a: [Double], _ b: [Double]) throws -> [Double] {
        guard a.count == b.count else { throw StatisticsError.unpaired(a.count, b.count) }
        var d: [Double] = []
        d.reserveCapacity(a.count)
        for i in 0..<a.count where a[i].isFinite && b[i].isFinite { d.append(a[i] - b[i]) }
        return d
    }

    /// The mean over runs of each user's value: `runs[r][u]` is user u's metric in
    /// run (seed) r. With `repeat=N`, compare per-user means across seeds so the
    /// paired test sees the model's variation, not one seed's luck.
    public static func meanPerIndex(_ runs: [[Double]]) throws -> [Double] {
        guard let first = runs.first else { return [] }
        var sum = [Double](repeating: 0, count: first.count)
        for run in runs {
            guard run.count == first.count else { throw StatisticsError.unpaired(first.count, run.count) }
            for i in 0..<run.count { sum[i] += run[i] }
        }
        return sum.map { $0 / Double(runs.count) }
    }
}

public enum StatisticsError: Error, CustomStringConvertible, Equatable {
    /// The two sides of a paired comparison cover different numbers of users.
    case unpaired(Int, Int)
    public var description: String {
        switch self {
        case .unpaired(let a, let b):
            return "a paired test needs the same users on both sides (\(a) vs \(b) values): were both evaluated on the same data?"
        }
    }
}

/// A metric over repeated runs: mean, spread and a confidence interval of the mean.
public struct SampleSummary: Sendable, Equatable {
    public var n: Int
    public var mean: Double
    /// Sample standard deviation (n - 1); 0 when n < 2.
    public var standardDeviation: Double
    /// Half the width of the confidence interval; nil when n < 2.
    public var halfWidth: Double?
    /// The confidence level, e.g. 0.95.
    public var level: Double

    public var ciLow: Double? { halfWidth.map { mean - $0 } }
    public var ciHigh: Double? { halfWidth.map { mean + $0 } }

    public init(n: Int, mean: Double, standardDeviation: Double, halfWidth: Double?, level: Double) {
        self.n = n; self.mean = mean; self.standardDeviation = standardDeviation
        self.halfWidth = halfWidth; self.level = level
    }
}

/// The outcome of a paired comparison of two models over the same users.
public struct PairedTestResult: Sendable, Equatable {
    public enum Method: String, Sendable { case permutation, bootstrap, permutationWithBootstrapCI }
    /// Users compared.
    public var n: Int
    /// mean(a - b).
    public var meanDifference: Double
    /// Confidence interval of the mean difference (bootstrap percentile).
    public var ciLow: Double
    public var ciHigh: Double
    public var level: Double
    /// Two-sided p-value of "no difference".
    public var pValue: Double
    /// Resamples actually drawn (2^n when the permutation test was exact).
    public var resamples: Int
    public var method: Method
}
