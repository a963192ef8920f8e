import Foundation
import YDNN

/// Runs scripts: a tree-walking interpreter over the AST. It holds the session
/// (a value: data, network, model, index, settings, seed), the variables, and
/// what outlives any one experiment (the experiments' results, the data files
/// read). One instance lives as long as a `ydnn run` or a REPL session.
public final class Interpreter {
    public let registry: CommandRegistry
    public let console: Console
    public var session = Session()
    public internal(set) var variables: [String: Value] = [:]
    /// `--set name=value`: replaces the value of the script's first `let name = ...`.
    public var overrides: [String: Override] = [:]
    /// Top-level statements that ran successfully, as written (REPL `:save`).
    public private(set) var transcript: [String] = []
    /// Experiments run so far, in order (`experiment`, read by `compare`).
    public internal(set) var experiments: [ExperimentResult] = []
    /// Every evaluation so far, experiments' runs included (`expect` reads the last).
    public internal(set) var evaluations: [EvaluationRecord] = []
    /// The experiment whose body is running, if any: `evaluate` records into it.
    var activeExperiment: ExperimentResult?
    /// Every data file read this session (hashed into the run manifest).
    public internal(set) var dataFiles: [String] = []
    /// How every data set loaded this session came to be (for the manifest).
    public internal(set) var dataSources: [String] = []
    let sources: SourceLoader
    /// Called before each top-level statement of a file run by `run(path:)` (the
    /// notebook report starts a new entry there).
    public var onTopLevelStatement: ((Statement) -> Void)?

    public init(console: Console, registry: CommandRegistry) {
        self.console = console
        self.registry = registry
        self.sources = SourceLoader(commandNames: Set(registry.names))
    }

    public var seed: UInt64 { session.seed }
    public var settings: Settings { session.settings }
    public var threads: Int { session.settings.threads }

    // MARK: - Files

    /// Parses and checks a file and everything it includes, without running it.
    /// Returns every error found (empty when the script is fine).
    public func check(path: String) -> [Diagnostic] { checkFile(path).walk.sortedDiagnostics }

    private func checkFile(_ path: String) -> (statements: [Statement], walk: Walk) {
        let absolute = sources.resolve(path, relativeTo: SourceFile(name: "", text: ""))
        let walk = Walk(.check, env: variables.mapValues { Optional($0) }, overrides: overrides)
        walk.fileStack = [absolute]
        do {
            let parsed = try sources.load(absolute)
            for e in parsed.syntaxErrors { try? walk.fail(e) }
            try? self.walk(parsed.statements, walk)
            return (parsed.statements, walk)
        } catch {
            let file = SourceFile(name: path, text: "")
            try? walk.fail(Diagnostic("\(error.localizedDescription)", at: Span(file: file, start: 0, end: 0)))
            return ([], walk)
        }
    }

    /// The names a script binds with `let` (so `--set` can be validated).
    public func letNames(path: String) -> Set<String> { checkFile(path).walk.letNames }

    /// Checks the whole file first (nothing runs if any check fails), then runs it.
    /// Throws `Diagnostics` (check errors), a `Diagnostic` (run-time error) or `Interrupted`.
    public func run(path: String) throws {
        let (statements, checked) = checkFile(path)
        if !checked.diagnostics.isEmpty { throw Diagnostics(checked.sortedDiagnostics) }
        let walk = Walk(.run, env: variables.mapValues { Optional($0) }, overrides: overrides)
        walk.fileStack = checked.fileStack
        defer { adoptVariables(walk) }
        for statement in statements {
            onTopLevelStatement?(statement)
            try self.walk([statement], walk)
        }
    }

    // MARK: - REPL input

    /// Checks text without running it (what `run(source:)` does first): every
    /// syntax and check error, in order.
    public func check(source: String, name: String = "<repl>") -> [Diagnostic] {
        parseAndCheck(SourceFile(name: name, text: source)).errors
    }

    private func parseAndCheck(_ file: SourceFile) -> (statements: [Statement], errors: [Diagnostic]) {
        let (statements, syntaxErrors) = Parser.parse(file, commandNames: Set(registry.names))
        let check = Walk(.check, env: variables.mapValues { Optional($0) }, overrides: [:])
        if syntaxErrors.isEmpty { try? walk(statements, check) }
        return (statements, syntaxErrors + check.sortedDiagnostics)
    }

    /// Runs text typed at the REPL (or piped in): parse, check, run. Errors are
    /// printed; the session keeps everything that ran before the error.
    @discardableResult
    public func run(source: String, name: String = "<repl>", firstLine: Int = 1) -> Bool {
        let (statements, errors) = parseAndCheck(SourceFile(name: name, text: source, firstLine: firstLine))
        if !errors.isEmpty {
            console.error(Diagnostics(errors).description)
            return false
        }
        let run = Walk(.run, env: variables.mapValues { Optional($0) }, overrides: [:])
        defer { adoptVariables(run) }
        for statement in statements {
            do {
                try walk([statement], run)
                if Self.belongsInTranscript(statement) { transcript.append(statement.span.text) }
            } catch {
                if let stop = error as? Interrupted, let ranAs = stop.ranAs { transcript.append(ranAs) }
                adoptVariables(run)
                report(error)
                return false
            }
        }
        return true
    }

    /// A run walk's variables become the session's (every value is known there).
    private func adoptVariables(_ walk: Walk) {
        variables = walk.env.compactMapValues { $0 }
    }

    /// Prints an error from `run(path:)` or `execute` the way the CLI and REPL show it.
    public func report(_ error: Error) {
        switch error {
        case let d as Diagnostics: console.error(d.description)
        case let d as Diagnostic: console.error(d.description)
        case is Interrupted: console.error("interrupted")
        default: console.error("error: \(error)")
        }
    }

    /// `help` and `show` only look: a saved session leaves them out.
    static func belongsInTranscript(_ statement: Statement) -> Bool {
        guard case .command(let c) = statement else { return true }
        return !["help", "show"].contains(c.name)
    }

    /// Adds a statement to the transcript (for `:load`, which runs a file in place).
    public func record(_ statementText: String) { transcript.append(statementText) }

    // MARK: - The walk

    func walk(_ statements: [Statement], _ walk: Walk) throws {
        for statement in statements {
            if walk.mode == .run {
                if CancellationToken.process.isCancelled { throw Interrupted() }
                if session.settings.echo, case .command = statement { console.print("> " + statement.span.text) }
            }
            try self.walk(statement, walk)
        }
    }

    private func walk(_ statement: Statement, _ walk: Walk) throws {
        switch statement {
        case .binding(let name, _, let bound, let span):
            let value: Value?
            switch bound {
            case .expression(let e): value = try walk.value(of: e)
            case .command(let c): value = try perform(c, walk)
            }
            try walk.bind(name, span: span, value: value)

        case .loop(let variable, _, let sequence, let body, _):
            let saved = walk.env[variable]
            defer { if let saved { walk.env[variable] = saved } else { walk.env.removeValue(forKey: variable) } }
            switch try walk.value(of: sequence) {
            case .list(let items)?:
                for item in items {
                    walk.env[variable] = .some(item)
                    try self.walk(body.statements, walk)
                }
            case let other?:
                try walk.fail(Diagnostic("'for' needs a list, got \(other.typeName) '\(other)'", at: sequence.span,
                                         help: "for x in [1, 2, 3] { ... }"))
            case nil:  // known only at run time: check the body once
                walk.env[variable] = .some(nil)
                try self.walk(body.statements, walk)
            }

        case .include(let pathExpr, let span):
            guard let pathValue = try walk.value(of: pathExpr) else { return }
            guard case .string(let path) = pathValue else {
                return try walk.fail(Diagnostic("'include' needs a file name in double quotes", at: pathExpr.span))
            }
            let resolved = sources.resolve(path, relativeTo: span.file)
            if let i = walk.fileStack.firstIndex(of: resolved) {
                let chain = (walk.fileStack[i...] + [resolved]).map { ($0 as NSString).lastPathComponent }.joined(separator: " -> ")
                return try walk.fail(Diagnostic("include cycle: \(chain)", at: span))
            }
            let parsed: SourceLoader.ParsedFile
            do { parsed = try sources.load(resolved) } catch {
                return try walk.fail(Diagnostic("cannot include '\(path)': \(error.localizedDescription)", at: pathExpr.span))
            }
            walk.enterInclude(resolved, at: span)
            defer { walk.leaveInclude() }
            for e in parsed.syntaxErrors { try walk.fail(e) }
            try self.walk(parsed.statements, walk)

        case .command(let c):
            _ = try perform(c, walk)
        }
    }

    /// Binds a command's arguments and validates them; a run walk then runs it.
    /// Returns its result (nil in a check walk: known only at run time).
    private func perform(_ statement: CommandStatement, _ walk: Walk) throws -> Value? {
        var evaluationErrors: [Diagnostic] = []
        let env = walk.env
        let (bound, bindErrors) = registry.bind(statement) { expr in
            evaluate(expr, lookup: { env[$0] }, known: { Array(env.keys) }, errors: &evaluationErrors)
        }
        for e in evaluationErrors + bindErrors { try walk.fail(e) }
        guard let bound, let type = bound.spec.command else {
            // Unknown command or a kind chosen at run time: still check the block.
            if walk.mode == .check, let block = statement.block { try self.walk(block.statements, walk) }
            return nil
        }
        guard bindErrors.isEmpty, evaluationErrors.isEmpty else { return nil }
        let (command, complete) = type.make(from: bound)
        if complete || walk.mode == .run {
            do { try command.validate() } catch {
                switch diagnostic(error, statement) {
                case let many as Diagnostics: for d in many.items { try walk.fail(d) }
                case let one as Diagnostic: try walk.fail(one)
                case let other: throw other
                }
            }
        }
        try checkFiles(of: command, statement, walk)
        if walk.mode == .check {
            if let block = statement.block {
                // The block's own variables are known only when it runs.
                let saved = type.blockVariables.map { ($0, walk.env[$0]) }
                for name in type.blockVariables { walk.env[name] = .some(nil) }
                defer { for (name, value) in saved { walk.env[name] = value } }
                try self.walk(block.statements, walk)
            }
            return nil
        }
        let context = CommandContext(interpreter: self, statement: statement, walk: walk)
        do {
            return try command.run(context)
        } catch let stop as Interrupted {
            throw stop
        } catch is Cancelled {
            // One rule for Ctrl-C: whatever it stops, the command ends "interrupted" (exit 130).
            throw Interrupted()
        } catch {
            throw diagnostic(error, statement)
        }
    }

    /// Any error a command throws, as a diagnostic at the statement (or its argument).
    private func diagnostic(_ error: Error, _ statement: CommandStatement) -> Error {
        switch error {
        case let d as Diagnostic: return d
        case let d as Diagnostics: return d
        case let f as CommandFailure: return Diagnostic(f.message, at: f.span ?? statement.span, help: f.help)
        default: return Diagnostic("\(error)", at: statement.span)
        }
    }
}

/// What a command's `run` receives: the session to act on, the console, and the
/// statement (for its block and for errors).
public struct CommandContext {
    public let interpreter: Interpreter
    public let statement: CommandStatement
    let walk: Walk

    public var console: Console { interpreter.console }

    /// The session, read and written in place.
    public var session: Session {
        get { interpreter.session }
        nonmutating _modify { yield &interpreter.session }
    }

    /// Runs the command's `{ ... }` block in the same walk (same variables), with
    /// `variables` bound for its duration.
    public func runBlock(binding variables: [String: Value] = [:]) throws {
        guard let block = statement.block else { return }
        let saved = variables.keys.map { ($0, walk.env[$0]) }
        for (name, value) in variables { walk.env[name] = .some(value) }
        defer { for (name, value) in saved { walk.env[name] = value } }
        try interpreter.walk(block.statements, walk)
    }

    /// An error at the whole statement.
    public func failure(_ message: String, help: String? = nil) -> CommandFailure {
        CommandFailure(message, help: help)
    }
}

/// Thrown when Ctrl-C stops a script between statements.
public struct Interrupted: Error, CustomStringConvertible {
    /// What the stopped statement did, as a statement that does it again (an
    /// interrupted `train` ran `batches=K`), for the transcript; nil: nothing kept.
    public var ranAs: String?
    public init(ranAs: String? = nil) { self.ranAs = ranAs }
    public var description: String { "interrupted" }
}
