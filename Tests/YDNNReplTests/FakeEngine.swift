import YDNNRepl

/// A stand-in language: a statement is unfinished while `{`, `[` or `"` is open.
/// Records every call so tests can check what the REPL handed over.
final class FakeEngine: ReplEngine {
    var ran: [String] = []
    var continuationQueries: [String] = []
    var quitOn: Set<String> = []
    /// Statements that "fail": the engine reports them (counted here) and goes on.
    var failOn: Set<String> = []
    var errors = 0
    /// Print what ran, so a test watching stdout sees the engine's output.
    var echo = false

    func needsContinuation(_ source: String) -> Bool {
        continuationQueries.append(source)
        var depth = 0
        var inString = false
        for ch in source {
            if inString {
                if ch == "\"" { inString = false }
                continue
            }
            switch ch {
            case "\"": inString = true
            case "{", "[": depth += 1
            case "}", "]": depth -= 1
            default: break
            }
        }
        return inString || depth > 0
    }

    func run(_ source: String) -> ReplAction {
        ran.append(source)
        if failOn.contains(source) { errors += 1 }
        if echo { print("ran: \(source)") }
        return quitOn.contains(source) ? .quit : .continue
    }

    func completions(line: String, cursor: Int, pending: String) -> [String] { [] }
}

/// Feeds `text` line by line, like `readLine()` on a piped file, and counts how many
/// lines were taken so tests can check the REPL stopped reading.
final class LineFeed {
    private var lines: [String]
    private(set) var taken = 0

    init(_ text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
    }

    func next() -> String? {
        guard taken < lines.count else { return nil }
        defer { taken += 1 }
        return lines[taken]
    }
}
