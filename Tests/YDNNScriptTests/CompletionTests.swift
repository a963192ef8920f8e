import Foundation
import XCTest
import YDNNScript

final class CompletionTests: XCTestCase {
    func complete(_ line: String, vars: String = "") -> [String] {
        let i = Interpreter(console: Console.capture().0)
        if !vars.isEmpty { XCTAssertTrue(i.run(source: vars)) }
        return Completer(interpreter: i).completions(line: line, cursor: line.utf8.count)
    }

    func testCommandNamesAndKeywords() {
        XCTAssertEqual(complete("pri"), ["print"])
        XCTAssertEqual(complete("se"), ["seed", "set"])
        XCTAssertEqual(complete("le"), ["let"])
        XCTAssertEqual(complete("let r = sh"), ["show", "shuffle"])
        XCTAssertEqual(complete("print 1; se"), ["seed", "set"])
    }

    func testOptionsOfTheCurrentCommandFromTheRegistry() {
        XCTAssertEqual(complete("set thr"), ["threads="])
        XCTAssertEqual(complete("set threads=2 p"), ["progress=", "precision="])
        XCTAssertEqual(complete("experiment \"x\" rep"), ["repeat=", "replace="])
        XCTAssertEqual(complete("experiment \"x\" repe"), ["repeat="])
    }

    func testValuesOfAnOption() {
        XCTAssertEqual(complete("set progress="), ["auto", "on", "off"])
        XCTAssertEqual(complete("set echo=o"), ["on", "off"])
        XCTAssertEqual(complete("show pr"), ["progress", "precision"])
    }

    func testVariables() {
        XCTAssertEqual(complete("print $l", vars: "let lr = 1\nlet layers = 2\nlet x = 3"), ["$layers", "$lr"])
    }

    func testPathsInsideStrings() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ydnn-complete-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("recipes"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("recipe.ydnn").path, contents: Data())
        XCTAssertEqual(complete("include \"\(dir.path)/rec"), ["\(dir.path)/recipe.ydnn", "\(dir.path)/recipes/"])
    }

    func testContinuation() {
        XCTAssertTrue(isIncomplete("for x in [1, 2] {"))
        XCTAssertTrue(isIncomplete("let l = [1,\n"))
        XCTAssertTrue(isIncomplete("train epochs=3 \\\n"))
        XCTAssertFalse(isIncomplete("for x in [1] {\n print $x\n}"))
        XCTAssertFalse(isIncomplete("print \"{\""))
    }
}
