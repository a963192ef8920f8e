import Foundation
import XCTest

/// `pool items avg weighted=on` end to end: MovieLens ratings weight the clicks of
/// the history; Paddle data has no ratings and says so.
final class WeightedPoolingTests: XCTestCase {
    let shared = Ydnn.root.deletingLastPathComponent().appendingPathComponent("shared/data")

    /// Runs a recipe from the repository root, where `../shared/data/...` resolves.
    func run(_ script: String, file: StaticString = #filePath, line: UInt = #line) throws -> Ydnn.Result {
        let dir = try Ydnn.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("recipe.ydnn")
        try script.write(to: url, atomically: true, encoding: .utf8)
        return try Ydnn.run(["run", url.path], file: file, line: line)
    }

    func recipe(load: String, weighted: String) -> String {
        """
        seed 7
        \(load)
        vocab min_count=5
        split holdout=last
        history max=50
        cap per_user=30
        pool items avg dim=32 weighted=\(weighted)
        embed user_id 16
        dense 32
        normalize on
        softmax sampled sampled=50
        train epochs=2 batch=256
        evaluate hr@10 hr@50 ndcg@10
        recall history=[M50, M181, M172] top=3
        """
    }

    func metricLines(_ out: String) -> [String] {
        out.split(separator: "\n").map(String.init).filter { $0.hasPrefix("hr@") || $0.hasPrefix("ndcg@") }
    }

    func testWeightedPoolingTrainsAndEvaluatesOnMovieLens() throws {
        guard FileManager.default.fileExists(atPath: shared.appendingPathComponent("ml-100k/u.data").path) else {
            throw XCTSkip("shared data not found")
        }
        let load = "load movielens \"../shared/data/ml-100k\""
        let a = try run(recipe(load: load, weighted: "on"))
        XCTAssertEqual(a.status, 0, a.err + a.out)
        let lines = metricLines(a.out)
        XCTAssertEqual(lines.count, 3, a.out)
        for l in lines {
            let cells = l.split(separator: " ").compactMap { Double($0) }
            XCTAssertEqual(cells.count, 2, l)
            XCTAssertTrue(cells.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 }, l)
        }
        // hr@50 of a trained model is above zero on ml-100k.
        XCTAssertGreaterThan(lines[1].split(separator: " ").compactMap { Double($0) }.first ?? 0, 0, a.out)
        // recall history=[...] serves a weighted query (every click weighs 1): three rows.
        let recalled = a.out.split(separator: "\n").filter { $0.hasPrefix("   1  M") || $0.hasPrefix("   2  M") || $0.hasPrefix("   3  M") }
        XCTAssertEqual(recalled.count, 3, a.out)

        // Same recipe, same seed: same numbers; without weights the numbers differ,
        // so the ratings really reach the pooling.
        let b = try run(recipe(load: load, weighted: "on"))
        XCTAssertEqual(metricLines(b.out), lines)
        let plain = try run(recipe(load: load, weighted: "off"))
        XCTAssertEqual(plain.status, 0, plain.err)
        XCTAssertNotEqual(metricLines(plain.out), lines, "weighted=on should change the model")
    }

    func testWeightedPoolingOnPaddleDataSaysThereAreNoRatings() throws {
        guard FileManager.default.fileExists(atPath: shared.appendingPathComponent("ml-100k-paddle/test.txt").path) else {
            throw XCTSkip("shared data not found")
        }
        let r = try run(recipe(load: "load paddle \"../shared/data/ml-100k-paddle/test.txt\"", weighted: "on"))
        XCTAssertEqual(r.status, 1, r.out)
        XCTAssertTrue(r.err.contains("pooling of 'items' is weighted but the data has no ratings"), r.err)
        XCTAssertTrue(r.err.contains("recipe.ydnn:12:1: error:"), r.err)
        // It fails before training starts: no epoch table.
        XCTAssertFalse(r.out.contains("samples/s"), r.out)
    }
}
