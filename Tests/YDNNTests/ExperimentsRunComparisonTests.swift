import XCTest
import YDNN

/// The comparison over training runs, on cases small enough to check by hand
/// (reference values from scipy.stats 1.17: ttest_rel, ttest_ind(equal_var=False),
/// nct).
final class ExperimentsRunComparisonTests: XCTestCase {
    func testPairedTOverSeeds() {
        // Per-seed differences 0.03, 0.02, 0.01: mean 0.02, sd 0.01, SE 0.01/√3, t = 2√3, df 2.
        let a = RunSample(seeds: [1, 2, 3], means: [0.10, 0.12, 0.11])
        let b = RunSample(seeds: [1, 2, 3], means: [0.13, 0.14, 0.12])
        let r = Statistics.compareRuns(a, b, power: nil)
        XCTAssertEqual(r.design, .paired)
        XCTAssertEqual(r.method, "paired t over 3 seeds")
        XCTAssertEqual(r.delta, 0.02, accuracy: 1e-12)
        XCTAssertEqual(r.degreesOfFreedom, 2)
        XCTAssertEqual(r.differenceStandardDeviation!, 0.01, accuracy: 1e-12)
        XCTAssertEqual(r.standardError!, 0.01 / 3.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(r.tStatistic!, 3.4641016151377544, accuracy: 1e-9)
        // df = 2 has a closed form: P(|T| > t) = 1 - t / √(2 + t²) = 1 - √(12/14).
        XCTAssertEqual(r.pValue!, 0.07417990022744855, accuracy: 1e-9)
        XCTAssertEqual(r.ciLow!, 0.02 - 4.302652729911275 * 0.01 / 3.0.squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(r.ciHigh!, 0.02 + 4.302652729911275 * 0.01 / 3.0.squareRoot(), accuracy: 1e-9)
        XCTAssertTrue(r.isMeaningful)
        XCTAssertNil(r.power)
        XCTAssertEqual(r.runStandardDeviationA!, 0.01, accuracy: 1e-12)
        XCTAssertNil(r.userStandardErrorA, "no per-user values given")

        // Pairing is by seed, not by position.
        let shuffled = RunSample(seeds: [3, 1, 2], means: [0.12, 0.13, 0.14])
        let s = Statistics.compareRuns(a, shuffled, power: nil)
        XCTAssertEqual(s.design, .paired)
        XCTAssertEqual(s.pValue!, r.pValue!, accuracy: 1e-12)
        // Swapping the arms flips delta and the interval, not the evidence.
        let back = Statistics.compareRuns(b, a, power: nil)
        XCTAssertEqual(back.delta, -r.delta, accuracy: 1e-15)
        XCTAssertEqual(back.ciHigh!, -r.ciLow!, accuracy: 1e-12)
        XCTAssertEqual(back.pValue!, r.pValue!, accuracy: 1e-12)
    }

    func testWelchWhenSeedsDiffer() {
        // A: 1, 2, 3, 4 (variance 5/3); B: 2, 4, 6 (variance 4); delta 1.5.
        let a = RunSample(seeds: [1, 2, 3, 4], means: [1, 2, 3, 4])
        let b = RunSample(seeds: [11, 12, 13], means: [2, 4, 6])
        let r = Statistics.compareRuns(a, b, power: nil)
        XCTAssertEqual(r.design, .welch)
        XCTAssertEqual(r.method, "Welch t over runs (4 vs 3)")
        XCTAssertEqual(r.delta, 1.5, accuracy: 1e-12)
        XCTAssertEqual(r.standardError!, 1.75.squareRoot(), accuracy: 1e-12)
        // (5/12 + 4/3)² / ((5/12)²/3 + (4/3)²/2).
        XCTAssertEqual(r.degreesOfFreedom!, 3.234718826405868, accuracy: 1e-9)
        XCTAssertEqual(r.tStatistic!, 1.1338934190276817, accuracy: 1e-9)
        XCTAssertEqual(r.pValue!, 0.33382370007750106, accuracy: 1e-8)
        XCTAssertNil(r.differenceStandardDeviation)
        XCTAssertTrue(r.isMeaningful)

        // Sharing some seeds is not enough to pair; repeating a seed is not either.
        XCTAssertEqual(Statistics.compareRuns(RunSample(seeds: [1, 2, 3], means: [1, 2, 3]),
                                              RunSample(seeds: [1, 2, 4], means: [1, 2, 3]), power: nil).design, .welch)
        XCTAssertEqual(Statistics.compareRuns(RunSample(seeds: [1, 1, 2], means: [1, 2, 3]),
                                              RunSample(seeds: [1, 2, 1], means: [1, 2, 3]), power: nil).design, .welch)
    }

    func testTooFewRunsGiveNoTestAndFewAreFlagged() {
        let one = Statistics.compareRuns(RunSample(seeds: [1], means: [0.2]), RunSample(seeds: [1], means: [0.3]))
        XCTAssertEqual(one.design, .insufficient)
        XCTAssertEqual(one.method, "no test: 1 seed pair (needs at least 2)")
        XCTAssertNil(one.pValue); XCTAssertNil(one.ciLow); XCTAssertNil(one.power); XCTAssertNil(one.degreesOfFreedom)
        XCTAssertEqual(one.delta, 0.1, accuracy: 1e-12, "the difference is still reported")
        XCTAssertFalse(one.isMeaningful)

        let lopsided = Statistics.compareRuns(RunSample(seeds: [1], means: [0.2]), RunSample(seeds: [5, 6, 7], means: [0.3, 0.3, 0.4]))
        XCTAssertEqual(lopsided.design, .insufficient)
        XCTAssertEqual(lopsided.method, "no test: 1 run vs 3 (needs at least 2 each)")

        // Two runs: a valid test, but flagged as below minimumRunsForTest.
        XCTAssertEqual(Statistics.minimumRunsForTest, 3)
        let two = Statistics.compareRuns(RunSample(seeds: [1, 2], means: [0.2, 0.22]), RunSample(seeds: [1, 2], means: [0.25, 0.26]))
        XCTAssertEqual(two.design, .paired)
        XCTAssertNotNil(two.pValue)
        XCTAssertFalse(two.isMeaningful)

        // A run that could not measure the metric (NaN) is dropped with its seed.
        let nan = Statistics.compareRuns(RunSample(seeds: [1, 2, 3], means: [0.1, .nan, 0.2]),
                                         RunSample(seeds: [1, 3], means: [0.2, 0.3]), power: nil)
        XCTAssertEqual(nan.design, .paired)
        XCTAssertEqual(nan.runsA, 2)
        XCTAssertEqual(nan.delta, 0.1, accuracy: 1e-12)
    }

    func testNoSpreadMeansCertainty() {
        // Differences exactly 0.25 (binary fractions: no rounding spread).
        let r = Statistics.compareRuns(RunSample(seeds: [1, 2, 3], means: [0.25, 0.5, 0.75]),
                                       RunSample(seeds: [1, 2, 3], means: [0.5, 0.75, 1.0]))
        XCTAssertEqual(r.standardError, 0)
        XCTAssertEqual(r.pValue, 0)
        XCTAssertEqual(r.power?.mde ?? -1, 0, accuracy: 1e-12)
        XCTAssertEqual(r.power?.runsNeeded, 2)
        let same = Statistics.compareRuns(RunSample(seeds: [1, 2], means: [0.1, 0.2]), RunSample(seeds: [1, 2], means: [0.1, 0.2]))
        XCTAssertEqual(same.pValue, 1)
        XCTAssertNil(same.power?.runsNeeded, "no difference is never detected")
        XCTAssertEqual(same.power?.runsNeededDescription, ">1000")
    }

    func testUserLevelStandardErrorFromPerUserValues() {
        // Run 1: users 0, 1 → mean 0.5, sd √0.5, SE 0.5. Run 2: 0, 0, 1, 1 → SE √(1/3)/2.
        // A NaN user (undefined metric) is left out.
        let a = RunSample(seeds: [1, 2], perUser: [[0, 1, .nan], [0, 0, 1, 1]])
        XCTAssertEqual(a.means, [0.5, 0.5])
        XCTAssertEqual(a.userStandardErrors![0], 0.5, accuracy: 1e-12)
        XCTAssertEqual(a.userStandardErrors![1], (1.0 / 3).squareRoot() / 2, accuracy: 1e-12)
        let r = Statistics.compareRuns(a, RunSample(seeds: [1, 2], perUser: [[1, 1], [0, 1]]), power: nil)
        XCTAssertEqual(r.userStandardErrorA!, (0.5 + (1.0 / 3).squareRoot() / 2) / 2, accuracy: 1e-12)
        // Arm B: run 1 has sd 0 (SE 0), run 2 has SE 0.5: mean 0.25.
        XCTAssertEqual(r.userStandardErrorB!, 0.25, accuracy: 1e-12)
    }

    func testPowerOfTheTTestMatchesNoncentralT() {
        // Under no effect the power is the level itself.
        for df in [1.0, 2, 4, 9, 50] {
            XCTAssertEqual(Statistics.tTestPower(noncentrality: 0, degreesOfFreedom: df), 0.05, accuracy: 1e-6, "df \(df)")
        }
        // scipy: nct.sf(c, df, δ) + nct.cdf(-c, df, δ).
        let known: [(df: Double, delta: Double, power: Double)] = [
            (4, 3.7174, 0.7913404631080528), (2, 5.3633, 0.7662694692695726), (9, 2.0, 0.4313263147198325),
            (1, 3.0, 0.18613206160658757), (30.5, 2.5, 0.6775088263029709)]
        for k in known {
            XCTAssertEqual(Statistics.tTestPower(noncentrality: k.delta, degreesOfFreedom: k.df), k.power, accuracy: 1e-5, "df \(k.df)")
            XCTAssertEqual(Statistics.tTestPower(noncentrality: -k.delta, degreesOfFreedom: k.df), k.power, accuracy: 1e-5, "symmetric")
        }
        // The δ with 80% power (scipy brentq), in units of the standard error.
        let mde: [(df: Double, delta: Double)] = [(2, 5.653489266197129), (4, 3.7610595538250178),
                                                  (9, 3.149632886450901), (29, 2.898742846324863)]
        for k in mde {
            XCTAssertEqual(Statistics.minimumDetectableEffect(standardError: 1, degreesOfFreedom: k.df), k.delta, accuracy: 1e-4)
            XCTAssertEqual(Statistics.minimumDetectableEffect(standardError: 0.01, degreesOfFreedom: k.df), k.delta * 0.01, accuracy: 1e-6)
        }
    }

    func testPowerAnalysisOfAComparison() throws {
        // Paired differences 0, 1, 2: mean 1, sd 1. With n pairs the noncentrality
        // is √n and df n - 1; scipy gives power 0.748 at n = 9 and 0.803 at n = 10.
        let a = RunSample(seeds: [1, 2, 3], means: [0, 0, 0])
        let b = RunSample(seeds: [1, 2, 3], means: [0, 1, 2])
        let r = Statistics.compareRuns(a, b)
        let p = try XCTUnwrap(r.power)
        XCTAssertEqual(p.alpha, 0.05, accuracy: 1e-12)
        XCTAssertEqual(p.power, 0.8)
        XCTAssertEqual(p.runsNeeded, 10)
        XCTAssertEqual(p.runsNeededDescription, "10")
        XCTAssertEqual(p.mde, 5.653489266197129 / 3.0.squareRoot(), accuracy: 1e-4, "δ(df 2) · SE")

        // Welch planning: variances 1 and 4, delta 2, n runs in each arm
        // (df (n-1)·25/17); scipy: power 0.791 at n = 11, 0.829 at n = 12.
        let w = Statistics.compareRuns(RunSample(seeds: [1, 2, 3], means: [-1, 0, 1]),
                                       RunSample(seeds: [4, 5, 6], means: [0, 2, 4]))
        XCTAssertEqual(w.design, .welch)
        XCTAssertEqual(w.power?.runsNeeded, 12)

        // Beyond the cap: reported as ">cap".
        let tiny = Statistics.compareRuns(a, RunSample(seeds: [1, 2, 3], means: [0.001, -0.5, 0.5]), runsNeededCap: 50)
        XCTAssertNil(tiny.power?.runsNeeded)
        XCTAssertEqual(tiny.power?.runsNeededDescription, ">50")
    }

    func testRunSampleFromEvaluations() throws {
        // Two runs of one experiment: hr@1 per user 1, 0 and 1, 1.
        let runs = [RankingEvaluation(ranks: [0, 3], metrics: [.hitRate(1)], excludedSeen: false),
                    RankingEvaluation(ranks: [0, 0], metrics: [.hitRate(1)], excludedSeen: false)]
        let s = try XCTUnwrap(RunSample(seeds: [7, 8], evaluations: runs, metric: .hitRate(1)))
        XCTAssertEqual(s.seeds, [7, 8])
        XCTAssertEqual(s.means, [0.5, 1])
        XCTAssertEqual(s.userStandardErrors![0], 0.5, accuracy: 1e-12)
        XCTAssertEqual(s.userStandardErrors![1], 0)
        XCTAssertNil(RunSample(seeds: [7, 8], evaluations: runs, metric: .mrr), "not measured")
    }

    func testWelchDegreesOfFreedom() {
        // Equal variances and counts: 2n - 2.
        XCTAssertEqual(Statistics.welchDegreesOfFreedom(varianceA: 2, countA: 5, varianceB: 2, countB: 5), 8, accuracy: 1e-12)
        // One arm without spread: the other arm's n - 1.
        XCTAssertEqual(Statistics.welchDegreesOfFreedom(varianceA: 0, countA: 5, varianceB: 3, countB: 4), 3, accuracy: 1e-12)
        XCTAssertEqual(Statistics.welchDegreesOfFreedom(varianceA: 0, countA: 5, varianceB: 0, countB: 4), 7)
    }
}
