import XCTest
@testable import YDNNScript

final class LexerTests: XCTestCase {
    func kinds(_ text: String) -> [TokenKind] {
        Lexer.tokenize(SourceFile(name: "t", text: text)).tokens.map(\.kind)
    }

    func errors(_ text: String) -> [String] {
        Lexer.tokenize(SourceFile(name: "t", text: text)).diagnostics.map(\.message)
    }

    func testNumbers() {
        XCTAssertEqual(kinds("42 -7 +3 1_000"), [.integer(42), .integer(-7), .integer(3), .integer(1000), .end])
        XCTAssertEqual(kinds("0.5 1e-3 -2.5E+2 .25"), [.float(0.5), .float(0.001), .float(-250), .float(0.25), .end])
    }

    func testWordsMetricsAndPunctuation() {
        XCTAssertEqual(kinds("train epochs=3 hr@50 [a, b] { } ;"), [
            .identifier("train"), .identifier("epochs"), .equals, .integer(3), .metric(name: "hr", k: 50),
            .leftBracket, .identifier("a"), .comma, .identifier("b"), .rightBracket, .leftBrace, .rightBrace,
            .semicolon, .end,
        ])
    }

    func testCommentsAndContinuation() {
        XCTAssertEqual(kinds("a # comment\nb \\\n c"), [.identifier("a"), .newline, .identifier("b"), .identifier("c"), .end])
    }

    func testStringEscapesAndInterpolation() {
        guard case .string(let parts) = kinds(#""a\tb\"c\$ $x ${r.hr@50}.txt""#)[0] else { return XCTFail() }
        XCTAssertEqual(parts.count, 5)
        XCTAssertEqual(parts[0], .text("a\tb\"c$ "))
        guard case .variable(let x) = parts[1], case .variable(let r) = parts[3] else { return XCTFail() }
        XCTAssertEqual(x.name, "x"); XCTAssertEqual(x.path, [])
        XCTAssertEqual(r.name, "r"); XCTAssertEqual(r.path, ["hr@50"])
        XCTAssertEqual(parts[2], .text(" "))
        XCTAssertEqual(parts[4], .text(".txt"))
    }

    func testUnbracedInterpolationTakesNoFields() {
        guard case .string(let parts) = kinds(#""out/$name.tsv""#)[0] else { return XCTFail() }
        guard case .variable(let v) = parts[1] else { return XCTFail() }
        XCTAssertEqual(v.name, "name")
        XCTAssertEqual(parts[2], .text(".tsv"))
    }

    func testVariablesWithFields() {
        guard case .variable(let v) = kinds("$r.hr@50 ")[0] else { return XCTFail() }
        XCTAssertEqual(v.name, "r"); XCTAssertEqual(v.path, ["hr@50"])
        guard case .variable(let d) = kinds("$dims.0")[0] else { return XCTFail() }
        XCTAssertEqual(d.path, ["0"])
    }

    func testLexicalErrors() {
        XCTAssertEqual(errors("\"open"), ["unterminated string"])
        XCTAssertEqual(errors("12abc"), ["malformed number '12abc'"])
        XCTAssertEqual(errors("hr@"), ["a metric needs a positive cutoff after '@'"])
        XCTAssertEqual(errors("'x'").first, "unexpected character '''")
        XCTAssertEqual(errors("\"\\q\""), ["unknown escape '\\q'"])
        XCTAssertEqual(errors("$ x"), ["expected a variable name after '$'"])
        XCTAssertEqual(errors("99999999999999999999"), ["integer '99999999999999999999' is too large"])
    }

    func testLocationsAreOneBasedAndCountCharacters() {
        let file = SourceFile(name: "t", text: "ab\n  é x")
        let tokens = Lexer.tokenize(file).tokens
        let x = tokens.first { $0.kind == .identifier("x") }!
        XCTAssertEqual(file.location(of: x.span.start).line, 2)
        XCTAssertEqual(file.location(of: x.span.start).column, 5)
    }
}
