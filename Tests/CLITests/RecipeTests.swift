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
        let mined = try String(contentsOf: dir.appendingPathComponent("out/recs.tsv"), encoding: .utf8)
        XCTAssertGreaterThan(mined.split(separator: "\n").count, 1000)
        let b = try Ydnn.run(["run", recipe, "--set", "epochs=2"], in: dir)
        XCTAssertEqual(metricLines(b.out), lines, "same recipe, same seed: same numbers")
    }
}
