import XCTest
import YDNN

final class NegativeSamplerTests: XCTestCase {
    func testDrawsFollowTheWeights() {
        let weights: [Double] = [1, 0, 3, 6]
        let sampler = NegativeSampler(weights: weights)
        var rng = RNG(seed: 3)
        var counts = [Int](repeating: 0, count: 4)
        let n = 200_000
        for _ in 0..<n { counts[Int(sampler.sample(&rng))] += 1 }
        XCTAssertEqual(counts[1], 0)
        for i in [0, 2, 3] {
            XCTAssertEqual(Double(counts[i]) / Double(n), weights[i] / 10, accuracy: 0.005)
        }
        XCTAssertEqual(sampler.probability(of: 3), 0.6, accuracy: 1e-12)
    }
}
