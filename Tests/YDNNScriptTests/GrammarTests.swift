import Foundation
import XCTest
@testable import YDNNScript

/// Keeps grammar/ydnn.ebnf true: the grammar file itself is read and used to
/// recognise the token streams of every example and fixture.
final class GrammarTests: XCTestCase {
    func scripts(in folder: String) throws -> [URL] {
        let dir = repositoryRoot.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".ydnn") }.sorted().map { dir.appendingPathComponent($0) }
    }

    func loadGrammar() throws -> EBNFGrammar {
        try EBNFGrammar(String(contentsOf: repositoryRoot.appendingPathComponent("grammar/ydnn.ebnf"), encoding: .utf8))
    }

    func testGrammarAcceptsEveryExampleAndValidFixture() throws {
        let grammar = try loadGrammar()
        let files = try scripts(in: "examples") + scripts(in: "grammar/fixtures/valid")
        XCTAssertFalse(files.isEmpty)
        for url in files {
            let file = SourceFile(name: url.lastPathComponent, text: try String(contentsOf: url, encoding: .utf8))
            XCTAssertTrue(grammar.accepts(file), "grammar rejects \(url.lastPathComponent)")
            // And the real parser agrees, and the checker finds nothing wrong.
            XCTAssertEqual(Parser.parse(file, commandNames: Set(CommandRegistry.standard.names)).diagnostics.map(\.message), [], url.lastPathComponent)
            XCTAssertEqual(Interpreter(console: Console.capture().0).check(path: url.path).map(\.description), [], url.lastPathComponent)
        }
    }

    func testGrammarRejectsEverySyntaxErrorFixture() throws {
        let grammar = try loadGrammar()
        let files = try scripts(in: "grammar/fixtures/invalid").filter { $0.lastPathComponent.hasPrefix("syntax_") }
        XCTAssertGreaterThanOrEqual(files.count, 5)
        for url in files {
            let file = SourceFile(name: url.lastPathComponent, text: try String(contentsOf: url, encoding: .utf8))
            XCTAssertFalse(grammar.accepts(file), "grammar accepts \(url.lastPathComponent)")
            XCTAssertFalse(Parser.parse(file, commandNames: []).diagnostics.isEmpty)
        }
    }

    func testGrammarOnSmallCases() throws {
        let g = try loadGrammar()
        func ok(_ s: String) -> Bool { g.accepts(SourceFile(name: "t", text: s)) }
        XCTAssertTrue(ok("train epochs=3\n"))
        XCTAssertTrue(ok("let r = evaluate hr@10; print $r.hr@10"))
        XCTAssertTrue(ok("for x in [1,\n 2,\n] {\n print $x\n}"))
        XCTAssertFalse(ok("let = 3"))
        XCTAssertFalse(ok("print [1, 2"))
        XCTAssertFalse(ok("for x [1] { }"))
    }
}

/// A small EBNF reader and recogniser, enough for grammar/ydnn.ebnf: rules of
/// sequences, `|`, `{ }`, `[ ]`, `( )`, quoted literals and UPPERCASE token classes.
struct EBNFGrammar {
    indirect enum Node {
        case sequence([Node]), choice([Node]), repeatZeroOrMore(Node), optional(Node)
        case literal(String), tokenClass(String), rule(String)
    }

    var rules: [String: Node] = [:]
    let start: String

    init(_ text: String) throws {
        // Strip (* comments *).
        var source = text
        while let open = source.range(of: "(*"), let close = source.range(of: "*)", range: open.upperBound..<source.endIndex) {
            source.removeSubrange(open.lowerBound..<close.upperBound)
        }
        var tokens: [String] = []
        var i = source.startIndex
        while i < source.endIndex {
            let c = source[i]
            if c.isWhitespace { i = source.index(after: i); continue }
            if c == "\"" || c == "'" {
                let end = source[source.index(after: i)...].firstIndex(of: c)!
                tokens.append(String(source[i...end]))
                i = source.index(after: end)
            } else if c.isLetter || c == "_" {
                var j = i
                while j < source.endIndex, source[j].isLetter || source[j].isNumber || source[j] == "_" { j = source.index(after: j) }
                tokens.append(String(source[i..<j]))
                i = j
            } else {
                tokens.append(String(c))
                i = source.index(after: i)
            }
        }
        var p = 0
        func parseChoice() -> Node {
            var alternatives = [parseSequence()]
            while p < tokens.count, tokens[p] == "|" { p += 1; alternatives.append(parseSequence()) }
            return alternatives.count == 1 ? alternatives[0] : .choice(alternatives)
        }
        func parseSequence() -> Node {
            var items: [Node] = []
            while p < tokens.count, !["|", ")", "]", "}", ";"].contains(tokens[p]) {
                let t = tokens[p]; p += 1
                switch t {
                case "{": items.append(.repeatZeroOrMore(parseChoice())); p += 1
                case "[": items.append(.optional(parseChoice())); p += 1
                case "(": items.append(parseChoice()); p += 1
                default:
                    if t.hasPrefix("\"") || t.hasPrefix("'") { items.append(.literal(String(t.dropFirst().dropLast()))) }
                    else if t == t.uppercased() { items.append(.tokenClass(t)) }
                    else { items.append(.rule(t)) }
                }
            }
            return items.count == 1 ? items[0] : .sequence(items)
        }
        var first: String?
        while p < tokens.count {
            let name = tokens[p]; p += 2   // name =
            rules[name] = parseChoice()
            p += 1                         // ;
            if first == nil { first = name }
        }
        start = first!
    }

    /// The token classes and literals each lexer token can stand for.
    static func terminals(_ token: Token) -> (tokenClass: String?, literal: String?) {
        switch token.kind {
        case .identifier(let w): return (reservedWords.contains(w) ? nil : "NAME", w)
        case .metric: return ("METRIC", nil)
        case .integer: return ("INTEGER", nil)
        case .float: return ("FLOAT", nil)
        case .string: return ("STRING", nil)
        case .variable: return ("VARIABLE", nil)
        case .newline: return ("NEWLINE", nil)
        case .end: return ("END", nil)
        case .invalid: return (nil, nil)
        case .equals: return (nil, "=")
        case .comma: return (nil, ",")
        case .semicolon: return (nil, ";")
        case .leftBracket: return (nil, "[")
        case .rightBracket: return (nil, "]")
        case .leftBrace: return (nil, "{")
        case .rightBrace: return (nil, "}")
        }
    }

    func accepts(_ file: SourceFile) -> Bool {
        let (tokens, errors) = Lexer.tokenize(file)
        if !errors.isEmpty { return false }
        let terms = tokens.map(Self.terminals)
        return match(.rule(start), at: 0, terms).contains(terms.count)
    }

    /// Every position where `node` can end when it starts at `pos` (full backtracking).
    func match(_ node: Node, at pos: Int, _ terms: [(tokenClass: String?, literal: String?)]) -> Set<Int> {
        switch node {
        case .literal(let l):
            return pos < terms.count && terms[pos].literal == l ? [pos + 1] : []
        case .tokenClass(let c):
            return pos < terms.count && terms[pos].tokenClass == c ? [pos + 1] : []
        case .rule(let name):
            return match(rules[name]!, at: pos, terms)
        case .sequence(let items):
            var positions: Set<Int> = [pos]
            for item in items {
                positions = Set(positions.flatMap { match(item, at: $0, terms) })
                if positions.isEmpty { break }
            }
            return positions
        case .choice(let alternatives):
            return Set(alternatives.flatMap { match($0, at: pos, terms) })
        case .optional(let inner):
            return match(inner, at: pos, terms).union([pos])
        case .repeatZeroOrMore(let inner):
            var all: Set<Int> = [pos], frontier: Set<Int> = [pos]
            while !frontier.isEmpty {
                let next = Set(frontier.flatMap { match(inner, at: $0, terms) }).subtracting(all)
                all.formUnion(next)
                frontier = next
            }
            return all
        }
    }
}
