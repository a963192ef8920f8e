/// What the line editor needs from a language. The REPL owns the terminal
/// (editing, history, completion display, prompts, Ctrl-C / Ctrl-D); the engine
/// owns meaning. The `ydnn` executable adapts the interpreter's session to this.
public protocol ReplEngine: AnyObject {
    /// True when `source` (all lines typed so far for this statement) is not finished:
    /// an open `{`, `[` or string. The REPL then reads a continuation line.
    func needsContinuation(_ source: String) -> Bool

    /// Runs one complete input: statements, or a `:meta` command the REPL itself
    /// does not handle. Prints its own output and errors; an error never ends the
    /// session. Returns `.quit` to end the session.
    func run(_ source: String) -> ReplAction

    /// Completion candidates for the word that ends at `cursor` (a UTF-8 offset) in
    /// `line`. `pending` holds earlier lines of an unfinished statement.
    func completions(line: String, cursor: Int, pending: String) -> [String]
}

public enum ReplAction: Sendable { case `continue`, quit }
