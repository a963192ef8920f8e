import Foundation
import XCTest

/// Rules between arguments are the commands' `validate`, which `ydnn check` runs:
/// a recipe that would fail at run time for them fails the check, with
/// file:line:col and a caret.
final class CommandValidationTests: XCTestCase {
    func testCheckCatchesCrossArgumentMistakesWithLocations() throws {
        let recipe = """
            seed 1
            split holdout=last cutoff=0.9
            recall U1 history=[M1, M2]
            set
            shuffle full size=100
            softmax full sampled=10

            """
        let url = try Ydnn.tempDir().appendingPathComponent("mistakes.ydnn")
        try recipe.write(to: url, atomically: true, encoding: .utf8)
        let r = try Ydnn.run(["check", url.lastPathComponent], in: url.deletingLastPathComponent())
        XCTAssertEqual(r.status, 1, r.out)
        for expected in ["mistakes.ydnn:2:20: error: cutoff goes with holdout=time",
                         "mistakes.ydnn:3:11: error: give a user or a history, not both",
                         "mistakes.ydnn:4:1: error: 'set' needs at least one name=value",
                         "mistakes.ydnn:5:14: error: size goes with mode buffer",
                         "mistakes.ydnn:6:14: error: sampled= goes with mode sampled",
                         "5 errors"] {
            XCTAssertTrue(r.err.contains(expected), "missing \(expected) in\n\(r.err)")
        }
        XCTAssertTrue(r.err.contains("^"), r.err)
    }

    /// `--set` values are values: a word spelling a command binds the word, and a
    /// string `let` takes the text as a string (the recipe's own default works).
    func testSetValuesNeverRun() throws {
        let url = try Ydnn.tempDir().appendingPathComponent("set.ydnn")
        try "let data = \"synthetic\"\nlet x = \"a\"\nprint $data $x\n".write(to: url, atomically: true, encoding: .utf8)
        let r = try Ydnn.run(["run", url.path, "--no-log", "--set", "data=synthetic", "--set", "x=generate"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "synthetic generate\n")
    }
}
