import Foundation
import YDNNRepl
import YDNNScript

/// Adapts an interpreter session to the line editor's `ReplEngine`.
final class SessionEngine: ReplEngine {
    let interpreter: Interpreter
    let meta: MetaCommands
    let completer: Completer
    private(set) var failures = 0
    /// Piped input keeps real line numbers in errors; typed input counts from 1 per entry.
    let name: String
    let numbersLines: Bool
    private var linesSeen = 0

    init(_ interpreter: Interpreter, piped: Bool) {
        self.name = piped ? "<stdin>" : "<repl>"
        self.numbersLines = piped
        self.interpreter = interpreter
        self.meta = MetaCommands(interpreter: interpreter)
        self.completer = Completer(interpreter: interpreter)
    }

    func needsContinuation(_ source: String) -> Bool { isIncomplete(source) }

    func run(_ source: String) -> ReplAction {
        let firstLine = numbersLines ? linesSeen + 1 : 1
        linesSeen += max(1, source.split(separator: "\n", omittingEmptySubsequences: false).count - (source.hasSuffix("\n") ? 1 : 0))
        let trimmed = source.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .continue }
        let ok = trimmed.hasPrefix(":") ? meta.run(trimmed) : interpreter.run(source: source, name: name, firstLine: firstLine)
        if !ok { failures += 1 }
        return .continue
    }

    func completions(line: String, cursor: Int, pending: String) -> [String] {
        if line.hasPrefix(":") && !line.contains(" ") {
            return MetaCommands.all.map(\.name).filter { $0.hasPrefix(line) }
        }
        return completer.completions(line: line, cursor: cursor)
    }
}

/// The REPL on a terminal; statements from stdin otherwise. Returns the exit status
/// (1 when input from a pipe had errors, so `ydnn < recipe.ydnn` fails like `run`).
func startRepl(_ interpreter: Interpreter) -> Int32 {
    let piped = !Repl.isInteractiveTerminal
    let engine = SessionEngine(interpreter, piped: piped)
    let repl = Repl(engine: engine, historyPath: Repl.defaultHistoryPath(),
                    banner: piped ? nil : "ydnn \(ydnnVersion). :help for help, 'help' for the commands, Ctrl-D to leave.")
    let status = repl.run()
    return piped && engine.failures > 0 ? 1 : status
}
