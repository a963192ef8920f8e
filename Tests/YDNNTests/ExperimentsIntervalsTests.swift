import XCTest
import YDNN

/// Intervals of rates, binomial ranges and the Holm adjustment (reference values
/// from scipy.stats 1.17 and the closed-form Wilson formula).
final class ExperimentsIntervalsTests: XCTestCase {
    func testNormalQuantileAndCDF() {
        XCTAssertEqual(Statistics.normalQuantile(0.975), 1.959963984540054, accuracy: 1e-9)
        XCTAssertEqual(Statistics.normalQuantile(0.995), 2.5758293035489004, accuracy: 1e-9)
        XCTAssertEqual(Statistics.normalQuantile(0.025), -1.959963984540054, accuracy: 1e-9)
        XCTAssertEqual(Statistics.normalQuantile(0.5), 0)
        XCTAssertEqual(Statistics.normalCDF(0), 0.5, accuracy: 1e-15)
        XCTAssertEqual(Statistics.normalCDF(-1.959963984540054), 0.025, accuracy: 1e-12)
    }

    func testTwoSidedTPValue() {
        // df = 1 (Cauchy): P(|T| > 1) = 1/2. df = 2: 1 - t/√(2 + t²).
        XCTAssertEqual(Statistics.twoSidedTPValue(1, degreesOfFreedom: 1), 0.5, accuracy: 1e-12)
        XCTAssertEqual(Statistics.twoSidedTPValue(-2, degreesOfFreedom: 2), 1 - 2 / 6.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(Statistics.twoSidedTPValue(0, degreesOfFreedom: 5), 1)
        // Far tails keep their precision (1 - CDF would round to 0).
        XCTAssertGreaterThan(Statistics.twoSidedTPValue(60, degreesOfFreedom: 30), 0)
        XCTAssertLessThan(Statistics.twoSidedTPValue(60, degreesOfFreedom: 30), 1e-30)
    }

    func testRateIntervalsAreClipped() {
        // Three runs near 1: mean ± t·s/√3 passes 1.
        let s = Statistics.summarize([0.98, 1.0, 0.99])
        XCTAssertGreaterThan(s.ciHigh!, 1)
        let clipped = Statistics.rateInterval([0.98, 1.0, 0.99])!
        XCTAssertEqual(clipped.high, 1)
        XCTAssertEqual(clipped.low, s.ciLow!, accuracy: 1e-15)
        XCTAssertEqual(clipped.level, 0.95)
        XCTAssertNil(Statistics.rateInterval([0.5]))
        XCTAssertEqual(ConfidenceInterval(low: -0.2, high: 0.1, level: 0.9).clipped(), ConfidenceInterval(low: 0, high: 0.1, level: 0.9))
        XCTAssertEqual(ConfidenceInterval(low: 90, high: 120, level: 0.9).clipped(to: 0...100).high, 100)
        XCTAssertEqual(s.interval(clippedTo: 0...1), clipped)
        XCTAssertTrue(clipped.contains(0.99))
    }

    func testWilsonInterval() throws {
        // 3 rejections in 60: p̂ = 0.05.
        let w = try XCTUnwrap(Statistics.wilsonInterval(successes: 3, trials: 60))
        XCTAssertEqual(w.low, 0.017149502164395675, accuracy: 1e-9)
        XCTAssertEqual(w.high, 0.1370051647634852, accuracy: 1e-9)
        let w99 = try XCTUnwrap(Statistics.wilsonInterval(successes: 3, trials: 60, level: 0.99))
        XCTAssertEqual(w99.low, 0.0127259907723027, accuracy: 1e-9)
        XCTAssertEqual(w99.high, 0.1768878188907197, accuracy: 1e-9)
        // At the ends it does not collapse: 0 of 20 still allows up to ~16%.
        let zero = try XCTUnwrap(Statistics.wilsonInterval(successes: 0, trials: 20))
        XCTAssertEqual(zero.low, 0)
        XCTAssertEqual(zero.high, 1.959963984540054 * 1.959963984540054 / (20 + 1.959963984540054 * 1.959963984540054), accuracy: 1e-9)
        XCTAssertEqual(Statistics.wilsonInterval(successes: 20, trials: 20)?.high, 1)
        XCTAssertNil(Statistics.wilsonInterval(successes: 0, trials: 0))
    }

    func testClopperPearsonInterval() throws {
        // scipy: beta.ppf(α/2, k, n-k+1), beta.ppf(1-α/2, k+1, n-k).
        let cp = try XCTUnwrap(Statistics.clopperPearsonInterval(successes: 3, trials: 60))
        XCTAssertEqual(cp.low, 0.010432329644348228, accuracy: 1e-9)
        XCTAssertEqual(cp.high, 0.13924324672107277, accuracy: 1e-9)
        let cp99 = try XCTUnwrap(Statistics.clopperPearsonInterval(successes: 3, trials: 60, level: 0.99))
        XCTAssertEqual(cp99.low, 0.0057107243743085255, accuracy: 1e-9)
        XCTAssertEqual(cp99.high, 0.17118538904120492, accuracy: 1e-9)
        // 0 of 10: [0, 1 - 0.025^(1/10)].
        let zero = try XCTUnwrap(Statistics.clopperPearsonInterval(successes: 0, trials: 10))
        XCTAssertEqual(zero.low, 0)
        XCTAssertEqual(zero.high, 1 - pow(0.025, 0.1), accuracy: 1e-9)
        XCTAssertEqual(Statistics.clopperPearsonInterval(successes: 10, trials: 10)?.high, 1)
        // Exact intervals are at least as wide as Wilson's here.
        let w = try XCTUnwrap(Statistics.wilsonInterval(successes: 3, trials: 60))
        XCTAssertLessThan(cp.low, w.low)
    }

    func testBinomialProbabilitiesAndAcceptanceRange() {
        XCTAssertEqual(Statistics.binomialProbability(3, trials: 10, probability: 0.3), 0.2668279319999998, accuracy: 1e-12)
        XCTAssertEqual(Statistics.binomialProbability(0, trials: 4, probability: 0), 1)
        XCTAssertEqual(Statistics.binomialProbability(11, trials: 10, probability: 0.3), 0)
        // scipy binom.ppf(0.005, n, p) and binom.isf(0.005, n, p).
        XCTAssertEqual(Statistics.binomialAcceptanceRange(trials: 1000, probability: 0.05, level: 0.99), 33...69)
        XCTAssertEqual(Statistics.binomialAcceptanceRange(trials: 2000, probability: 0.8, level: 0.99), 1553...1645)
        XCTAssertEqual(Statistics.binomialAcceptanceRange(trials: 100, probability: 0.05, level: 0.99), 0...11)
    }

    func testBetaQuantileInvertsTheIncompleteBeta() {
        // Beta(1, 1) is uniform; Beta(2, 1) has CDF x², so the median is √0.5.
        XCTAssertEqual(Statistics.betaQuantile(0.3, a: 1, b: 1), 0.3, accuracy: 1e-12)
        XCTAssertEqual(Statistics.betaQuantile(0.5, a: 2, b: 1), 0.5.squareRoot(), accuracy: 1e-12)
    }

    func testHolmBonferroni() {
        // m = 4 tested: sorted 0.005, 0.01, 0.03, 0.04 → 0.02, 0.03, 0.06, max(0.04, 0.06).
        let adjusted = Statistics.holmAdjusted([0.01, 0.04, 0.03, nil, 0.005])
        let expected: [Double?] = [0.03, 0.06, 0.06, nil, 0.02]
        XCTAssertEqual(adjusted.count, expected.count)
        for (x, e) in zip(adjusted, expected) {
            if let e { XCTAssertEqual(x!, e, accuracy: 1e-15) } else { XCTAssertNil(x) }
        }
        // Capped at 1 and monotone.
        let capped = Statistics.holmAdjusted([0.6, 0.5]).map { $0! }
        XCTAssertEqual(capped, [1, 1])
        XCTAssertEqual(Statistics.holmAdjusted([0.2]).first!, 0.2)
        XCTAssertEqual(Statistics.holmAdjusted([]).count, 0)
        XCTAssertEqual(Statistics.holmAdjusted([nil, .nan]).compactMap { $0 }.count, 0, "NaN passes through as nil")
        // Ties: both get 2 · p.
        XCTAssertEqual(Statistics.holmAdjusted([0.02, 0.02]).map { $0! }, [0.04, 0.04])
    }
}
