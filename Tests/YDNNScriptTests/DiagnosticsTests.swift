import Foundation
import XCTest
import YDNNScript

/// Root of the repository, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

final class DiagnosticsTests: XCTestCase {
    /// The text `ydnn check` prints for a file, with paths relative to the repository.
    func checkOutput(_ relativePath: String) -> String {
        let path = repositoryRoot.appendingPathComponent(relativePath).path
        let errors = Interpreter(console: Console.capture().0).check(path: path)
        return Diagnostics(errors).description.replacingOccurrences(of: repositoryRoot.path + "/", with: "") + "\n"
    }

    /// Every invalid fixture's diagnostics match its `.expected` file exactly:
    /// message, line:column, the source line and the caret under the spot.
    func testGoldenDiagnostics() throws {
        let dir = repositoryRoot.appendingPathComponent("grammar/fixtures/invalid")
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".ydnn") }.sorted()
        XCTAssertGreaterThanOrEqual(fixtures.count, 7)
        for name in fixtures {
            let expected = try String(contentsOf: dir.appendingPathComponent(name.replacingOccurrences(of: ".ydnn", with: ".expected")), encoding: .utf8)
            XCTAssertEqual(checkOutput("grammar/fixtures/invalid/\(name)"), expected, name)
        }
    }

    func testTenMistakesAreAllReportedWithLineColumnAndCaret() {
        let path = repositoryRoot.appendingPathComponent("grammar/fixtures/invalid/ten_mistakes.ydnn").path
        let errors = Interpreter(console: Console.capture().0).check(path: path)
        XCTAssertGreaterThanOrEqual(errors.count, 10)
        XCTAssertEqual(Set(errors.map(\.line)).count, errors.count, "one error per line, each on its own line")
        for e in errors {
            let lines = e.description.split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertTrue(lines[0].contains(":\(e.line):\(e.column): error: "))
            let caretLine = lines[2]
            XCTAssertEqual(caretLine.firstIndex(of: "^").map { caretLine.distance(from: caretLine.startIndex, to: $0) }, e.column - 1)
        }
    }

    func testCaretLinesUpUnderTabs() {
        let file = SourceFile(name: "t.ydnn", text: "\tset  thread=2")
        let d = Diagnostic("unknown option", at: Span(file: file, start: 6, end: 12), help: "did you mean 'threads'?")
        XCTAssertEqual(d.description, "t.ydnn:1:7: error: unknown option\n\tset  thread=2\n\t     ^~~~~~\nhelp: did you mean 'threads'?")
    }

    func testSuggestions() {
        XCTAssertEqual(closestMatch(to: "epoch", in: ["epochs", "batch", "lr"]), "epochs")
        XCTAssertEqual(closestMatch(to: "trian", in: ["train", "print"]), "train")
        XCTAssertNil(closestMatch(to: "zzz", in: ["train", "print"]))
    }
}
