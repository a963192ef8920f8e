/// Whether typed text is an unfinished statement: a `{` or `[` still open, or a
/// trailing backslash. The REPL then reads another line instead of running it.
public func isIncomplete(_ source: String) -> Bool {
    var trimmed = source
    while let last = trimmed.last, last == "\n" || last == " " || last == "\t" || last == "\r" { trimmed.removeLast() }
    if trimmed.hasSuffix("\\") { return true }
    let (tokens, _) = Lexer.tokenize(SourceFile(name: "", text: source))
    var depth = 0
    for t in tokens {
        switch t.kind {
        case .leftBrace, .leftBracket: depth += 1
        case .rightBrace, .rightBracket: depth -= 1
        default: break
        }
    }
    return depth > 0
}
