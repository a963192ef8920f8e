import Foundation
import XCTest

/// `dense N relu norm=batch` and `pool items avg shared=on` through the binary:
/// they train, reproduce, show in the summary, survive save model / load model
/// (running statistics included), and a wrong width is a clear error at `train`.
final class BatchNormSharedTableTests: XCTestCase {
    func recipe(pool: String = "pool items avg dim=16 shared=on", dense: String = "dense 16 relu norm=batch") -> String {
        """
        seed 3
        generate users=300 items=200 categories=8 clicks_per_user=20 seed=1
        vocab min_count=2
        split holdout=last
        history max=20
        \(pool)
        embed user_id 8
        dense 32 relu norm=batch
        \(dense)
        normalize temperature=0.1
        softmax sampled=20 per=sample logq=off
        summary
        train epochs=3 batch=64 lr=0.01
        evaluate hr@10 hr@50
        """
    }

    func metricLines(_ out: String) -> [String] { Ydnn.metricLines(out) }

    func testTrainsReproducesAndSurvivesSaveAndLoad() throws {
        let dir = try Ydnn.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try (recipe() + "\nsave model \"m.model\"\n").write(to: dir.appendingPathComponent("a.ydnn"), atomically: true, encoding: .utf8)
        let a = try Ydnn.run(["run", "a.ydnn"], in: dir)
        XCTAssertEqual(a.status, 0, a.err + a.out)
        XCTAssertTrue(a.out.contains("dense relu norm=batch"), a.out)
        XCTAssertTrue(a.out.contains("embed pool=avg shared (output.w)"), a.out)
        let lines = Ydnn.metricsAboveMostPopular(a.out)
        XCTAssertEqual(metricLines(try Ydnn.run(["run", "a.ydnn"], in: dir).out), lines, "same seed, same numbers")

        // The loaded model evaluates as the trained one: its running statistics came with it.
        let load = recipe().replacingOccurrences(of: "train epochs=3 batch=64 lr=0.01", with: "load model \"m.model\"")
        try load.write(to: dir.appendingPathComponent("b.ydnn"), atomically: true, encoding: .utf8)
        let b = try Ydnn.run(["run", "b.ydnn"], in: dir)
        XCTAssertEqual(b.status, 0, b.err + b.out)
        XCTAssertEqual(metricLines(b.out), lines)

        // Without the options the numbers are other ones.
        let plain = recipe(pool: "pool items avg dim=16", dense: "dense 16 relu")
            .replacingOccurrences(of: "dense 32 relu norm=batch", with: "dense 32 relu")
        try plain.write(to: dir.appendingPathComponent("c.ydnn"), atomically: true, encoding: .utf8)
        let c = try Ydnn.run(["run", "c.ydnn"], in: dir)
        XCTAssertEqual(c.status, 0, c.err)
        XCTAssertFalse(c.out.contains("norm=batch") || c.out.contains("shared"), c.out)
        XCTAssertNotEqual(metricLines(c.out), lines)
    }

    func testSharedWidthMustMatchTheTower() throws {
        let dir = try Ydnn.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try recipe(pool: "pool items avg dim=32 shared=on").write(to: dir.appendingPathComponent("w.ydnn"), atomically: true, encoding: .utf8)
        let r = try Ydnn.run(["run", "w.ydnn"], in: dir)
        XCTAssertEqual(r.status, 1, r.out)
        XCTAssertTrue(r.err.contains("w.ydnn:12:1: error: invalid model: pool items shared=on"), r.err)
        XCTAssertTrue(r.err.contains("dim=32 must equal the user tower's output width, the last dense layer's 16: use dim=16"), r.err)
    }
}
