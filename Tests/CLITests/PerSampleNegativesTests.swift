import Foundation
import XCTest

/// `softmax sampled=K per=sample` through the binary: every sample draws its own
/// negatives; per=batch (the default) keeps today's shared draw.
final class PerSampleNegativesTests: XCTestCase {
    func run(_ script: String, _ command: String = "run") throws -> Ydnn.Result { try Ydnn.runRecipe(script, command) }

    func recipe(_ softmax: String) -> String {
        """
        seed 3
        generate users=300 items=200 categories=8 clicks_per_user=20 seed=1
        vocab min_count=2
        split holdout=last
        history max=20
        pool items avg dim=16
        embed user_id 8
        dense 16
        normalize temperature=0.1
        \(softmax)
        summary
        train epochs=4 batch=64 lr=0.01
        evaluate hr@10 hr@50
        """
    }

    func metricLines(_ out: String) -> [String] { Ydnn.metricLines(out) }

    func testPerSampleTrainsReproducesAndDiffersFromShared() throws {
        let a = try run(recipe("softmax sampled=20 per=sample"))
        XCTAssertEqual(a.status, 0, a.err + a.out)
        XCTAssertTrue(a.out.contains("softmax sampled=20 per=sample"), a.out)
        let lines = Ydnn.metricsAboveMostPopular(a.out)
        XCTAssertEqual(metricLines(try run(recipe("softmax sampled=20 per=sample")).out), lines, "same seed, same numbers")

        let shared = try run(recipe("softmax sampled=20"))
        XCTAssertEqual(shared.status, 0, shared.err)
        XCTAssertFalse(shared.out.contains("per=sample"), shared.out)
        XCTAssertEqual(metricLines(try run(recipe("softmax sampled=20 per=batch")).out), metricLines(shared.out),
                       "per=batch is the default")
        XCTAssertNotEqual(metricLines(shared.out), lines, "per=sample must change the draws")
    }

    func testPerGoesWithSampledOnly() throws {
        let r = try run(recipe("softmax full per=sample"), "check")
        XCTAssertNotEqual(r.status, 0, r.out)
        XCTAssertTrue(r.err.contains("per= goes with mode sampled"), r.err)
    }
}
