import Foundation
import YDNN

/// Runs scripts: a tree-walking interpreter over the AST, holding a session's
/// variables, settings, seed and workspace (data, model, indexes). One instance
/// lives as long as a `ydnn run` or a REPL session.
public final class Interpreter {
    public let registry: CommandRegistry
    public let console: Console
    public internal(set) var variables: [String: Value] = [:]
    public internal(set) var settings: [String: Value]
    /// The recipe's seed (`seed N`); every random stream derives from it.
    public internal(set) var seed: UInt64 = 0
    /// `--set name=value`: replaces the value of the script's first `let name = ...`.
    public var overrides: [String: Value] = [:]
    private var appliedOverrides: Set<String> = []
    /// Top-level statements that ran successfully, as written (REPL `:save`).
    public private(set) var transcript: [String] = []
    /// The library state: data, model, indexes.
    public let workspace = Workspace()
    let sources: SourceLoader
    /// Called before each top-level statement of a file run by `run(path:)` (the
    /// notebook report starts a new entry there).
    public var onTopLevelStatement: ((Statement) -> Void)?
    /// Files being run, outermost first (include cycles at run time).
    private var fileStack: [String] = []

    public init(console: Console = .standard(), registry: CommandRegistry = .standard) {
        self.console = console
        self.registry = registry
        self.sources = SourceLoader(commandNames: Set(registry.names))
        var s: [String: Value] = [:]
        for p in sessionSettings { s[p.name] = p.defaultValue }
        self.settings = s
    }

    public func setting(_ name: String) -> Value {
        guard let v = settings[name] else { preconditionFailure("no setting '\(name)'") }
        return v
    }

    /// The `threads` setting.
    public var threads: Int { setting("threads").asDouble.map(Int.init) ?? 1 }

    /// A metric with the session's precision (`set precision=N`).
    func formatMetric(_ x: Double) -> String {
        guard case .integer(let digits) = setting("precision") else { return Value.format(x) }
        return String(format: "%.\(digits)f", x)
    }

    // MARK: - Files

    /// Parses and checks a file and everything it includes, without running it.
    /// Returns every error found (empty when the script is fine).
    public func check(path: String) -> [Diagnostic] {
        checkFile(path).diagnostics
    }

    private func checkFile(_ path: String) -> (statements: [Statement], diagnostics: [Diagnostic]) {
        let absolute = sources.resolve(path, relativeTo: SourceFile(name: "", text: ""))
        do {
            let parsed = try sources.load(absolute)
            var checker = Checker(registry: registry, sources: sources, overrides: overrides,
                                  env: variables.mapValues { Optional($0) })
            checker.fileStack = [absolute]
            parsed.syntaxErrors.forEach { checker.report($0) }
            checker.check(parsed.statements)
            let sorted = checker.diagnostics.enumerated().sorted { a, b in
                // Errors in this file by position; errors inside includes where the include is.
                func key(_ d: Diagnostic) -> Int { (d.includedFrom.first ?? d.span).start }
                return (key(a.element), a.offset) < (key(b.element), b.offset)
            }.map(\.element)
            return (parsed.statements, sorted)
        } catch {
            let file = SourceFile(name: path, text: "")
            return ([], [Diagnostic("\(error.localizedDescription)", at: Span(file: file, start: 0, end: 0))])
        }
    }

    /// The names a script binds with `let` (so `--set` can be validated).
    public func letNames(path: String) -> Set<String> {
        let absolute = sources.resolve(path, relativeTo: SourceFile(name: "", text: ""))
        guard let parsed = try? sources.load(absolute) else { return [] }
        var checker = Checker(registry: registry, sources: sources, overrides: overrides,
                              env: variables.mapValues { Optional($0) })
        checker.check(parsed.statements)
        return checker.letNames
    }

    /// Checks the whole file first (nothing runs if any check fails), then runs it.
    /// Throws `Diagnostics` (check errors), a `Diagnostic` (run-time error) or `Interrupted`.
    public func run(path: String) throws {
        let (statements, errors) = checkFile(path)
        if !errors.isEmpty { throw Diagnostics(errors) }
        let absolute = sources.resolve(path, relativeTo: SourceFile(name: "", text: ""))
        fileStack = [absolute]
        defer { fileStack = [] }
        for statement in statements {
            onTopLevelStatement?(statement)
            try execute([statement])
        }
    }

    // MARK: - REPL input

    /// Runs text typed at the REPL (or piped in): parse, check, run. Errors are
    /// printed; the session keeps everything that ran before the error.
    @discardableResult
    public func run(source: String, name: String = "<repl>", firstLine: Int = 1) -> Bool {
        let file = SourceFile(name: name, text: source, firstLine: firstLine)
        let (statements, syntaxErrors) = Parser.parse(file, commandNames: Set(registry.names))
        var checker = Checker(registry: registry, sources: sources, overrides: [:],
                              env: variables.mapValues { Optional($0) })
        if syntaxErrors.isEmpty { checker.check(statements) }
        let errors = syntaxErrors + checker.diagnostics
        if !errors.isEmpty {
            console.error(Diagnostics(errors).description)
            return false
        }
        for statement in statements {
            do {
                try execute([statement])
                transcript.append(statement.span.text)
            } catch {
                report(error)
                return false
            }
        }
        return true
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

    /// Adds a statement to the transcript (for `:load`, which runs a file in place).
    public func record(_ statementText: String) { transcript.append(statementText) }

    // MARK: - Statements

    public func execute(_ statements: [Statement]) throws {
        for statement in statements {
            if Interrupt.isRequested { throw Interrupted() }
            if setting("echo").asBool == true, case .command = statement {
                console.print("> " + statement.span.text)
            }
            try execute(statement)
        }
    }

    func execute(_ statement: Statement) throws {
        switch statement {
        case .binding(let name, _, let bound, _):
            let value: Value
            switch bound {
            case .expression(let e): value = try evaluate(e)
            case .command(let c): value = try run(c)
            }
            if let o = overrides[name], !appliedOverrides.contains(name) {
                appliedOverrides.insert(name)
                variables[name] = o
            } else {
                variables[name] = value
            }

        case .loop(let variable, _, let sequence, let body, _):
            guard case .list(let items) = try evaluate(sequence) else {
                throw Diagnostic("'for' needs a list", at: sequence.span)
            }
            let saved = variables[variable]
            defer { variables[variable] = saved }
            for item in items {
                variables[variable] = item
                try execute(body.statements)
            }

        case .include(let pathExpr, let span):
            guard case .string(let path) = try evaluate(pathExpr) else {
                throw Diagnostic("'include' needs a file name in double quotes", at: pathExpr.span)
            }
            let resolved = sources.resolve(path, relativeTo: span.file)
            if let i = fileStack.firstIndex(of: resolved) {
                let chain = (fileStack[i...] + [resolved]).map { ($0 as NSString).lastPathComponent }.joined(separator: " -> ")
                throw Diagnostic("include cycle: \(chain)", at: span)
            }
            let statements: [Statement]
            do { statements = try sources.load(resolved).statements } catch {
                throw Diagnostic("cannot include '\(path)': \(error.localizedDescription)", at: pathExpr.span)
            }
            fileStack.append(resolved)
            defer { fileStack.removeLast() }
            try execute(statements)

        case .command(let c):
            _ = try run(c)
        }
    }

    func evaluate(_ expr: Expr) throws -> Value {
        var errors: [Diagnostic] = []
        let v = YDNNScript.evaluate(expr, lookup: { self.variables[$0].map { .some($0) } }, known: { Array(self.variables.keys) }, errors: &errors)
        if let first = errors.first { throw first }
        return v ?? .none
    }

    func run(_ command: CommandStatement) throws -> Value {
        var errors: [Diagnostic] = []
        let (bound, bindErrors) = registry.bind(command) { expr in
            YDNNScript.evaluate(expr, lookup: { self.variables[$0].map { .some($0) } }, known: { Array(self.variables.keys) }, errors: &errors)
        }
        if let first = (errors + bindErrors).first { throw first }
        guard let bound, let handler = bound.spec.handler else {
            throw Diagnostic("'\(command.name)' cannot run here", at: command.nameSpan)
        }
        let invocation = Invocation(
            interpreter: self, statement: command, spec: bound.spec,
            values: bound.values.compactMapValues { $0 }, rest: bound.rest.compactMap { $0 },
            spans: bound.spans, restSpans: bound.restSpans)
        do {
            return try handler(invocation)
        } catch let e as Diagnostic {
            throw e
        } catch let e as Diagnostics {
            throw e
        } catch let e as Interrupted {
            throw e
        } catch {
            throw Diagnostic("\(error)", at: command.span)
        }
    }
}
