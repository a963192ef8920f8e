import Foundation
import XCTest

/// Whole recipes through the real binary: the quickstart trains, beats the
/// most-popular baseline, and prints the same metrics on every run.
final class RecipeTests: XCTestCase {
    /// The lines that carry results (timings vary from run to run; metrics must not).
    func metricLines(_ out: String) -> [String] {
        out.split(separator: "\n").map(String.init).filter { $0.hasPrefix("hr@") || $0.hasPrefix("ndcg@") || $0.hasPrefix("mrr") }
    }

    func testQuickstartTrainsBeatsPopularityAndReproduces() throws {
        let dir = try Ydnn.tempDir()
        let recipe = Ydnn.root.appendingPathComponent("examples/quickstart.ydnn").path
        let a = try Ydnn.run(["run", recipe, "--set", "epochs=2"], in: dir)
        XCTAssertEqual(a.status, 0, a.err)
        let lines = metricLines(a.out)
        XCTAssertEqual(lines.count, 3, a.out)
        for line in lines {
            let cells = line.split(separator: " ").compactMap { Double($0) }
            XCTAssertEqual(cells.count, 2, line)
            XCTAssertGreaterThan(cells[0], cells[1] * 1.5, "the model should clearly beat most-popular: \(line)")
        }
        // The HNSW index finds what exact search finds, and mining fills every list.
        let check = a.out.split(separator: "\n").first { $0.hasPrefix("hnsw ") }.map(String.init) ?? ""
        let recall = check.split(separator: " ").compactMap { Double($0) }.first ?? 0
        XCTAssertGreaterThanOrEqual(recall, 0.95, check)
        let mined = try String(contentsOf: dir.appendingPathComponent("out/recs.tsv"), encoding: .utf8)
        XCTAssertEqual(mined.split(separator: "\n").count, 2000 * 100)
        let b = try Ydnn.run(["run", recipe, "--set", "epochs=2"], in: dir)
        XCTAssertEqual(metricLines(b.out), lines, "same recipe, same seed: same numbers")
    }
}
