/// Recursive descent over the token list (grammar: grammar/ydnn.ebnf). On an
/// error it records a diagnostic and skips to the end of the statement, so a
/// single parse reports every syntax error in a file.
public struct Parser {
    let tokens: [Token]
    var index = 0
    public private(set) var diagnostics: [Diagnostic]

    /// Names that start a command after `let x =` (`let r = evaluate hr@50`);
    /// any other word there is a symbol value.
    let commandNames: Set<String>

    public static func parse(_ file: SourceFile, commandNames: Set<String>) -> (statements: [Statement], diagnostics: [Diagnostic]) {
        let (tokens, lexErrors) = Lexer.tokenize(file)
        var parser = Parser(tokens: tokens, diagnostics: lexErrors, commandNames: commandNames)
        let statements = parser.parseStatements(untilBrace: false)
        let sorted = parser.diagnostics.sorted { $0.span.start < $1.span.start }
        return (statements, sorted)
    }

    init(tokens: [Token], diagnostics: [Diagnostic], commandNames: Set<String>) {
        self.tokens = tokens
        self.diagnostics = diagnostics
        self.commandNames = commandNames
    }

    // MARK: - Token access

    var current: Token { tokens[index] }

    mutating func advance() -> Token {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    mutating func skipNewlines() {
        while current.kind == .newline || current.kind == .semicolon { _ = advance() }
    }

    mutating func error(_ message: String, _ span: Span, help: String? = nil) {
        // One diagnostic per spot: an error often causes a second one at the same token.
        if diagnostics.contains(where: { $0.span.start == span.start && $0.span.file === span.file }) { return }
        diagnostics.append(Diagnostic(message, at: span, help: help))
    }

    /// Skips to the end of the current statement (a newline or `;` outside brackets,
    /// or a `}` that closes the enclosing block). When the statement that failed
    /// already ran onto a new line (an unclosed `[`), that line starts afresh.
    mutating func recover(from start: Int) {
        if index > start, tokens[index - 1].kind == .newline { return }
        if index == start, current.kind != .end, !current.isStatementEnd { _ = advance() }
        var depth = 0
        while true {
            switch current.kind {
            case .end: return
            case .newline, .semicolon: if depth == 0 { return }
            case .leftBrace, .leftBracket: depth += 1
            case .rightBrace, .rightBracket:
                if depth == 0 { return }
                depth -= 1
            default: break
            }
            _ = advance()
        }
    }

    // MARK: - Statements

    mutating func parseStatements(untilBrace: Bool) -> [Statement] {
        var statements: [Statement] = []
        while true {
            skipNewlines()
            switch current.kind {
            case .end: return statements
            case .rightBrace:
                if untilBrace { return statements }
                error("unexpected '}' with no block open", current.span)
                _ = advance()
                continue
            default: break
            }
            let errorsBefore = diagnostics.count
            let start = index
            if let s = parseStatement() { statements.append(s) }
            if diagnostics.count > errorsBefore {
                recover(from: start)
            } else if !current.isStatementEnd {
                error("expected the end of the statement, found \(current.display)", current.span,
                      help: "put each statement on its own line or separate them with ';'")
                recover(from: start)
            }
        }
    }

    mutating func parseStatement() -> Statement? {
        let start = current
        guard case .identifier(let word) = start.kind else {
            if start.kind != .invalid {
                error("expected a command, found \(start.display)", start.span,
                      help: "a statement starts with a command name, 'let', 'for' or 'include'")
            }
            return nil
        }
        switch word {
        case "let": return parseLet()
        case "for": return parseFor()
        case "include":
            _ = advance()
            guard !current.isStatementEnd else {
                error("expected a file name after 'include'", current.span, help: "include \"base.ydnn\"")
                return nil
            }
            guard let path = parseExpression() else { return nil }
            return .include(path: path, span: start.span.to(path.span))
        default: return parseCommand()
        }
    }

    mutating func parseLet() -> Statement? {
        let letToken = advance()
        guard case .identifier(let name) = current.kind, !reservedWords.contains(name) else {
            error("expected a variable name after 'let'", current.span, help: "let name = value")
            return nil
        }
        let nameSpan = advance().span
        guard current.kind == .equals else {
            error("expected '=' after 'let \(name)'", current.span, help: "let \(name) = value")
            return nil
        }
        _ = advance()
        if current.isStatementEnd {
            error("expected a value after '='", current.span)
            return nil
        }
        let value: BindingValue
        if case .identifier(let word) = current.kind, commandNames.contains(word) {
            guard case .command(let c)? = parseCommand() else { return nil }
            value = .command(c)
        } else {
            guard let e = parseExpression() else { return nil }
            value = .expression(e)
        }
        return .binding(name: name, nameSpan: nameSpan, value: value, span: letToken.span.to(value.span))
    }

    mutating func parseFor() -> Statement? {
        let forToken = advance()
        guard case .identifier(let name) = current.kind, !reservedWords.contains(name) else {
            error("expected a loop variable after 'for'", current.span, help: "for x in [1, 2] { ... }")
            return nil
        }
        let nameSpan = advance().span
        guard case .identifier("in") = current.kind else {
            error("expected 'in' after 'for \(name)'", current.span, help: "for \(name) in [1, 2] { ... }")
            return nil
        }
        _ = advance()
        guard let sequence = parseExpression() else { return nil }
        guard current.kind == .leftBrace else {
            error("expected '{' to start the loop body", current.span, help: "the '{' goes on the same line as 'for'")
            return nil
        }
        guard let body = parseBlock() else { return nil }
        return .loop(variable: name, variableSpan: nameSpan, sequence: sequence, body: body, span: forToken.span.to(body.span))
    }

    mutating func parseBlock() -> Block? {
        let open = advance()
        let statements = parseStatements(untilBrace: true)
        guard current.kind == .rightBrace else {
            error("unclosed '{'", open.span, help: "add a matching '}'")
            return nil
        }
        let close = advance()
        return Block(statements: statements, span: open.span.to(close.span))
    }

    mutating func parseCommand() -> Statement? {
        let nameToken = advance()
        guard case .identifier(let name) = nameToken.kind else { return nil }
        var arguments: [CommandArgument] = []
        while !current.isStatementEnd && current.kind != .leftBrace {
            // `name=value` is an option; the `=` must follow the name directly or after spaces.
            if case .identifier(let label) = current.kind, index + 1 < tokens.count, tokens[index + 1].kind == .equals {
                let labelSpan = advance().span
                _ = advance()
                if current.isStatementEnd {
                    error("expected a value after '\(label)='", current.span)
                    return nil
                }
                guard let value = parseExpression() else { return nil }
                arguments.append(CommandArgument(label: label, labelSpan: labelSpan, value: value))
            } else if current.kind == .equals {
                error("expected an option name before '='", current.span, help: "options are written name=value")
                return nil
            } else {
                guard let value = parseExpression() else { return nil }
                arguments.append(CommandArgument(label: nil, labelSpan: nil, value: value))
            }
        }
        var block: Block?
        if current.kind == .leftBrace {
            guard let b = parseBlock() else { return nil }
            block = b
        }
        let end = block?.span ?? arguments.last?.span ?? nameToken.span
        return .command(CommandStatement(name: name, nameSpan: nameToken.span, arguments: arguments,
                                         block: block, span: nameToken.span.to(end)))
    }

    // MARK: - Expressions

    mutating func parseExpression() -> Expr? {
        let t = current
        switch t.kind {
        case .integer(let i): _ = advance(); return .integer(i, t.span)
        case .float(let d): _ = advance(); return .float(d, t.span)
        case .string(let parts): _ = advance(); return .string(parts, t.span)
        case .identifier(let w): _ = advance(); return .symbol(w, t.span)
        case .metric(let name, let k): _ = advance(); return .metric(name: name, k: k, t.span)
        case .variable(let ref): _ = advance(); return .variable(ref)
        case .leftBracket: return parseList()
        case .invalid: _ = advance(); return nil
        default:
            error("expected a value, found \(t.display)", t.span,
                  help: "values are numbers, \"strings\", words, lists [a, b] and $variables")
            return nil
        }
    }

    mutating func parseList() -> Expr? {
        let open = advance()
        var items: [Expr] = []
        var sawNewline = false
        func skipListNewlines(_ p: inout Parser) {
            sawNewline = false
            while p.current.kind == .newline { _ = p.advance(); sawNewline = true }
        }
        skipListNewlines(&self)
        while current.kind != .rightBracket {
            if current.kind == .end || current.kind == .rightBrace || current.kind == .semicolon {
                error("unclosed '['", open.span, help: "add a matching ']'")
                return nil
            }
            guard let item = parseExpression() else { return nil }
            items.append(item)
            skipListNewlines(&self)
            if current.kind == .comma {
                _ = advance()
                skipListNewlines(&self)
            } else if current.kind == .rightBracket {
                continue
            } else if current.kind == .end || current.kind == .rightBrace || sawNewline {
                // A new line that does not go on with the list: the ']' was forgotten.
                error("unclosed '['", open.span, help: "add a matching ']'")
                return nil
            } else if current.kind != .rightBracket {
                error("expected ',' or ']' in the list, found \(current.display)", current.span)
                return nil
            }
        }
        let close = advance()
        return .list(items, open.span.to(close.span))
    }
}
