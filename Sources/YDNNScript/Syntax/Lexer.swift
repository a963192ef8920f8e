/// Turns source text into tokens. Errors (unterminated strings, stray characters,
/// malformed numbers) become diagnostics and an `.invalid` token, so one run of
/// the lexer reports every lexical mistake in a file.
public struct Lexer {
    let file: SourceFile
    let bytes: [UInt8]
    var pos = 0
    public private(set) var diagnostics: [Diagnostic] = []

    public init(_ file: SourceFile) {
        self.file = file
        self.bytes = file.bytes
    }

    public static func tokenize(_ file: SourceFile) -> (tokens: [Token], diagnostics: [Diagnostic]) {
        var lexer = Lexer(file)
        var tokens: [Token] = []
        while true {
            let t = lexer.next()
            tokens.append(t)
            if t.kind == .end { break }
        }
        return (tokens, lexer.diagnostics)
    }

    // MARK: - Characters

    func peek(_ ahead: Int = 0) -> UInt8? { pos + ahead < bytes.count ? bytes[pos + ahead] : nil }

    static func isIdentStart(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == UInt8(ascii: "_")
    }
    static func isIdentChar(_ b: UInt8) -> Bool { isIdentStart(b) || isDigit(b) }
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    func span(from start: Int) -> Span { Span(file: file, start: start, end: pos) }

    mutating func error(_ message: String, _ span: Span, help: String? = nil) {
        diagnostics.append(Diagnostic(message, at: span, help: help))
    }

    // MARK: - Tokens

    public mutating func next() -> Token {
        let spaced = skipTrivia()
        let start = pos
        guard let b = peek() else { return Token(kind: .end, span: span(from: start), spaceBefore: spaced) }
        func single(_ kind: TokenKind) -> Token {
            pos += 1
            return Token(kind: kind, span: span(from: start), spaceBefore: spaced)
        }
        switch b {
        case UInt8(ascii: "\n"): return single(.newline)
        case UInt8(ascii: "="): return single(.equals)
        case UInt8(ascii: ","): return single(.comma)
        case UInt8(ascii: ";"): return single(.semicolon)
        case UInt8(ascii: "["): return single(.leftBracket)
        case UInt8(ascii: "]"): return single(.rightBracket)
        case UInt8(ascii: "{"): return single(.leftBrace)
        case UInt8(ascii: "}"): return single(.rightBrace)
        case UInt8(ascii: "\""): return Token(kind: lexString(), span: span(from: start), spaceBefore: spaced)
        case UInt8(ascii: "$"):
            pos += 1
            let kind: TokenKind
            if let ref = lexVariable(start: start, braced: false) { kind = .variable(ref) } else { kind = .invalid }
            return Token(kind: kind, span: span(from: start), spaceBefore: spaced)
        default: break
        }
        if Lexer.isDigit(b) || ((b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: "."))
            && (peek(1).map(Lexer.isDigit) ?? false || (peek(1) == UInt8(ascii: ".") && (peek(2).map(Lexer.isDigit) ?? false)))) {
            return Token(kind: lexNumber(), span: span(from: start), spaceBefore: spaced)
        }
        if Lexer.isIdentStart(b) {
            return Token(kind: lexWord(), span: span(from: start), spaceBefore: spaced)
        }
        // A stray character: skip the whole UTF-8 sequence so the caret covers it.
        pos += 1
        while let c = peek(), c & 0xC0 == 0x80 { pos += 1 }
        let s = span(from: start)
        error("unexpected character '\(s.text)'", s,
              help: b == UInt8(ascii: "'") ? "strings use double quotes: \"...\"" : nil)
        return Token(kind: .invalid, span: s, spaceBefore: spaced)
    }

    /// Skips spaces, comments and backslash-newline continuations. Returns whether any were skipped.
    mutating func skipTrivia() -> Bool {
        let start = pos
        while let b = peek() {
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") {
                pos += 1
            } else if b == UInt8(ascii: "#") {
                while let c = peek(), c != UInt8(ascii: "\n") { pos += 1 }
            } else if b == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "\n") {
                pos += 2
            } else if b == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "\r"), peek(2) == UInt8(ascii: "\n") {
                pos += 3
            } else {
                break
            }
        }
        return pos > start
    }

    mutating func lexWord() -> TokenKind {
        let start = pos
        while let c = peek(), Lexer.isIdentChar(c) { pos += 1 }
        let word = String(decoding: bytes[start ..< pos], as: UTF8.self)
        guard peek() == UInt8(ascii: "@") else { return .identifier(word) }
        // A metric name: hr@10, ndcg@50, recall@100.
        let at = pos
        pos += 1
        let digitsStart = pos
        while let c = peek(), Lexer.isDigit(c) { pos += 1 }
        let digits = String(decoding: bytes[digitsStart ..< pos], as: UTF8.self)
        guard let k = Int(digits), k > 0 else {
            while let c = peek(), Lexer.isIdentChar(c) { pos += 1 }
            error("a metric needs a positive cutoff after '@'", Span(file: file, start: at, end: pos),
                  help: "write it like \(word)@10")
            return .invalid
        }
        if let c = peek(), Lexer.isIdentChar(c) {
            while let c = peek(), Lexer.isIdentChar(c) { pos += 1 }
            error("unexpected characters after the metric cutoff", Span(file: file, start: digitsStart, end: pos))
            return .invalid
        }
        return .metric(name: word, k: k)
    }

    mutating func lexNumber() -> TokenKind {
        let start = pos
        var isFloat = false
        if peek() == UInt8(ascii: "-") || peek() == UInt8(ascii: "+") { pos += 1 }
        func digits() { while let c = peek(), Lexer.isDigit(c) || c == UInt8(ascii: "_") { pos += 1 } }
        digits()
        if peek() == UInt8(ascii: "."), peek(1).map(Lexer.isDigit) ?? false {
            isFloat = true
            pos += 1
            digits()
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            let save = pos
            pos += 1
            if peek() == UInt8(ascii: "-") || peek() == UInt8(ascii: "+") { pos += 1 }
            if peek().map(Lexer.isDigit) ?? false { isFloat = true; digits() } else { pos = save }
        }
        // "12abc" is a typo, not a number followed by a word.
        if let c = peek(), Lexer.isIdentChar(c) || c == UInt8(ascii: ".") {
            while let c = peek(), Lexer.isIdentChar(c) || c == UInt8(ascii: ".") { pos += 1 }
            error("malformed number '\(span(from: start).text)'", span(from: start),
                  help: "put names and paths in double quotes")
            return .invalid
        }
        let text = String(decoding: bytes[start ..< pos], as: UTF8.self).replacingOccurrences(of: "_", with: "")
        if !isFloat, let i = Int(text) { return .integer(i) }
        if let d = Double(text), d.isFinite {
            if !isFloat { error("integer '\(text)' is too large", span(from: start)); return .invalid }
            return .float(d)
        }
        error("malformed number '\(text)'", span(from: start))
        return .invalid
    }

    /// After the `$`: a name, then `.field` segments (identifiers, metrics or indexes).
    /// Inside strings only `${name.field}` takes fields, so `"$name.tsv"` means what it says.
    mutating func lexVariable(start: Int, braced: Bool, fields: Bool = true) -> VariableRef? {
        guard let c = peek(), Lexer.isIdentStart(c) else {
            error("expected a variable name after '$'", span(from: start), help: braced ? nil : "write a literal dollar sign as \\$ inside strings")
            return nil
        }
        let nameStart = pos
        while let c = peek(), Lexer.isIdentChar(c) { pos += 1 }
        let name = String(decoding: bytes[nameStart ..< pos], as: UTF8.self)
        var path: [String] = []
        while fields, peek() == UInt8(ascii: "."), let c = peek(1), Lexer.isIdentChar(c) {
            pos += 1
            let fieldStart = pos
            while let c = peek(), Lexer.isIdentChar(c) { pos += 1 }
            if peek() == UInt8(ascii: "@"), peek(1).map(Lexer.isDigit) ?? false {
                pos += 1
                while let c = peek(), Lexer.isDigit(c) { pos += 1 }
            }
            path.append(String(decoding: bytes[fieldStart ..< pos], as: UTF8.self))
        }
        return VariableRef(name: name, path: path, span: span(from: start))
    }

    mutating func lexString() -> TokenKind {
        let start = pos
        pos += 1  // opening quote
        var parts: [StringPart] = []
        var text: [UInt8] = []
        var ok = true
        func flush() {
            if !text.isEmpty { parts.append(.text(String(decoding: text, as: UTF8.self))); text = [] }
        }
        while true {
            guard let c = peek(), c != UInt8(ascii: "\n") else {
                error("unterminated string", span(from: start), help: "close it with \" on the same line")
                return .invalid
            }
            if c == UInt8(ascii: "\"") { pos += 1; break }
            if c == 0 {  // C strings (paths, terminal output) would end here
                let at = pos
                pos += 1
                error("a NUL byte inside a string", span(from: at), help: "remove it; a string cannot hold NUL")
                ok = false
                continue
            }
            if c == UInt8(ascii: "\\") {
                let escStart = pos
                pos += 1
                guard let e = peek(), e != UInt8(ascii: "\n") else { continue }
                pos += 1
                switch e {
                case UInt8(ascii: "n"): text.append(10)
                case UInt8(ascii: "t"): text.append(9)
                case UInt8(ascii: "r"): text.append(13)
                case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "$"): text.append(e)
                default:
                    error("unknown escape '\\\(Character(Unicode.Scalar(e)))'", span(from: escStart),
                          help: "escapes are \\n \\t \\r \\\\ \\\" \\$")
                    ok = false
                }
                continue
            }
            if c == UInt8(ascii: "$") {
                flush()
                let refStart = pos
                pos += 1
                if peek() == UInt8(ascii: "{") {
                    pos += 1
                    let ref = lexVariable(start: refStart, braced: true)
                    if peek() == UInt8(ascii: "}") { pos += 1 } else {
                        error("expected '}' to close '${'", span(from: refStart)); ok = false
                    }
                    if let ref { parts.append(.variable(VariableRef(name: ref.name, path: ref.path, span: span(from: refStart)))) } else { ok = false }
                } else if let ref = lexVariable(start: refStart, braced: false, fields: false) {
                    parts.append(.variable(ref))
                } else {
                    ok = false
                }
                continue
            }
            text.append(c)
            pos += 1
        }
        flush()
        return ok ? .string(parts) : .invalid
    }
}
