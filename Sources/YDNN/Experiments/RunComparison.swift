import Foundation

// Comparisons whose unit is the training run (seed).
//
// Why not users: every user's metric in one run comes from the same trained
// model, so a lucky or unlucky seed moves many users at once. A test over users
// treats that shared shift as if it were thousands of independent pieces of
// evidence; in 220 A/A comparisons the user-level permutation test rejected
// 13-20% of the time at 0.05. Over runs, each trained model is one observation,
// and the seed-to-seed variance is exactly what the test sees.

/// One arm of a comparison over training runs: what each run (seed) measured.
public struct RunSample: Sendable, Equatable {
    /// The seed of each run: the key that pairs two arms' runs.
    public let seeds: [UInt64]
    /// Each run's metric (its mean over the test users).
    public let means: [Double]
    /// Each run's standard error of that mean over users (sd / √users), when
    /// per-user values were given; nil otherwise.
    public let userStandardErrors: [Double]?

    /// From per-run means, optionally with each run's user-level standard error.
    public init(seeds: [UInt64], means: [Double], userStandardErrors: [Double]? = nil) {
        precondition(seeds.count == means.count, "one seed per run mean")
        precondition(userStandardErrors == nil || userStandardErrors!.count == means.count, "one user-level standard error per run")
        self.seeds = seeds; self.means = means; self.userStandardErrors = userStandardErrors
    }

    /// From per-run per-user values (`perUser[r][u]`: user u in run r). Each
    /// run's mean and standard error are over its finite values: a user whose
    /// metric is undefined (NaN, e.g. a head user for tailhr@K) is left out.
    public init(seeds: [UInt64], perUser: [[Double]]) {
        precondition(seeds.count == perUser.count, "one seed per run")
        var means: [Double] = [], errors: [Double] = []
        for run in perUser {
            let finite = run.filter(\.isFinite)
            means.append(finite.isEmpty ? .nan : Statistics.mean(finite))
            errors.append(finite.count > 1 ? Statistics.standardDeviation(finite) / Double(finite.count).squareRoot() : .nan)
        }
        self.init(seeds: seeds, means: means, userStandardErrors: errors)
    }

    /// From one `RankingEvaluation` per run (seed) of an experiment: the runs'
    /// means of `metric`, with the user-level standard errors when the metric
    /// has per-user values (not for the corpus-level coverage@K). Nil when a
    /// run did not measure `metric`.
    public init?(seeds: [UInt64], evaluations: [RankingEvaluation], metric: RankingMetric) {
        precondition(seeds.count == evaluations.count, "one seed per evaluation")
        if metric.family.isCorpusLevel {
            let means = evaluations.compactMap { $0.mean(metric) }
            guard means.count == evaluations.count else { return nil }
            self.init(seeds: seeds, means: means)
        } else {
            let values = evaluations.compactMap { $0.values(metric) }
            guard values.count == evaluations.count else { return nil }
            self.init(seeds: seeds, perUser: values)
        }
    }

    /// The runs whose mean is finite (a run that could not measure the metric
    /// is no evidence either way).
    var finiteRuns: [(seed: UInt64, mean: Double, userSE: Double?)] {
        (0..<means.count).compactMap { r in
            means[r].isFinite ? (seeds[r], means[r], userStandardErrors?[r]) : nil
        }
    }
}

/// How far a comparison over runs could see: the smallest true difference it
/// would detect most of the time, and how many runs the observed one needs.
///
/// Both come from the exact power of the two-sided t test (noncentral t, see
/// `Statistics.tTestPower`), taking the observed run-to-run variance as the
/// truth. The familiar shortcut mde ≈ (t(1-α/2, df) + t(power, df)) · SE is a
/// little optimistic with few runs (at df = 4 it gives 79% power instead of
/// 80%, at df = 2 77%), which is where experiments with 3-5 seeds live.
public struct PowerAnalysis: Sendable, Equatable {
    /// Two-sided significance level (1 - the confidence level).
    public let alpha: Double
    /// The target probability of detecting the effect, e.g. 0.8.
    public let power: Double
    /// The minimal detectable effect: the true |delta| this design detects with
    /// probability `power` at level `alpha`, with this many runs.
    public let minimumDetectableEffect: Double
    /// Runs per arm (paired: seed pairs) for `power` against the observed
    /// |delta|; nil when more than `runsNeededCap` would be needed (or the
    /// observed delta is 0).
    public let runsNeeded: Int?
    /// The largest number of runs the search tries.
    public let runsNeededCap: Int

    /// Short name for `minimumDetectableEffect`.
    public var mde: Double { minimumDetectableEffect }
    /// `runsNeeded` as a report shows it: "12" or ">1000".
    public var runsNeededDescription: String { runsNeeded.map(String.init) ?? ">\(runsNeededCap)" }
}

/// The outcome of `Statistics.compareRuns`: B against A with the run as the unit.
public struct RunComparison: Sendable, Equatable {
    public enum Design: String, Sendable {
        /// Both arms ran the same seeds: one difference per seed, t over those.
        case paired
        /// Different seeds: Welch's unequal-variance t with Welch–Satterthwaite df.
        case welch
        /// Fewer than two runs in an arm (paired: fewer than two pairs): no test.
        case insufficient
    }

    public let design: Design
    /// For a report: "paired t over 5 seeds", "Welch t over runs (3 vs 4)",
    /// "no test: 1 run vs 3 (needs at least 2 each)".
    public let method: String
    /// Finite runs used from each arm.
    public let runsA: Int
    public let runsB: Int
    public let meanA: Double
    public let meanB: Double
    /// mean(B) - mean(A) (for the paired design this is also the mean of the
    /// per-seed differences).
    public let delta: Double
    /// Standard error of `delta`; nil without a test.
    public let standardError: Double?
    /// Degrees of freedom: pairs - 1, or Welch–Satterthwaite; nil without a test.
    public let degreesOfFreedom: Double?
    public let tStatistic: Double?
    /// Two-sided p-value of "no difference"; nil without a test.
    public let pValue: Double?
    /// Confidence level of the interval, e.g. 0.95.
    public let level: Double
    /// Student-t interval of `delta`; nil without a test.
    public let ciLow: Double?
    public let ciHigh: Double?
    /// Run-to-run standard deviation of each arm's run means (nil below 2 runs).
    public let runStandardDeviationA: Double?
    public let runStandardDeviationB: Double?
    /// Paired design: the standard deviation of the per-seed differences.
    public let differenceStandardDeviation: Double?
    /// The standard error of one run's mean over its users, averaged over the
    /// arm's runs (nil when no per-user values were given). Compare it with the
    /// run-to-run SD: when the SD is much larger, seed variance dominates and
    /// more test users will not help; more runs will.
    public let userStandardErrorA: Double?
    public let userStandardErrorB: Double?
    /// False when an arm has fewer than `Statistics.minimumRunsForTest` runs:
    /// a t test over two runs is valid but has almost no power, and its
    /// variance estimate rests on one degree of freedom.
    public let isMeaningful: Bool
    /// Nil without a test or when `compareRuns` was asked for no power analysis.
    public let power: PowerAnalysis?
}

extension Statistics {
    /// Below this many runs per arm a comparison is flagged "not meaningful".
    public static let minimumRunsForTest = 3

    /// Compares arm B with arm A, each a set of training runs.
    ///
    /// - When both arms ran exactly the same seeds (each once), runs are paired
    ///   by seed and the test is a paired t over the per-seed differences
    ///   (df = pairs - 1): a seed's shared luck (initialisation, shuffling) then
    ///   cancels. Otherwise it is Welch's t with Welch–Satterthwaite df.
    /// - Runs with a non-finite mean are left out (with their seed).
    /// - `level` sets the interval and α = 1 - level for the power analysis;
    ///   `power: nil` skips that analysis (it costs a few milliseconds, which
    ///   matters only in simulations that call this thousands of times).
    public static func compareRuns(_ a: RunSample, _ b: RunSample, level: Double = 0.95,
                                   power: Double? = 0.8, runsNeededCap: Int = 1000) -> RunComparison {
        precondition(level > 0 && level < 1, "level must be in (0, 1)")
        let ra = a.finiteRuns, rb = b.finiteRuns
        let xa = ra.map(\.mean), xb = rb.map(\.mean)
        let meanA = mean(xa), meanB = mean(xb)
        let sdA = xa.count > 1 ? standardDeviation(xa) : nil
        let sdB = xb.count > 1 ? standardDeviation(xb) : nil
        let userSE = { (runs: [(seed: UInt64, mean: Double, userSE: Double?)]) -> Double? in
            let v = runs.compactMap(\.userSE).filter(\.isFinite)
            return v.isEmpty ? nil : mean(v)
        }

        // Pair by seed only when the seed sets agree exactly and no seed repeats.
        let seedsA = ra.map(\.seed), seedsB = rb.map(\.seed)
        let pairable = Set(seedsA).count == seedsA.count && Set(seedsB).count == seedsB.count
            && Set(seedsA) == Set(seedsB)
        var design: RunComparison.Design = pairable ? .paired : .welch
        var se: Double? = nil, df: Double? = nil, sdDiff: Double? = nil
        var delta = meanB - meanA
        var runsNeeded: ((Int) -> (se: Double, df: Double))? = nil

        if pairable {
            let bBySeed = Dictionary(uniqueKeysWithValues: rb.map { ($0.seed, $0.mean) })
            let d = ra.map { bBySeed[$0.seed]! - $0.mean }
            delta = mean(d)
            if d.count >= 2 {
                let s = standardDeviation(d)
                sdDiff = s
                se = s / Double(d.count).squareRoot()
                df = Double(d.count - 1)
                runsNeeded = { n in (s / Double(n).squareRoot(), Double(n - 1)) }
            } else {
                design = .insufficient
            }
        } else if xa.count >= 2, xb.count >= 2, let sa = sdA, let sb = sdB {
            let va = sa * sa, vb = sb * sb
            se = (va / Double(xa.count) + vb / Double(xb.count)).squareRoot()
            df = welchDegreesOfFreedom(varianceA: va, countA: xa.count, varianceB: vb, countB: xb.count)
            // Planning assumes n runs in each arm with the observed variances.
            runsNeeded = { n in
                ((va / Double(n) + vb / Double(n)).squareRoot(),
                 welchDegreesOfFreedom(varianceA: va, countA: n, varianceB: vb, countB: n))
            }
        } else {
            design = .insufficient
        }

        let method: String
        switch design {
        case .paired: method = "paired t over \(xa.count) seeds"
        case .welch: method = "Welch t over runs (\(xa.count) vs \(xb.count))"
        case .insufficient:
            method = pairable
                ? "no test: \(xa.count) seed pair\(xa.count == 1 ? "" : "s") (needs at least 2)"
                : "no test: \(xa.count) run\(xa.count == 1 ? "" : "s") vs \(xb.count) (needs at least 2 each)"
        }

        var t: Double? = nil, p: Double? = nil, lo: Double? = nil, hi: Double? = nil
        var analysis: PowerAnalysis? = nil
        if let se, let df {
            let q = studentTQuantile(0.5 + level / 2, degreesOfFreedom: df)
            lo = delta - q * se; hi = delta + q * se
            if se > 0 {
                t = delta / se
                p = twoSidedTPValue(delta / se, degreesOfFreedom: df)
            } else {
                // No spread at all: any difference is certain, none is nothing.
                t = delta == 0 ? 0 : (delta > 0 ? .infinity : -.infinity)
                p = delta == 0 ? 1 : 0
            }
            if let power, let plan = runsNeeded {
                analysis = powerAnalysis(delta: delta, standardError: se, degreesOfFreedom: df, alpha: 1 - level,
                                         power: power, cap: runsNeededCap, plan: plan)
            }
        }
        let meaningful = design != .insufficient && min(xa.count, xb.count) >= minimumRunsForTest
        return RunComparison(design: design, method: method, runsA: xa.count, runsB: xb.count,
                             meanA: meanA, meanB: meanB, delta: delta, standardError: se, degreesOfFreedom: df,
                             tStatistic: t, pValue: p, level: level, ciLow: lo, ciHigh: hi,
                             runStandardDeviationA: sdA, runStandardDeviationB: sdB, differenceStandardDeviation: sdDiff,
                             userStandardErrorA: userSE(ra), userStandardErrorB: userSE(rb),
                             isMeaningful: meaningful, power: analysis)
    }

    /// The Welch–Satterthwaite degrees of freedom of s²_a/n_a + s²_b/n_b:
    /// (va/na + vb/nb)² / ((va/na)²/(na-1) + (vb/nb)²/(nb-1)). When both
    /// variances are 0 the ratio is undefined; the pooled na + nb - 2 is used.
    public static func welchDegreesOfFreedom(varianceA va: Double, countA na: Int,
                                             varianceB vb: Double, countB nb: Int) -> Double {
        precondition(na >= 2 && nb >= 2, "Welch's df needs at least two runs per arm")
        let wa = va / Double(na), wb = vb / Double(nb)
        let den = wa * wa / Double(na - 1) + wb * wb / Double(nb - 1)
        guard den > 0 else { return Double(na + nb - 2) }
        return (wa + wb) * (wa + wb) / den
    }

    /// The smallest true effect a two-sided level-`alpha` t test with this
    /// standard error and df detects with probability `power`: δ · SE, where δ
    /// solves `tTestPower(noncentrality: δ, ...) = power` (bisection).
    public static func minimumDetectableEffect(standardError se: Double, degreesOfFreedom df: Double,
                                               alpha: Double = 0.05, power: Double = 0.8) -> Double {
        precondition(power > alpha && power < 1, "power must lie between alpha and 1")
        guard se > 0 else { return 0 }
        let c = studentTQuantile(1 - alpha / 2, degreesOfFreedom: df)
        // The shortcut c + t(power) is a slight underestimate: start there and
        // double until the power is reached, then bisect.
        var lo = 0.0, hi = c + studentTQuantile(power, degreesOfFreedom: df)
        while tTestPower(noncentrality: hi, degreesOfFreedom: df, criticalValue: c) < power { lo = hi; hi *= 2 }
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            if tTestPower(noncentrality: mid, degreesOfFreedom: df, criticalValue: c) < power { lo = mid } else { hi = mid }
            if hi - lo <= 1e-7 * hi { break }
        }
        return hi * se
    }

    /// The power analysis of a comparison; `plan(n)` gives the standard error
    /// and df the same design would have with n runs per arm.
    static func powerAnalysis(delta: Double, standardError se: Double, degreesOfFreedom df: Double, alpha: Double,
                              power: Double, cap: Int, plan: (Int) -> (se: Double, df: Double)) -> PowerAnalysis {
        let mde = minimumDetectableEffect(standardError: se, degreesOfFreedom: df, alpha: alpha, power: power)
        func powerWith(_ n: Int) -> Double {
            let (s, d) = plan(n)
            guard s > 0 else { return delta == 0 ? alpha : 1 }
            return tTestPower(noncentrality: delta / s, degreesOfFreedom: d, alpha: alpha)
        }
        // Power grows with n: find the smallest n in 2...cap by bisection.
        var needed: Int? = nil
        if delta != 0, cap >= 2, powerWith(cap) >= power {
            var lo = 1, hi = cap  // powerWith(hi) >= power; lo is "not enough" (one run is never enough)
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if powerWith(mid) >= power { hi = mid } else { lo = mid }
            }
            needed = hi
        }
        return PowerAnalysis(alpha: alpha, power: power, minimumDetectableEffect: mde,
                             runsNeeded: needed, runsNeededCap: cap)
    }
}
