// `stdout` is a mutable C global; Swift 6 rejects touching it unless the module
// that declares it is imported @preconcurrency. The REPL only flushes it, on the
// one thread that runs the loop.
@preconcurrency import Foundation
import YDNNSignals

/// The interactive loop around a `ReplEngine`.
///
/// On a terminal (stdin and stdout both ttys) it edits lines with libedit: emacs
/// keys, `~/.editrc`, Tab completion from the engine, persistent history, Ctrl-C
/// clears the line, Ctrl-D on an empty line exits. Otherwise (`ydnn < recipe.ydnn`,
/// pipes) it reads plain lines without prompts and runs each complete statement.
public final class Repl {
    public static let prompt = "ydnn> "
    public static let continuationPrompt = "  ...> "

    private let engine: ReplEngine
    private let historyPath: String?
    private let banner: String?
    private var buffer = StatementBuffer()
    private var warnedAboutHistory = false
    /// Entries of this session not yet in the history file.
    private var unsavedHistory: [String] = []

    /// The session's history (loaded from `historyPath` when run on a terminal).
    public private(set) var history: History

    /// - Parameters:
    ///   - historyPath: where history persists between sessions; nil keeps it in memory
    ///     only. `Repl.defaultHistoryPath()` gives the usual place.
    ///   - banner: printed once before the first prompt, on a terminal only.
    public init(engine: ReplEngine, historyPath: String?, banner: String?,
                historyLimit: Int = History.defaultLimit) {
        self.engine = engine
        self.historyPath = historyPath
        self.banner = banner
        self.history = History(limit: historyLimit)
    }

    /// `$YDNN_HISTORY` if set (empty turns persistence off), else `~/.ydnn_history`.
    public static func defaultHistoryPath(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        if let path = environment["YDNN_HISTORY"] { return path.isEmpty ? nil : path }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return URL(fileURLWithPath: home).appendingPathComponent(".ydnn_history").path
    }

    /// Whether `run()` will edit lines on a terminal (stdin and stdout both ttys) rather
    /// than read plain lines, e.g. to number errors by input line only when piped.
    public static var isInteractiveTerminal: Bool {
        isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
    }

    /// Runs the session until Ctrl-D, `:quit` or end of input. Returns the exit status:
    /// 0, as the REPL itself has no failures; a caller that counts the engine's errors
    /// (a piped recipe that failed) decides its own status.
    public func run() -> Int32 {
        // Without this libedit silently drops every non-ASCII character typed.
        setlocale(LC_CTYPE, "")
        if Repl.isInteractiveTerminal {
            return runTerminal()
        }
        return run(lines: { readLine(strippingNewline: true) })
    }

    /// The non-terminal loop: no prompts, no editing, no history file. `next` returns
    /// one line without its newline, nil at end of input. An unfinished statement at
    /// end of input still goes to the engine, which reports it as the error it is.
    public func run(lines next: () -> String?) -> Int32 {
        buffer.reset()
        while let line = next() {
            guard let statement = buffer.add(line, engine: engine) else { continue }
            if execute(statement) == .quit { return 0 }
        }
        if let rest = buffer.flush() { _ = execute(rest) }
        return 0
    }

    private func runTerminal() -> Int32 {
        // Idempotent; without it Ctrl-C would kill the session and lose the history.
        CancellationToken.installInterruptHandler()
        if let path = historyPath {
            history = History.load(from: path, limit: history.limit)
        }
        let editor = LineEditor(programName: "ydnn") { [unowned self] line, cursor, _ in
            self.engine.completions(line: line, cursor: cursor, pending: self.buffer.pending)
        }
        editor.limitHistory(to: history.limit)
        for entry in history.entries { editor.addHistory(entry) }
        if let banner { print(banner) }
        buffer.reset()

        while true {
            // A Ctrl-C that stopped the engine's last run must not cancel the next line.
            CancellationToken.process.reset()
            fflush(stdout)
            switch editor.read(prompt: buffer.isEmpty ? Repl.prompt : Repl.continuationPrompt) {
            case .endOfInput:
                // Ends the session's last line, so the shell prompt starts on its own.
                print()
                saveHistory()
                return 0
            case .interrupted:
                buffer.reset()
                print()
            case .line(let line):
                guard let statement = buffer.add(line, engine: engine) else { continue }
                // Completion leaves a trailing space; without trimming, `train ` and
                // `train` would be two history entries.
                var entry = statement
                while entry.last == " " || entry.last == "\t" { entry.removeLast() }
                if history.add(entry) {
                    editor.addHistory(entry)
                    unsavedHistory.append(entry)
                    // Before running it: a crash or a kill in the engine loses no line.
                    saveHistory()
                }
                if execute(statement) == .quit {
                    saveHistory()
                    return 0
                }
            }
        }
    }

    private func execute(_ statement: String) -> ReplAction {
        defer { fflush(stdout) }
        switch ReplCommand(statement) {
        case .quit:
            return .quit
        case .history:
            print(history.numberedListing(), terminator: "")
            return .continue
        case nil:
            return engine.run(statement)
        }
    }

    private func saveHistory() {
        guard let path = historyPath, !unsavedHistory.isEmpty else { return }
        do {
            try History.append(unsavedHistory, to: path, limit: history.limit)
            unsavedHistory.removeAll()
        } catch {
            // Once per session: a read-only home should not print after every line.
            guard !warnedAboutHistory else { return }
            warnedAboutHistory = true
            FileHandle.standardError.write(Data("ydnn: cannot save history to \(path): \(error.localizedDescription)\n".utf8))
        }
    }
}
