import XCTest
import YDNN
@testable import YDNNScript

final class ReportRunLogTests: XCTestCase {
    func manifest() -> RunManifest {
        RunManifest(version: "0.9.0", recipePath: "/tmp/x/ablation.ydnn", recipeSHA256: String(repeating: "0f", count: 32),
                    dataFiles: [.init(path: "data/u.data", sha256: String(repeating: "aa", count: 32), bytes: 10)],
                    seed: 7, threads: 2, wallTimeSeconds: 3.5)
    }

    func records() -> [ExperimentRecord] {
        [ExperimentRecord(name: "example_age=off", values: [("hr@50", [0.51, 0.53, 0.52]), ("ndcg@10", [0.09, 0.1, 0.095])],
                          seeds: [7, 8, 9]),
         ExperimentRecord(name: "single \"quoted\"\nname", values: [("hr@50", [0.55])], seeds: [7])]
    }

    func testLinesParseAndCarryTheManifest() throws {
        let dir = try ReportSupport.tempDir(self)
        let path = dir.appendingPathComponent("runs.jsonl").path
        try RunLog.append(records(), manifest: manifest(), to: path)
        try RunLog.append([records()[0]], manifest: manifest(), to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 4, "three lines and the final newline")
        XCTAssertEqual(lines.last, "")
        for line in lines.dropLast() {
            let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(o["ydnn_version"] as? String, "0.9.0")
            XCTAssertEqual(o["recipe"] as? String, "/tmp/x/ablation.ydnn")
            XCTAssertEqual(o["recipe_sha256"] as? String, String(repeating: "0f", count: 32))
            XCTAssertEqual((o["threads"] as? NSNumber)?.intValue, 2)
            XCTAssertEqual((o["seed"] as? NSNumber)?.intValue, 7)
            let data = try XCTUnwrap(o["data"] as? [[String: Any]])
            XCTAssertEqual(data.first?["sha256"] as? String, String(repeating: "aa", count: 32))
            XCTAssertNotNil(o["time"] as? String)
            XCTAssertNotNil(o["metrics"] as? [String: Any])
        }
        let first = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(first["experiment"] as? String, "example_age=off")
        XCTAssertEqual((first["seeds"] as? [NSNumber])?.map(\.intValue), [7, 8, 9])
        let hr = try XCTUnwrap((first["metrics"] as? [String: Any])?["hr@50"] as? [String: Any])
        XCTAssertEqual((hr["mean"] as? NSNumber)!.doubleValue, 0.52, accuracy: 1e-12)
        XCTAssertEqual((hr["std"] as? NSNumber)!.doubleValue, 0.01, accuracy: 1e-12)
        XCTAssertEqual((hr["n_runs"] as? NSNumber)?.intValue, 3)
        XCTAssertEqual((hr["values"] as? [NSNumber])?.map(\.doubleValue), [0.51, 0.53, 0.52])
        // 95% CI with t(0.975, 2) = 4.303.
        XCTAssertEqual((hr["ci_high"] as? NSNumber)!.doubleValue, 0.52 + 4.3027 * 0.01 / 3.0.squareRoot(), accuracy: 1e-4)
        // One run: no interval, written as null rather than NaN (which JSON cannot hold).
        let second = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        XCTAssertEqual(second["experiment"] as? String, "single \"quoted\"\nname")
        let single = try XCTUnwrap((second["metrics"] as? [String: Any])?["hr@50"] as? [String: Any])
        XCTAssert(single["ci_low"] is NSNull)
        XCTAssertEqual(try RunLog.read(path).count, 3)
    }

    func testAppendAfterATruncatedLineKeepsRecordsWhole() throws {
        let dir = try ReportSupport.tempDir(self)
        let path = dir.appendingPathComponent("runs.jsonl").path
        try RunLog.append([records()[0]], manifest: manifest(), to: path)
        // A crashed writer left half a line without a newline.
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        h.seekToEndOfFile(); h.write(Data("{\"experiment\": \"cut".utf8)); h.closeFile()
        try RunLog.append([records()[1]], manifest: manifest(), to: path)
        let parsed = try RunLog.read(path)
        XCTAssertEqual(parsed.map { $0["experiment"] as? String }, ["example_age=off", "single \"quoted\"\nname"])
    }

    func testConcurrentAppendsDoNotInterleave() throws {
        let dir = try ReportSupport.tempDir(self)
        let path = dir.appendingPathComponent("runs.jsonl").path
        let m = manifest()
        let rec = ExperimentRecord(name: String(repeating: "x", count: 5000), values: [("hr@50", [0.5, 0.6])], seeds: [1, 2])
        DispatchQueue.concurrentPerform(iterations: 40) { _ in try! RunLog.append([rec], manifest: m, to: path) }
        XCTAssertEqual(try RunLog.read(path).count, 40)
        let raw = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(raw.count, 40, "every line parses: none interleaved")
    }

    func testDefaultPathIsBesideTheRecipe() {
        XCTAssertEqual(RunLog.defaultPath(forRecipe: "/a/b/recipe.ydnn"), "/a/b/runs.jsonl")
    }
}
