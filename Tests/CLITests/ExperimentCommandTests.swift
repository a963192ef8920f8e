import Foundation
import XCTest

/// Experiments through the binary: isolation between experiments, compare, the
/// runs.jsonl log and the notebook report.
final class ExperimentCommandTests: XCTestCase {
    let recipe = """
    seed 3
    generate users=400 items=300 categories=6
    vocab min_count=2
    window 5
    embed user_id 8
    lstm items 16
    dense 16 relu
    nce
    experiment "a" repeat=2 {
      train epochs=1
      evaluate hr@10 hr@50
    }
    experiment "b" repeat=2 {
      train epochs=1
      evaluate hr@10 hr@50
    }
    compare metric=hr@50
    plot hr@50 out="hr50.svg"
    """

    func testExperimentsAreIsolatedComparedLoggedAndReported() throws {
        let dir = try Ydnn.tempDir()
        try recipe.write(to: dir.appendingPathComponent("exp.ydnn"), atomically: true, encoding: .utf8)
        let r = try Ydnn.run(["run", "exp.ydnn", "--report", "report.html"], in: dir)
        XCTAssertEqual(r.status, 0, r.err)

        // "b" starts from fresh weights with the same seeds, so it measures exactly what "a" did;
        // had it continued from a's weights, it would have trained twice as long.
        let lines = r.out.split(separator: "\n").map(String.init)
        let hr = lines.filter { $0.hasPrefix("hr@50 ") }
        XCTAssertEqual(hr.count, 6, r.out)   // 4 evaluations + 2 experiment summaries
        XCTAssertEqual(Array(hr[0...1]), Array(hr[3...4]))
        let b = lines.first { $0.hasPrefix("b ") } ?? ""
        XCTAssertTrue(b.contains("+0.0000") && b.contains("1.0000"), "identical experiments: delta 0, p 1: \(b)")

        // The results log: one JSON line per experiment, with the manifest.
        let log = try String(contentsOf: dir.appendingPathComponent("runs.jsonl"), encoding: .utf8)
        let records = try log.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(records.map { $0["experiment"] as? String }, ["a", "b"])
        for rec in records {
            XCTAssertEqual(rec["ydnn_version"] as? String, "0.1.0")
            XCTAssertEqual((rec["recipe_sha256"] as? String)?.count, 64)
            XCTAssertEqual(rec["seeds"] as? [Int], [3, 4])
            let hr50 = (rec["metrics"] as? [String: Any])?["hr@50"] as? [String: Any]
            XCTAssertEqual((hr50?["values"] as? [Double])?.count, 2)
        }
        let again = try Ydnn.run(["run", "exp.ydnn", "--no-log"], in: dir)
        XCTAssertEqual(again.status, 0)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("runs.jsonl"), encoding: .utf8), log, "--no-log appends nothing")

        // The report: statements, their output, charts and the manifest.
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        for needle in ["recipe sha256", "experiment &quot;a&quot; repeat=2", "compare metric=hr@50", "<svg", "Training loss"] {
            XCTAssertTrue(html.contains(needle), "report lacks \(needle)")
        }
        let svg = try String(contentsOf: dir.appendingPathComponent("hr50.svg"), encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<?xml"), svg)

        let md = try Ydnn.run(["run", "exp.ydnn", "--no-log", "--report", "report.md"], in: dir)
        XCTAssertEqual(md.status, 0, md.err)
        let markdown = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains(".svg)"), markdown)
    }

    func testCompareNeedsExperimentsAndKnownNames() throws {
        let dir = try Ydnn.tempDir()
        try "compare\n".write(to: dir.appendingPathComponent("c.ydnn"), atomically: true, encoding: .utf8)
        let r = try Ydnn.run(["run", "c.ydnn", "--no-log"], in: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("no experiment has evaluated anything yet"), r.err)
    }
}
