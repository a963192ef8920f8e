import Foundation
import XCTest

final class CLITests: XCTestCase {
    func write(_ text: String, _ name: String = "recipe.ydnn") throws -> URL {
        let url = try Ydnn.tempDir().appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testVersion() throws {
        let r = try Ydnn.run(["--version"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.out.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
    }

    func testRunPrintsResultsToStdout() throws {
        let f = try write("let n = 2\nfor i in [1, 2] { print \"i=$i of $n\" }\n")
        let r = try Ydnn.run(["run", f.path])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "i=1 of 2\ni=2 of 2\n")
        XCTAssertEqual(r.err, "")
    }

    func testSetOverridesALetDefault() throws {
        let f = try write("let epochs = 3\nlet name = \"x\"\nprint $epochs $name\n")
        let r = try Ydnn.run(["run", f.path, "--set", "epochs=7", "--set", "name=../data/ml-100k"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "7 ../data/ml-100k\n")
        let bad = try Ydnn.run(["run", f.path, "--set", "epoch=7"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.err.contains("has no 'let epoch = ...'; did you mean 'epochs'?"), bad.err)
    }

    func testCheckErrorsStopTheRunBeforeAnythingRuns() throws {
        let f = try write("print \"first\"\nset precision=99\n")
        let r = try Ydnn.run(["run", f.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.out, "")
        XCTAssertTrue(r.err.contains("recipe.ydnn:2:15: error: invalid value for 'precision': 99 is out of range (1...12)"), r.err)
    }

    func testRunTimeErrorsExitWithOne() throws {
        let f = try write("print \"before\"\nhelp nosuchcommand\nprint \"after\"\n")
        let r = try Ydnn.run(["run", f.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.out, "before\n")
        XCTAssertTrue(r.err.contains("recipe.ydnn:2:6: error: no help for 'nosuchcommand'"), r.err)
    }

    func testUsageErrorsExitWithTwo() throws {
        XCTAssertEqual(try Ydnn.run(["run", "/no/such/file.ydnn"]).status, 2)
        XCTAssertEqual(try Ydnn.run(["run"]).status, 2)
        XCTAssertEqual(try Ydnn.run(["--frobnicate"]).status, 2)
        XCTAssertEqual(try Ydnn.run(["help", "nosuch"]).status, 2)
    }

    func testCheckReportsEveryMistake() throws {
        let r = try Ydnn.run(["check", "grammar/fixtures/invalid/ten_mistakes.ydnn"])
        XCTAssertEqual(r.status, 1)
        let expected = try String(contentsOf: Ydnn.root.appendingPathComponent("grammar/fixtures/invalid/ten_mistakes.expected"), encoding: .utf8)
        XCTAssertEqual(r.err, expected)
        let ok = try Ydnn.run(["check", "grammar/fixtures/valid/language_tour.ydnn"])
        XCTAssertEqual(ok.status, 0)
        XCTAssertEqual(ok.out, "grammar/fixtures/valid/language_tour.ydnn: ok\n")
    }

    func testHelp() throws {
        let all = try Ydnn.run(["help"])
        XCTAssertEqual(all.status, 0)
        XCTAssertTrue(all.out.contains("USAGE: ydnn"), all.out)
        XCTAssertTrue(all.out.contains("seed  "), all.out)
        let one = try Ydnn.run(["help", "seed"])
        XCTAssertTrue(one.out.hasPrefix("usage: seed N"), one.out)
        let run = try Ydnn.run(["help", "run"])
        XCTAssertTrue(run.out.contains("--set"), run.out)
    }

    func testStatementsFromStdinWithoutATerminal() throws {
        let r = try Ydnn.run([], input: "let x = 2\nfor i in [1,\n 2] {\n  print \"$i/$x\"\n}\nprnt 1\nprint \"still here\"\n")
        XCTAssertEqual(r.out, "1/2\n2/2\nstill here\n")
        XCTAssertTrue(r.err.contains("<stdin>:6:1: error: unknown command 'prnt'"), r.err)
        XCTAssertEqual(r.status, 1)
    }
}

final class ReplSaveTests: XCTestCase {
    /// `:save` writes the statements that ran (not the failed ones) as a recipe that
    /// replays to the same state.
    func testSaveWritesARecipeThatReplays() throws {
        let dir = try Ydnn.tempDir()
        let saved = dir.appendingPathComponent("session.ydnn").path
        let session = try Ydnn.run([], input: """
        seed 5
        let names = ["a", "b"]
        prnt "typo"
        for n in $names { print "item $n" }
        let total = 2
        :save \(saved)
        :vars
        """, in: dir)
        XCTAssertTrue(session.out.contains("saved 4 statements"), session.out)
        let text = try String(contentsOfFile: saved, encoding: .utf8)
        XCTAssertFalse(text.contains("prnt"))
        let replay = try Ydnn.run([], input: "include \"\(saved)\"\n:vars\nshow seed\n", in: dir)
        XCTAssertEqual(replay.status, 0, replay.err)
        XCTAssertTrue(replay.out.contains("item a\nitem b\n"), replay.out)
        let vars = session.out.components(separatedBy: "name ").last ?? ""
        XCTAssertTrue(replay.out.contains(vars.trimmingCharacters(in: .newlines)), replay.out)
        XCTAssertTrue(replay.out.hasSuffix("5\n"), replay.out)
    }
}
