import XCTest
@testable import YDNNScript

final class ParserTests: XCTestCase {
    let names: Set<String> = ["print", "train", "evaluate", "experiment"]

    func parse(_ text: String) -> ([Statement], [String]) {
        let (s, d) = Parser.parse(SourceFile(name: "t", text: text), commandNames: names)
        return (s, d.map(\.message))
    }

    func testCommandWithPositionalsOptionsAndBlock() {
        let (statements, errors) = parse("experiment \"a\" repeat=2 {\n  train epochs=3\n}")
        XCTAssertEqual(errors, [])
        guard case .command(let c) = statements.first else { return XCTFail() }
        XCTAssertEqual(c.name, "experiment")
        XCTAssertEqual(c.positionals.count, 1)
        XCTAssertEqual(c.options.map(\.label), ["repeat"])
        XCTAssertEqual(c.block?.statements.count, 1)
    }

    func testLetBindsAValueOrACommand() {
        let (statements, errors) = parse("let a = adam\nlet r = evaluate hr@10 hr@50")
        XCTAssertEqual(errors, [])
        guard case .binding(_, _, .expression(.symbol("adam", _)), _) = statements[0] else { return XCTFail() }
        guard case .binding("r", _, .command(let c), _) = statements[1] else { return XCTFail() }
        XCTAssertEqual(c.positionals.count, 2)
    }

    func testForLoopAndMultilineList() {
        let (statements, errors) = parse("for x in [\n 1,\n 2,\n] { print $x }")
        XCTAssertEqual(errors, [])
        guard case .loop("x", _, .list(let items, _), let body, _) = statements[0] else { return XCTFail() }
        XCTAssertEqual(items.count, 2)
        XCTAssertEqual(body.statements.count, 1)
    }

    func testSemicolonsSeparateStatements() {
        let (statements, errors) = parse("print 1; print 2 ;print 3")
        XCTAssertEqual(errors, [])
        XCTAssertEqual(statements.count, 3)
    }

    func testRecoversAndReportsEverySyntaxError() {
        let (statements, errors) = parse("let = 1\nprint 2\nfor x [1] { }\nprint [1, 2\nprint 3 }\nprint 4")
        XCTAssertEqual(errors, ["expected a variable name after 'let'", "expected 'in' after 'for x'",
                                "unclosed '['", "unexpected '}' with no block open"])
        // The good statements survive: print 2, print 3, print 4.
        XCTAssertEqual(statements.count, 3)
    }

    func testUnclosedBlockPointsAtTheBrace() {
        let (d) = Parser.parse(SourceFile(name: "t", text: "for x in [1] {\n print 1\n"), commandNames: names).diagnostics
        XCTAssertEqual(d.map(\.message), ["unclosed '{'"])
        XCTAssertEqual(d[0].line, 1)
        XCTAssertEqual(d[0].column, 14)
    }

    func testStatementsMustEndAtTheLineEnd() {
        XCTAssertEqual(parse("print 1 = 2").1, ["expected an option name before '='"])
        XCTAssertEqual(parse("for x in [1] { print 1 } print 2").1.first, "expected the end of the statement, found 'print'")
    }
}
