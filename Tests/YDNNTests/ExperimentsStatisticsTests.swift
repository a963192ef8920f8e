import XCTest
import YDNN

final class ExperimentsStatisticsTests: XCTestCase {
    func testMeanAndStandardDeviation() {
        XCTAssertEqual(Statistics.mean([1, 2, 3, 4]), 2.5)
        XCTAssertEqual(Statistics.mean([]), 0)
        // Sample sd of 2,4,4,4,5,5,7,9 is sqrt(32/7).
        XCTAssertEqual(Statistics.standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]), (32.0 / 7).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(Statistics.standardDeviation([3]), 0)
    }

    func testStudentTQuantilesMatchTables() {
        // Two-sided 95% critical values from any t table.
        let known: [(Double, Double)] = [(1, 12.706), (2, 4.303), (4, 2.776), (9, 2.262), (29, 2.045),
                                         (3, 3.182), (10, 2.228), (30, 2.042), (120, 1.980)]
        for (df, t) in known {
            XCTAssertEqual(Statistics.studentTQuantile(0.975, degreesOfFreedom: df), t, accuracy: 5e-4, "df \(df)")
        }
        XCTAssertEqual(Statistics.studentTQuantile(0.975, degreesOfFreedom: 1e7), 1.959964, accuracy: 1e-5)
        XCTAssertEqual(Statistics.studentTQuantile(0.995, degreesOfFreedom: 5), 4.032, accuracy: 5e-4)
        XCTAssertEqual(Statistics.studentTQuantile(0.025, degreesOfFreedom: 4), -2.776, accuracy: 5e-4)
        XCTAssertEqual(Statistics.studentTQuantile(0.5, degreesOfFreedom: 3), 0)
        // df = 1 is Cauchy: the CDF has a closed form.
        XCTAssertEqual(Statistics.studentTCDF(1, degreesOfFreedom: 1), 0.75, accuracy: 1e-12)
    }

    func testSummaryInterval() {
        let s = Statistics.summarize([0.20, 0.22, 0.21, 0.19, 0.23])
        XCTAssertEqual(s.n, 5)
        XCTAssertEqual(s.mean, 0.21, accuracy: 1e-12)
        let sd = Statistics.standardDeviation([0.20, 0.22, 0.21, 0.19, 0.23])
        XCTAssertEqual(s.halfWidth!, 2.776445 * sd / 5.0.squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(s.ciLow!, 0.21 - s.halfWidth!, accuracy: 1e-15)
        XCTAssertNil(Statistics.summarize([0.5]).halfWidth, "one run has no interval")
    }

    func testExactPermutationForSmallSamples() throws {
        // Five positive differences: only "all +" and "all −" are as extreme: 2/32.
        let r = try Statistics.pairedPermutationTest([1, 1, 1, 1, 1], [0, 0, 0, 0, 0], resamples: 1000)
        XCTAssertEqual(r.pValue, 2.0 / 32, accuracy: 1e-12)
        XCTAssertEqual(r.resamples, 32)
        XCTAssertEqual(r.meanDifference, 1)
        // No difference at all: every pattern ties, p = 1.
        XCTAssertEqual(try Statistics.pairedPermutationTest([1, 2, 3], [1, 2, 3]).pValue, 1)
    }

    func testKnownEffectIsDetected() throws {
        var rng = RNG(seed: 11)
        let n = 300
        var a = [Double](), b = [Double]()
        for _ in 0..<n {
            let base = Double(rng.nextGaussian())
            b.append(base)
            a.append(base + 0.3 + Double(rng.nextGaussian()))  // effect 0.3, noise sd 1
        }
        let r = try Statistics.pairedTest(a, b, resamples: 4000, seed: 1)
        XCTAssertLessThan(r.pValue, 0.01)
        XCTAssertGreaterThan(r.ciLow, 0, "interval excludes zero")
        XCTAssertLessThan(r.ciLow, 0.3); XCTAssertGreaterThan(r.ciHigh, 0.3)
        XCTAssertEqual(r.n, n)
        XCTAssertEqual(r.method, .permutationWithBootstrapCI)
        // Swapping the sides flips the sign but not the evidence.
        let s = try Statistics.pairedTest(b, a, resamples: 4000, seed: 1)
        XCTAssertEqual(s.meanDifference, -r.meanDifference, accuracy: 1e-12)
        XCTAssertLessThan(s.pValue, 0.01)
    }

    func testBinaryHitsWithAnEffect() throws {
        // hit@K per user: model A hits 40%, model B 25%, over 400 users.
        var rng = RNG(seed: 5)
        var a = [Double](), b = [Double]()
        for _ in 0..<400 {
            a.append(rng.nextDouble() < 0.40 ? 1 : 0)
            b.append(rng.nextDouble() < 0.25 ? 1 : 0)
        }
        XCTAssertLessThan(try Statistics.pairedPermutationTest(a, b, resamples: 2000, seed: 3).pValue, 0.01)
        XCTAssertLessThan(try Statistics.pairedBootstrap(a, b, resamples: 2000, seed: 3).pValue, 0.01)
    }

    /// Under no effect the test must reject about 5% of the time at 0.05: not
    /// much more (false discoveries) and not much less (no power).
    func testFalsePositiveRateNearNominal() throws {
        var rng = RNG(seed: 2024)
        let datasets = 200, n = 40
        var permRejects = 0, bootRejects = 0, covered = 0
        for k in 0..<datasets {
            var a = [Double](), b = [Double]()
            for _ in 0..<n {
                let user = Double(rng.nextGaussian())
                a.append(user + Double(rng.nextGaussian()))
                b.append(user + Double(rng.nextGaussian()))
            }
            let p = try Statistics.pairedPermutationTest(a, b, resamples: 500, seed: UInt64(k))
            if p.pValue < 0.05 { permRejects += 1 }
            let bs = try Statistics.pairedBootstrap(a, b, resamples: 500, seed: UInt64(k))
            if bs.pValue < 0.05 { bootRejects += 1 }
            if bs.ciLow <= 0 && 0 <= bs.ciHigh { covered += 1 }
        }
        let permRate = Double(permRejects) / Double(datasets)
        let bootRate = Double(bootRejects) / Double(datasets)
        XCTAssert((0.02...0.09).contains(permRate), "permutation false-positive rate \(permRate)")
        XCTAssert((0.02...0.10).contains(bootRate), "bootstrap false-positive rate \(bootRate)")
        XCTAssert((0.88...0.98).contains(Double(covered) / Double(datasets)), "CI coverage \(covered)/\(datasets)")
    }

    func testSameSeedSameResult() throws {
        var rng = RNG(seed: 9)
        let a = (0..<500).map { _ in rng.nextDouble() }, b = (0..<500).map { _ in rng.nextDouble() }
        let r1 = try Statistics.pairedTest(a, b, resamples: 1000, seed: 42)
        let r2 = try Statistics.pairedTest(a, b, resamples: 1000, seed: 42)
        XCTAssertEqual(r1, r2)
        let r3 = try Statistics.pairedTest(a, b, resamples: 1000, seed: 43)
        XCTAssertNotEqual(r1.ciLow, r3.ciLow, "a different seed draws different resamples")
    }

    func testUnpairedAndNonFiniteInputs() throws {
        XCTAssertThrowsError(try Statistics.pairedTest([1, 2], [1])) { error in
            XCTAssertEqual(error as? StatisticsError, .unpaired(2, 1))
        }
        // A user without a value on one side is left out, not allowed to poison the mean.
        let r = try Statistics.pairedPermutationTest([1, .nan, 3, 4], [0, 1, 2, 3], resamples: 100)
        XCTAssertEqual(r.n, 3)
        XCTAssertEqual(r.meanDifference, 1)
        XCTAssertEqual(try Statistics.meanPerIndex([[1, 2], [3, 4]]), [2, 3])
        XCTAssertThrowsError(try Statistics.meanPerIndex([[1, 2], [3]]))
    }

    func testQuantileInterpolates() {
        XCTAssertEqual(Statistics.quantileSorted([1, 2, 3, 4, 5], 0.5), 3)
        XCTAssertEqual(Statistics.quantileSorted([1, 2, 3, 4], 0.5), 2.5)
        XCTAssertEqual(Statistics.quantileSorted([1, 2], 0), 1)
        XCTAssertEqual(Statistics.quantileSorted([1, 2], 1), 2)
    }
}
