import Foundation
import YDNN

/// The REPL's `:` commands that concern the session (the line editor handles
/// `:history` and `:quit` itself).
public struct MetaCommands {
    public static let all: [(name: String, usage: String, doc: String)] = [
        (":help", ":help", "this list (and 'help' for the language's commands)"),
        (":vars", ":vars", "the variables of this session and their values"),
        (":save", ":save FILE", "write the statements that ran successfully as a recipe"),
        (":load", ":load FILE", "run a recipe in this session"),
        (":history", ":history", "the lines typed so far"),
        (":quit", ":quit", "leave (also Ctrl-D)"),
    ]

    public let interpreter: Interpreter
    public init(interpreter: Interpreter) { self.interpreter = interpreter }

    /// Runs `:name args`. Returns false after printing an error.
    @discardableResult
    public func run(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        let name = String(trimmed.prefix { !$0.isWhitespace })
        let argument = trimmed.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        let console = interpreter.console
        switch name {
        case ":help", ":h", ":?":
            var table = TextTable(["command", "what it does"])
            for m in Self.all { table.add([m.usage, m.doc]) }
            console.table(table)
            console.print("\nKeys: Tab completes, Up/Down recall history, Ctrl-C clears the line or stops training, Ctrl-D exits.")
        case ":vars":
            let vars = interpreter.variables.sorted { $0.key < $1.key }
            if vars.isEmpty { console.print("(no variables)"); return true }
            var table = TextTable(["name", "type", "value"])
            for (k, v) in vars { table.add(["$" + k, v.typeName, v.literal]) }
            console.table(table)
        case ":save":
            guard !argument.isEmpty else { console.error("usage: :save FILE"); return false }
            let path = WriteSandbox.expandTilde(Self.unquote(argument))
            var text = "# saved from the ydnn REPL\n"
            if !interpreter.transcript.contains(where: { $0.hasPrefix("seed ") }) && interpreter.seed != 0 {
                text += "seed \(interpreter.seed)\n"
            }
            text += interpreter.transcript.joined(separator: "\n") + "\n"
            do {
                try AtomicFileWriter.write(text, to: path)
                console.print("saved \(interpreter.transcript.count) statement\(interpreter.transcript.count == 1 ? "" : "s") to \(path)")
            } catch {
                console.error("error: \(error)")
                return false
            }
        case ":load":
            guard !argument.isEmpty else { console.error("usage: :load FILE"); return false }
            let path = WriteSandbox.expandTilde(Self.unquote(argument))
            do {
                // A loaded recipe may also write in its own folder, as under `ydnn run`.
                let folder = (WriteSandbox.absolute(path) as NSString).deletingLastPathComponent
                try WriteSandbox.current.adding(folder).during { try interpreter.run(path: path) }
                let absolute = (path as NSString).isAbsolutePath ? path
                    : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
                interpreter.record("include \(Value.string(absolute).literal)")
            } catch {
                interpreter.report(error)
                return false
            }
        default:
            let names = Self.all.map(\.name)
            let hint = closestMatch(to: name, in: names).map { "; did you mean '\($0)'?" } ?? "; type :help"
            console.error("error: unknown REPL command '\(name)'\(hint)")
            return false
        }
        return true
    }

    static func unquote(_ s: String) -> String {
        s.count >= 2 && s.hasPrefix("\"") && s.hasSuffix("\"") ? String(s.dropFirst().dropLast()) : s
    }
}
