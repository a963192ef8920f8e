import XCTest
import YDNNScript

final class InterpreterTests: XCTestCase {
    /// Runs REPL-style input; returns (ok, stdout, stderr).
    func run(_ source: String, in interpreter: Interpreter? = nil) -> (Bool, String, String) {
        let (console, read) = Console.capture()
        let i = interpreter ?? Interpreter(console: console)
        let ok = i.run(source: source)
        let (out, err) = read()
        return (ok, out, err)
    }

    func testPrintLetAndInterpolation() {
        let (ok, out, _) = run("let lr = 1e-3\nlet name = \"run-$lr\"\nprint $name [1, 2.5, \"a\"] hr@10 on")
        XCTAssertTrue(ok)
        XCTAssertEqual(out, "run-0.001 [1, 2.5, \"a\"] hr@10 on\n")
    }

    func testForLoopsNestAndRestoreTheirVariable() {
        let (ok, out, _) = run("let x = 0\nfor x in [1, 2] { for y in [a, b] { print \"$x$y\" } }\nprint $x")
        XCTAssertTrue(ok)
        XCTAssertEqual(out, "1a\n1b\n2a\n2b\n0\n")
    }

    func testFieldsOfListsAndMissingFields() {
        let (ok, out, _) = run("let d = [256, 31]\nprint $d.1")
        XCTAssertTrue(ok)
        XCTAssertEqual(out, "31\n")
        let (ok2, _, err) = run("let d = [256, 31]\nprint $d.5")
        XCTAssertFalse(ok2)
        XCTAssertTrue(err.contains("'$d' has no field '5'"), err)
    }

    func testSetAndShowSettings() {
        let (console, read) = Console.capture()
        let i = Interpreter(console: console)
        XCTAssertTrue(i.run(source: "set threads=1 precision=2\nshow precision"))
        XCTAssertEqual(i.settings.threads, 1)
        XCTAssertEqual(read().out, "2\n")
        XCTAssertFalse(i.run(source: "set"))
    }

    func testSeedAndExperimentRepeatsWithSuccessiveSeeds() {
        let (console, read) = Console.capture()
        let i = Interpreter(console: console)
        XCTAssertTrue(i.run(source: "seed 10\nexperiment \"e\" repeat=2 { show seed }\nshow seed"))
        XCTAssertEqual(read().out, "== experiment e (run 1/2, seed 10)\n10\n== experiment e (run 2/2, seed 11)\n11\n10\n")
    }

    func testAnErrorKeepsTheSessionAndWhatRanBefore() {
        let (console, read) = Console.capture()
        let i = Interpreter(console: console)
        XCTAssertTrue(i.run(source: "let x = 5"))
        XCTAssertFalse(i.run(source: "let y = 6\nprint $y.nope"))   // check error: nothing runs
        XCTAssertNil(i.variables["y"])
        XCTAssertFalse(i.run(source: "prnt 1"))
        XCTAssertEqual(i.variables["x"], .integer(5))
        XCTAssertEqual(i.transcript, ["let x = 5"])
        XCTAssertTrue(read().err.contains("did you mean 'print'?"))
    }

    func testCommandResultsBindToVariables() {
        let (ok, out, _) = run("let p = show precision\nprint \"p=$p\"")
        XCTAssertTrue(ok)
        XCTAssertEqual(out, "4\np=4\n")
    }

    func testIncludeIsRelativeToTheIncludingFileAndCyclesNameTheChain() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ydnn-include-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try "let base = 1\ninclude \"sub/b.ydnn\"\n".write(to: dir.appendingPathComponent("a.ydnn"), atomically: true, encoding: .utf8)
        try "print \"b sees $base\"\n".write(to: dir.appendingPathComponent("sub/b.ydnn"), atomically: true, encoding: .utf8)
        let (console, read) = Console.capture()
        let i = Interpreter(console: console)
        try i.run(path: dir.appendingPathComponent("a.ydnn").path)
        XCTAssertEqual(read().out, "b sees 1\n")

        try "include \"../a.ydnn\"\n".write(to: dir.appendingPathComponent("sub/b.ydnn"), atomically: true, encoding: .utf8)
        let errors = Interpreter(console: console).check(path: dir.appendingPathComponent("a.ydnn").path)
        XCTAssertEqual(errors.map(\.message), ["include cycle: a.ydnn -> b.ydnn -> a.ydnn"])
    }

    func testOverridesReplaceTheFirstLet() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ydnn-set-\(UUID().uuidString).ydnn").path
        try "let epochs = 3\nlet epochs = 4\nprint $epochs\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (console, read) = Console.capture()
        let i = Interpreter(console: console)
        i.overrides = ["epochs": Override("9")]
        try i.run(path: path)
        XCTAssertEqual(read().out, "4\n")   // the second let is the script's own choice
        XCTAssertEqual(i.letNames(path: path), ["epochs"])
    }

    func testCheckFindsTypeErrorsThroughVariablesAndLoops() {
        let (ok, _, err) = run("let p = 40\nset precision=$p\nfor t in [1, 0] { set threads=$t }")
        XCTAssertFalse(ok)
        XCTAssertTrue(err.contains("invalid value for 'precision': 40 is out of range (1...12)"), err)
        XCTAssertTrue(err.contains("invalid value for 'threads': 0 is out of range (1...256)"), err)
        XCTAssertTrue(err.hasSuffix("2 errors\n"), err)
    }

    func testHelpIsReadFromTheRegistry() {
        let (ok, out, _) = run("help set")
        XCTAssertTrue(ok)
        XCTAssertTrue(out.hasPrefix("usage: set [threads=INT] [progress=auto|on|off]"), out)
        XCTAssertTrue(out.contains("precision="))
        let (ok2, _, err) = run("help sed")
        XCTAssertFalse(ok2)
        XCTAssertTrue(err.contains("did you mean 'seed'?") || err.contains("did you mean 'set'?"), err)
    }
}
