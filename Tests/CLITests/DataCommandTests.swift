import Foundation
import XCTest

/// The data commands end to end, through the real binary.
final class DataCommandTests: XCTestCase {
    let shared = Ydnn.root.deletingLastPathComponent().appendingPathComponent("shared/data")

    func run(_ script: String, file: StaticString = #filePath, line: UInt = #line) throws -> Ydnn.Result {
        let dir = try Ydnn.tempDir()
        let url = dir.appendingPathComponent("recipe.ydnn")
        try script.write(to: url, atomically: true, encoding: .utf8)
        return try Ydnn.run(["run", url.path], in: dir, file: file, line: line)
    }

    func testGenerateIsDeterministicAndRoundTripsThroughThePaddleFormat() throws {
        let script = """
        seed 3
        generate users=200 items=300 categories=8 out="clicks.txt"
        load paddle "clicks.txt"
        stats
        """
        let a = try run(script), b = try run(script)
        XCTAssertEqual(a.status, 0, a.err)
        XCTAssertEqual(a.out, b.out)
        let loaded = a.out.split(separator: "\n").filter { $0.hasPrefix("loaded ") }
        XCTAssertEqual(loaded.count, 2)
        // The same users, items and clicks come back from the file.
        func counts(_ line: Substring) -> String { String(line.split(separator: ":").last!) }
        XCTAssertEqual(counts(loaded[0]), counts(loaded[1]))
        XCTAssertTrue(a.out.contains("samples     "), a.out)
    }

    /// The generator's optional columns through `generate` and `load auto`:
    /// the features appear only when asked for, and their options need them on.
    func testGeneratorColumnsAreOptIn() throws {
        let r = try run("""
        generate users=300 items=200
        help embed
        generate users=300 items=200 demographics=on searches=on search_rate=0.3
        help embed
        load auto "synthetic" demographics=on
        help continuous
        """)
        XCTAssertEqual(r.status, 0, r.err)
        let helps = r.out.components(separatedBy: "features of the loaded data: ").dropFirst().map { $0.prefix { $0 != "\n" } }
        XCTAssertEqual(helps.count, 3, r.out)
        XCTAssertFalse(helps[0].contains("gender") || helps[0].contains("tokens"), String(helps[0]))
        XCTAssertTrue(helps[1].contains("gender (single user") && helps[1].contains("occupation") && helps[1].contains("tokens (multi"), String(helps[1]))
        XCTAssertTrue(helps[2].contains("gender") && !helps[2].contains("tokens"), String(helps[2]))
        XCTAssertTrue(r.out.contains("continuous features: age"), r.out)
        let bad = try run("generate search_rate=0.3")
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("search_rate goes with searches=on"), bad.err)
    }

    func testLoadsTheSharedMovieLensAndPaddleData() throws {
        let r = try run("""
        load movielens "\(shared.appendingPathComponent("ml-100k").path)"
        load paddle "\(shared.appendingPathComponent("ml-100k-paddle/test.txt").path)"
        """)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("943 users, 1682 items, 100000 clicks"), r.out)
        XCTAssertEqual(r.out.components(separatedBy: "943 users, 1682 items, 100000 clicks").count, 3, r.out)
    }

    func testMalformedLinesAreCountedOrFatalAsChosen() throws {
        let dir = try Ydnn.tempDir()
        let good = "U1\tp\tc\tM1:A:a_b;M2:B:b\tph\n"
        try (good + "garbage line without tabs\n" + good.replacingOccurrences(of: "U1", with: "U2"))
            .write(to: dir.appendingPathComponent("bad.txt"), atomically: true, encoding: .utf8)
        let path = dir.appendingPathComponent("bad.txt").path
        let skip = try run("load paddle \"\(path)\" on_error=skip")
        XCTAssertEqual(skip.status, 0, skip.err)
        XCTAssertTrue(skip.out.contains("1 malformed lines skipped"), skip.out)
        XCTAssertTrue(skip.out.contains("bad.txt:2:"), skip.out)
        let fail = try run("load paddle \"\(path)\" on_error=fail")
        XCTAssertEqual(fail.status, 1)
        XCTAssertTrue(fail.err.contains("bad.txt:2:"), fail.err)
        XCTAssertTrue(fail.err.contains("recipe.ydnn:1:1: error:"), fail.err)
    }

    func testMissingAndEmptyFilesAreClearErrors() throws {
        let missing = try run("load paddle \"/no/such/file.txt\"")
        XCTAssertEqual(missing.status, 1)
        // The check finds it before anything runs, with a caret under the path.
        XCTAssertTrue(missing.err.contains("recipe.ydnn:1:13: error: no such file: /no/such/file.txt"), missing.err)
        let dir = try Ydnn.tempDir()
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("empty.txt").path, contents: Data())
        let empty = try run("load paddle \"\(dir.appendingPathComponent("empty.txt").path)\"")
        XCTAssertEqual(empty.status, 1)
        XCTAssertTrue(empty.err.contains("empty"), empty.err)
    }

    func testCSVWithAHeader() throws {
        let dir = try Ydnn.tempDir()
        let csv = "user,item,ts,genre\n" + (0..<60).map { "u\($0 % 6),i\($0 % 10),\($0),g\($0 % 3)" }.joined(separator: "\n") + "\n"
        try csv.write(to: dir.appendingPathComponent("events.csv"), atomically: true, encoding: .utf8)
        let r = try run("load csv \"\(dir.appendingPathComponent("events.csv").path)\" user=user item=item time=ts category=genre")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("6 users, 10 items, 60 clicks"), r.out)
        let bad = try run("load csv \"\(dir.appendingPathComponent("events.csv").path)\" user=usr item=item time=ts")
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.err.contains("no column named 'usr'"), bad.err)
    }

    func testCommandsThatNeedDataSaySo() throws {
        let r = try run("stats")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("no data loaded"), r.err)
    }
}

/// save model / load model through the binary: a round trip gives the same
/// metrics; a corrupt or mismatched file is a clear error, never a crash.
final class CheckpointCommandTests: XCTestCase {
    func testRoundTripAndCorruptFiles() throws {
        let dir = try Ydnn.tempDir()
        let base = """
        seed 2
        generate users=300 items=200 categories=5
        vocab min_count=2
        window 5
        embed user_id 8
        lstm items 16
        dense 16 relu
        nce
        """
        try (base + "\ntrain epochs=1\nevaluate hr@10 ndcg@10\nsave model \"m.model\"\n")
            .write(to: dir.appendingPathComponent("a.ydnn"), atomically: true, encoding: .utf8)
        try (base + "\nload model \"m.model\"\nevaluate hr@10 ndcg@10\nindex hnsw\nevaluate hr@10 via=index\nsave index \"i.hnsw\"\nload index \"i.hnsw\"\nevaluate hr@10 via=index\n")
            .write(to: dir.appendingPathComponent("b.ydnn"), atomically: true, encoding: .utf8)
        let a = try Ydnn.run(["run", "a.ydnn"], in: dir)
        XCTAssertEqual(a.status, 0, a.err)
        let b = try Ydnn.run(["run", "b.ydnn"], in: dir)
        XCTAssertEqual(b.status, 0, b.err)
        func metrics(_ s: String) -> [String] { s.split(separator: "\n").map(String.init).filter { $0.hasPrefix("hr@") || $0.hasPrefix("ndcg@") } }
        XCTAssertEqual(Array(metrics(b.out).prefix(2)), metrics(a.out))
        XCTAssertEqual(metrics(a.out).count, 2)
        // The index answers the same after a save and load.
        XCTAssertEqual(metrics(b.out).count, 4)
        XCTAssertEqual(metrics(b.out)[2], metrics(b.out)[3])

        // Data with other vocabularies than the model was trained on.
        try (base.replacingOccurrences(of: "min_count=2", with: "min_count=4") + "\nload model \"m.model\"\n")
            .write(to: dir.appendingPathComponent("c.ydnn"), atomically: true, encoding: .utf8)
        let mismatched = try Ydnn.run(["run", "c.ydnn"], in: dir)
        XCTAssertEqual(mismatched.status, 1)
        XCTAssertTrue(mismatched.err.contains("vocabulary has"), mismatched.err)

        // Flip one byte in the middle: the checksum catches it.
        let path = dir.appendingPathComponent("m.model")
        var bytes = try Data(contentsOf: path)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: path)
        let corrupt = try Ydnn.run(["run", "b.ydnn"], in: dir)
        XCTAssertEqual(corrupt.status, 1)
        XCTAssertTrue(corrupt.err.contains("b.ydnn:9:1: error: cannot load model"), corrupt.err)
        // Truncated.
        try bytes.prefix(100).write(to: path)
        let truncated = try Ydnn.run(["run", "b.ydnn"], in: dir)
        XCTAssertEqual(truncated.status, 1)
        XCTAssertTrue(truncated.err.contains("cannot load model"), truncated.err)
    }
}
