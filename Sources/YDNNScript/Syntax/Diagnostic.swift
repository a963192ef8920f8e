/// An error found in a script, pointing at the spot:
///
///     recipe.ydnn:3:7: error: unknown option 'epoch' for 'train'
///     train epoch=3
///           ^~~~~
///     help: did you mean 'epochs'?
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    public let span: Span
    public let message: String
    /// A hint shown on its own line after the caret ("did you mean 'epochs'?").
    public let help: String?
    /// The chain of includes that led to this file, outermost first.
    public var includedFrom: [Span] = []

    public init(_ message: String, at span: Span, help: String? = nil) {
        self.message = message; self.span = span; self.help = help
    }

    public var line: Int { span.file.location(of: span.start).line }
    public var column: Int { span.file.location(of: span.start).column }

    /// The full text: location line, source line, caret, help.
    public var description: String {
        let file = span.file
        let (line, column) = file.location(of: span.start)
        var out = ""
        for site in includedFrom {
            let (l, c) = site.file.location(of: site.start)
            out += "\(site.file.name):\(l):\(c): note: included from here\n"
        }
        out += "\(file.name):\(line):\(column): error: \(message)\n"
        let source = file.lineText(line)
        out += source + "\n"
        // The caret line copies tabs from the source so it lines up in any terminal.
        let lead = source.prefix(column - 1).map { $0 == "\t" ? "\t" : " " }.joined()
        let (endLine, endColumn) = file.location(of: max(span.start, span.end - 1))
        let width = endLine == line ? max(1, min(endColumn, source.count + 1) - column + 1) : max(1, source.count - column + 1)
        out += lead + "^" + String(repeating: "~", count: width - 1)
        if let help { out += "\nhelp: \(help)" }
        return out
    }
}

/// One or more diagnostics, thrown when a script cannot be run.
public struct Diagnostics: Error, Sendable, CustomStringConvertible {
    public var items: [Diagnostic]
    public init(_ items: [Diagnostic]) { self.items = items }
    public var description: String {
        let n = items.count
        return items.map(\.description).joined(separator: "\n") + "\n\(n) error\(n == 1 ? "" : "s")"
    }
}
