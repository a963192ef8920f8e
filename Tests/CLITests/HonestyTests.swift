import Foundation
import XCTest

/// Nothing wrong loads silently, limits come before allocation, the rough edges
/// the hostile tester found stay fixed, and a report says how to rerun it:
/// each through the real binary.
final class HonestyTests: XCTestCase {
    static let train = "seed 1\ngenerate users=200 items=400\nvocab min_count=1\nsplit holdout=last\nwindow 5\nembed items 8\ntrain epochs=1\n"

    func run(_ recipe: String, _ args: [String] = ["--no-log"], in dir: URL? = nil, name: String = "r.ydnn",
             file: StaticString = #filePath, line: UInt = #line) throws -> (Ydnn.Result, URL) {
        let dir = try dir ?? Ydnn.tempDir()
        try recipe.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return (try Ydnn.run(["run", name] + args, in: dir, file: file, line: line), dir)
    }

    /// CRC-32 (IEEE), as the model file's last four bytes hold it.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c >> 1) ^ (0xEDB8_8320 & (0 &- (c & 1))) }
        }
        return ~c
    }

    func testNonFiniteWeightsWithAValidChecksumAreRefused() throws {
        let (saved, dir) = try run(Self.train + "save model \"m.bin\"\n")
        XCTAssertEqual(saved.status, 0, saved.err)
        var bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent("m.bin")))
        // The first weight (just after the JSON header) becomes NaN; the checksum is made valid again.
        let headerLength = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        let first = 16 + headerLength
        bytes.replaceSubrange(first..<first + 4, with: [0x00, 0x00, 0xC0, 0x7F])
        let crc = Self.crc32(bytes[..<(bytes.count - 4)])
        bytes.replaceSubrange(bytes.count - 4..<bytes.count, with: (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) })
        try Data(bytes).write(to: dir.appendingPathComponent("m.bin"))
        let (r, _) = try run(Self.train + "load model \"m.bin\"\nevaluate hr@10\n", in: dir, name: "load.ydnn")
        XCTAssertEqual(r.status, 1, r.out)
        XCTAssertTrue(r.err.contains("holds NaN at element 0"), r.err)
        XCTAssertFalse(r.out.contains("1.0000"), r.out)
    }

    func testAnIndexOfAnotherModelIsRefused() throws {
        let (a, dir) = try run(Self.train + "index hnsw\nsave index \"a.idx\"\n")
        XCTAssertEqual(a.status, 0, a.err)
        let other = Self.train.replacingOccurrences(of: "seed 1", with: "seed 2")
        let (b, _) = try run(other + "load index \"a.idx\"\n", in: dir, name: "b.ydnn")
        XCTAssertEqual(b.status, 1, b.out)
        XCTAssertTrue(b.err.contains("load index"), b.err)
        XCTAssertTrue(b.err.lowercased().contains("fingerprint") || b.err.contains("another model"), b.err)
    }

    func testByteOrderMarkAndControlBytesInAData() throws {
        let dir = try Ydnn.tempDir()
        var log = "\u{FEFF}U1\tP1\tC1\tA:X:t1;B:Y:t2;C:X:t1\tiOS\n"
        log += "U2\tP1\tC1\tA:X:t1;B:Y:t2;D:Y:t3\tiOS\n"
        log += "U3\t\u{1B}]0;pwned\u{07}\n"
        try log.write(to: dir.appendingPathComponent("log.txt"), atomically: true, encoding: .utf8)
        let (r, _) = try run("load paddle \"log.txt\" on_error=skip\nvocab min_count=0\nsplit holdout=last\nwindow 2\nembed items 4\nsoftmax full\ntrain epochs=1\nrecall U1 top=3\n",
                             in: dir)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("1 malformed lines skipped"), r.out)
        XCTAssertTrue(r.out.contains("\\x1B]0;pwned\\x07"), r.out)
        XCTAssertFalse(r.out.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "raw control bytes reached the terminal")
        XCTAssertFalse(r.err.contains("unknown user"), "the BOM stayed in the first key: \(r.err)")
    }

    func testNULInAStringIsAnError() throws {
        let dir = try Ydnn.tempDir()
        try Data("print \"a\0b\"\n".utf8).write(to: dir.appendingPathComponent("nul.ydnn"))
        let r = try Ydnn.run(["check", "nul.ydnn"], in: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("nul.ydnn:1:9: error: a NUL byte inside a string"), r.err)
    }

    func testLimitsComeBeforeAllocation() throws {
        let big = Self.train.replacingOccurrences(of: "train epochs=1", with: "dense 65536\ndense 65536\ntrain epochs=1")
        let (r, _) = try run(big)
        XCTAssertEqual(r.status, 1, "an oversized network is an error, not an abort: \(r.err)")
        XCTAssertTrue(r.err.contains("training this network needs about") && r.err.contains("GB"), r.err)
        for negatives in ["nce negatives=100000", "softmax sampled sampled=1000000"] {
            let (n, _) = try run(Self.train.replacingOccurrences(of: "train epochs=1", with: "\(negatives)\ntrain epochs=1"))
            XCTAssertEqual(n.status, 1, n.err)
            XCTAssertTrue(n.err.contains("exceeds the item catalogue"), n.err)
        }
    }

    func testCheckNoticesMissingInputsButNotFilesTheRecipeWrites() throws {
        let dir = try Ydnn.tempDir()
        try "generate users=200 items=400 out=\"made.txt\"\nload paddle \"made.txt\"\nload paddle \"nope.txt\"\nload model \"typo\"\n"
            .write(to: dir.appendingPathComponent("r.ydnn"), atomically: true, encoding: .utf8)
        try "x".write(to: dir.appendingPathComponent("typo.bin"), atomically: true, encoding: .utf8)
        let r = try Ydnn.run(["check", "r.ydnn"], in: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("r.ydnn:3:13: error: no such file: nope.txt"), r.err)
        XCTAssertTrue(r.err.contains("r.ydnn:4:12: error: no such file: typo") && r.err.contains("did you mean \"typo.bin\"?"), r.err)
        XCTAssertFalse(r.err.contains("made.txt"), r.err)
        XCTAssertTrue(r.err.contains("2 errors"), r.err)
    }

    func testProvenanceReachesTheReportAndTheRunLog() throws {
        let recipe = "let epochs = 1\n" + Self.train.replacingOccurrences(of: "train epochs=1\n", with: "")
            + "experiment \"e\" repeat=2 {\n  train epochs=$epochs\n  evaluate hr@10\n}\n"
        let (r, dir) = try run(recipe, ["--set", "epochs=2", "--report", "report.md"])
        XCTAssertEqual(r.status, 0, r.err)
        let report = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("let epochs = 2   # --set epochs=2; the recipe says: let epochs = 1"), report)
        XCTAssertTrue(report.contains("| --set epochs | `2` |"), report)
        XCTAssertTrue(report.contains("generator users=200 items=400"), report)
        for row in ["| os |", "| cpu |", "| blas |", "| threads |"] { XCTAssertTrue(report.contains(row), row) }
        let line = try String(contentsOf: dir.appendingPathComponent("runs.jsonl"), encoding: .utf8).split(separator: "\n").last!
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(record["overrides"] as? [String: String], ["epochs": "2"])
        XCTAssertTrue((record["data_sources"] as? [String])?.first?.hasPrefix("generator users=200 items=400") == true, "\(record)")
        let machine = try XCTUnwrap(record["machine"] as? [String: Any])
        XCTAssertNotNil(machine["blas"] as? String)
        XCTAssertNotNil(machine["cpu"] as? String)
    }

    func testStatsWithNothingKeptDescribesAndSucceeds() throws {
        let (r, _) = try run("generate users=20 items=400 clicks_per_user=5\nstats\n")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("samples     none: vocab min_count=20 keeps no items"), r.out)
    }

    func testEmptyRecommendationsSayWhy() throws {
        let dir = try Ydnn.tempDir()
        try "U1\tP1\tC1\tA:X:t;B:X:t;C:X:t\tiOS\nU2\tP1\tC1\tA:X:t;B:X:t\tiOS\nU3\tP1\tC1\tB:X:t;C:X:t\tiOS\n"
            .write(to: dir.appendingPathComponent("log.txt"), atomically: true, encoding: .utf8)
        let (r, _) = try run("load paddle \"log.txt\"\nvocab min_count=0\nsplit holdout=last\nwindow 2\nembed items 4\nsoftmax full\ntrain epochs=1\n"
                             + "recall U1 top=3\nmine \"m.tsv\" users=[U1]\n", in: dir)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("note: every item is excluded: the user has clicked all "), r.out)
        XCTAssertTrue(r.out.contains("note: no rows: every item is excluded"), r.out)
    }

    /// `train epochs=2` equals `train epochs=1; save model; load model; train epochs=1`.
    func testTrainingGoesOnExactlyAcrossSaveAndLoad() throws {
        let base = Self.train.replacingOccurrences(of: "train epochs=1\n", with: "")
        let (whole, dir) = try run(base + "train epochs=2\nevaluate hr@10 ndcg@10\n")
        let (parts, _) = try run(base + "train epochs=1\nsave model \"m.bin\"\nload model \"m.bin\"\ntrain epochs=1\nevaluate hr@10 ndcg@10\n",
                                 in: dir, name: "parts.ydnn")
        XCTAssertEqual(whole.status, 0, whole.err)
        XCTAssertEqual(parts.status, 0, parts.err)
        func metrics(_ out: String) -> [Substring] { out.split(separator: "\n").filter { $0.hasPrefix("hr@10") || $0.hasPrefix("ndcg@10") } }
        XCTAssertEqual(metrics(whole.out).count, 2, whole.out)
        XCTAssertEqual(metrics(whole.out), metrics(parts.out))
    }

    /// One rule for Ctrl-C: "interrupted" and exit 130 wherever it stops a
    /// command, and a file being written is left as it was.
    func testCtrlCDuringMiningAndGenerationExits130AndKeepsTheOldFile() throws {
        guard let binary = Ydnn.path else { return XCTFail("no ydnn binary") }
        let dir = try Ydnn.tempDir()
        let recipes = [
            "gen.ydnn": "generate users=3000000 items=200000 clicks_per_user=40 out=\"out.txt\"\n",
            "mine.ydnn": "seed 1\ngenerate users=60000 items=20000\nvocab min_count=1\nsplit holdout=last\nwindow 5\nembed items 64\n"
                + "train epochs=1 batches=1\nmine \"out.txt\" top=1000 exclude_seen=off\n",
        ]
        for (name, text) in recipes.sorted(by: { $0.key < $1.key }) {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
            try "old\n".write(to: dir.appendingPathComponent("out.txt"), atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["run", name, "--no-log"]
            p.currentDirectoryURL = dir
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            try p.run()
            // Wait until the writer's temporary file appears: the interrupt lands mid-write.
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline, p.isRunning,
                  !((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).contains(where: { $0.hasPrefix(".out.txt.tmp-") }) {
                Thread.sleep(forTimeInterval: 0.02)
            }
            XCTAssertTrue(p.isRunning, "\(name) finished before the interrupt")
            kill(p.processIdentifier, SIGINT)
            p.waitUntilExit()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            _ = out.fileHandleForReading.readDataToEndOfFile()
            XCTAssertEqual(p.terminationStatus, 130, "\(name): \(stderr)")
            XCTAssertTrue(stderr.contains("interrupted"), stderr)
            XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("out.txt"), encoding: .utf8), "old\n", name)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".out.txt.tmp-") }, [])
        }
    }

    /// `:save` keeps what changed the session and leaves out what only looked.
    func testSaveLeavesOutHelpAndShow() throws {
        let dir = try Ydnn.tempDir()
        let r = try Ydnn.run([], input: "seed 3\nhelp train\nshow\nlet n = 2\n:save s.ydnn\n", in: dir)
        XCTAssertEqual(r.status, 0, r.err)
        let saved = try String(contentsOf: dir.appendingPathComponent("s.ydnn"), encoding: .utf8)
        XCTAssertTrue(saved.contains("seed 3\nlet n = 2\n"), saved)
        XCTAssertFalse(saved.contains("help") || saved.contains("show"), saved)
    }
}
