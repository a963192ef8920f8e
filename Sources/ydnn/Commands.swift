import ArgumentParser
import Foundation
import YDNN
import YDNNRepl
import YDNNScript

let ydnnVersion = "0.1.0"

struct Ydnn: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ydnn",
        abstract: "Scripted experiments with the YouTube DNN candidate-generation model.",
        discussion: """
        With no command, ydnn starts the REPL on a terminal, or reads statements from
        standard input (ydnn < recipe.ydnn). 'ydnn help' lists the language's commands.
        """,
        version: ydnnVersion,
        subcommands: [Run.self, Check.self, NotebookCommand.self, KernelCommand.self]
    )

    @OptionGroup var write: WriteOptions

    mutating func run() throws {
        WriteSandbox.current = WriteSandbox(allowing: [FileManager.default.currentDirectoryPath] + write.allowWrite)
        let interpreter = Interpreter()
        CancellationToken.installInterruptHandler()
        let status = startRepl(interpreter)
        throw ExitCode(status)
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a recipe and print its results.")

    @ArgumentParser.Argument(help: "The recipe (.ydnn file), or a notebook for the ydnn kernel (.ipynb: its code cells in order).")
    var file: String

    @ArgumentParser.Option(name: .customLong("set"), help: ArgumentHelp("Override a recipe's 'let NAME = ...' default.", valueName: "name=value"))
    var assignments: [String] = []

    @ArgumentParser.Option(help: ArgumentHelp("Also write a notebook-style report of the run (.html, .ipynb, or .md with SVG charts beside it).", valueName: "file"))
    var report: String?

    @Flag(name: .customLong("no-log"), help: "Do not append the experiments' results to runs.jsonl beside the recipe.")
    var noLog = false

    @OptionGroup var write: WriteOptions

    mutating func validate() throws {
        guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("no such file: \(file)") }
    }

    mutating func run() throws {
        WriteSandbox.current = recipeSandbox(file, write.allowWrite)
        if file.lowercased().hasSuffix(".ipynb") {
            return try runNotebook(path: file, assignments: assignments, report: report, noLog: noLog)
        }
        let recorder = try RunRecorder(recipePath: file, version: ydnnVersion)
        let interpreter = Interpreter(console: recorder.console(teeing: .standard()))
        recorder.attach(to: interpreter)
        try prepare(interpreter, file: file, assignments: assignments)
        CancellationToken.installInterruptHandler()
        var status: Int32 = 0
        do {
            try interpreter.run(path: file)
        } catch is Interrupted {
            interpreter.report(Interrupted())
            status = 130
        } catch {
            interpreter.report(error)
            status = 1
        }
        status = finishRun(recorder, interpreter, status: status, noLog: noLog, report: report) { report in
            try recorder.writeReport(to: report, interpreter: interpreter)
        }
        if status != 0 { throw ExitCode(status) }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check recipes without running them; report every error.")

    @ArgumentParser.Argument(help: "The recipes (.ydnn files).")
    var files: [String]

    @ArgumentParser.Option(name: .customLong("set"), help: ArgumentHelp("As for 'run'.", valueName: "name=value"))
    var assignments: [String] = []

    @OptionGroup var write: WriteOptions

    mutating func run() throws {
        var failed = false
        for file in files where !FileManager.default.fileExists(atPath: file) {
            throw ValidationError("no such file: \(file)")
        }
        for file in files where file.lowercased().hasSuffix(".ipynb") {
            throw ValidationError("ydnn check reads recipes; a notebook's cells are checked as each runs: ydnn run \(file)")
        }
        for file in files {
            WriteSandbox.current = recipeSandbox(file, write.allowWrite)
            let interpreter = Interpreter()
            try prepare(interpreter, file: file, assignments: assignments)
            let errors = interpreter.check(path: file)
            if errors.isEmpty {
                print("\(file): ok")
            } else {
                interpreter.report(Diagnostics(errors))
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// After a run, finished or not (the report shows the error): appends its
/// experiments to runs.jsonl and writes the report. A log that cannot be
/// written is a warning (the run's results are printed already); a report
/// that cannot be written, which the user asked for, fails the run.
func finishRun(_ recorder: RunRecorder, _ interpreter: Interpreter, status: Int32, noLog: Bool, report: String?,
               writeReport: (String) throws -> [String]) -> Int32 {
    var status = status
    if !noLog {
        do {
            if let log = try recorder.appendRunLog(interpreter) {
                FileHandle.standardError.write(Data("results appended to \(log)\n".utf8))
            }
        } catch {
            interpreter.console.error("warning: the results were not recorded: \(error) (--no-log skips the log)")
        }
    }
    if let report {
        do {
            let files = try writeReport(report)
            FileHandle.standardError.write(Data("report written: \(files.joined(separator: ", "))\n".utf8))
        } catch {
            interpreter.report(error)
            if status == 0 { status = 1 }
        }
    }
    return status
}

/// What a recipe may write: the working directory, its own folder, and the
/// folders the user allowed. Nothing the recipe says can widen it.
func recipeSandbox(_ recipe: String, _ allowWrite: [String]) -> WriteSandbox {
    let folder = (WriteSandbox.absolute(recipe) as NSString).deletingLastPathComponent
    return WriteSandbox(allowing: [FileManager.default.currentDirectoryPath, folder] + allowWrite)
}

/// `--allow-write DIR`, one group shared by the REPL, `run`, `check` and
/// `kernel` (a parent's and a child's group of one type are parsed as one).
struct WriteOptions: ParsableArguments {
    @ArgumentParser.Option(name: .customLong("allow-write"), help: ArgumentHelp(
        "Also let the recipe write inside this folder (repeatable). By default it may write only in the working directory and, for a recipe file, its folder.",
        valueName: "dir"))
    var allowWrite: [String] = []

    func validate() throws {
        for f in allowWrite {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: WriteSandbox.expandTilde(f), isDirectory: &isDir), isDir.boolValue else {
                throw ValidationError("--allow-write \(f): no such folder")
            }
        }
    }
}

/// Usage checks shared by run and check: the file exists, `--set` names a `let`.
func prepare(_ interpreter: Interpreter, file: String, assignments: [String]) throws {
    var overrides: [String: Override] = [:]
    for a in assignments {
        guard let eq = a.firstIndex(of: "="), eq != a.startIndex else {
            throw ValidationError("--set expects name=value, got '\(a)'")
        }
        overrides[String(a[..<eq])] = Override(String(a[a.index(after: eq)...]))
    }
    if !overrides.isEmpty {
        let names = interpreter.letNames(path: file)
        for name in overrides.keys.sorted() where !names.contains(name) {
            let hint = closestMatch(to: name, in: Array(names)).map { "; did you mean '\($0)'?" } ?? ""
            throw ValidationError("--set \(name): \(file) has no 'let \(name) = ...'\(hint)")
        }
    }
    interpreter.overrides = overrides
}
