import Foundation

/// Gathers input lines into complete statements, asking the engine whether the text
/// so far is unfinished (open brace, bracket or string). Shared by the terminal and
/// the piped modes so both split input the same way.
struct StatementBuffer {
    private(set) var lines: [String] = []

    var isEmpty: Bool { lines.isEmpty }
    /// Earlier lines of the unfinished statement, as the engine sees them.
    var pending: String { lines.joined(separator: "\n") }

    /// Adds a line. Returns the complete statement when this line finishes one, nil when
    /// more lines are needed or the line was blank between statements.
    mutating func add(_ line: String, engine: ReplEngine) -> String? {
        if lines.isEmpty {
            if line.allSatisfy(\.isWhitespace) { return nil }
            // The REPL's own commands are complete by definition; the engine never sees them.
            if ReplCommand(line) != nil { return line }
        }
        lines.append(line)
        let source = pending
        if engine.needsContinuation(source) { return nil }
        lines.removeAll()
        return source
    }

    /// The unfinished text, handed out once (end of input in the middle of a statement).
    mutating func flush() -> String? {
        defer { lines.removeAll() }
        return lines.isEmpty ? nil : pending
    }

    mutating func reset() { lines.removeAll() }
}

/// Meta commands the REPL handles itself; every other `:command` goes to the engine.
enum ReplCommand: Equatable {
    case history
    case quit

    init?(_ source: String) {
        switch source.trimmingCharacters(in: .whitespaces) {
        case ":history": self = .history
        case ":quit", ":q", ":exit": self = .quit
        default: return nil
        }
    }
}
