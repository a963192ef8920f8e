import Foundation

/// Checks a whole script before anything runs: every command and option exists,
/// every argument has the right type and range (where its value is known without
/// running), every variable is defined before use, every include resolves without
/// a cycle. Collects all errors rather than stopping at the first.
struct Checker {
    let registry: CommandRegistry
    let sources: SourceLoader
    /// `--set name=value`: replaces the value of the first `let name = ...`.
    let overrides: [String: Value]
    /// Variables and their values (nil: known only at run time).
    var env: [String: Value?]
    var diagnostics: [Diagnostic] = []
    /// Names bound by `let` anywhere in the script (to validate `--set`).
    var letNames: Set<String> = []
    /// Absolute paths of the files being checked, outermost first (include cycles).
    var fileStack: [String] = []
    var includeSites: [Span] = []

    init(registry: CommandRegistry, sources: SourceLoader, overrides: [String: Value], env: [String: Value?]) {
        self.registry = registry; self.sources = sources; self.overrides = overrides; self.env = env
    }

    mutating func report(_ d: Diagnostic) {
        var d = d
        d.includedFrom = includeSites
        // The same mistake seen on each pass of a loop is one mistake.
        if !diagnostics.contains(where: { $0.span == d.span && $0.message == d.message }) { diagnostics.append(d) }
    }

    mutating func value(of expr: Expr) -> Value? {
        var errors: [Diagnostic] = []
        let env = self.env
        let v = evaluate(expr, lookup: { env[$0] }, known: { Array(env.keys) }, errors: &errors)
        errors.forEach { report($0) }
        return v
    }

    mutating func check(_ statements: [Statement]) {
        for s in statements { check(s) }
    }

    mutating func check(_ statement: Statement) {
        switch statement {
        case .binding(let name, _, let bound, _):
            let value: Value?
            switch bound {
            case .expression(let e): value = self.value(of: e)
            case .command(let c): checkCommand(c); value = nil
            }
            if let o = overrides[name], !letNames.contains(name) {
                env[name] = .some(o)
            } else {
                env[name] = .some(value)
            }
            letNames.insert(name)

        case .loop(let variable, _, let sequence, let body, _):
            let saved = env[variable]
            switch value(of: sequence) {
            case .list(let items)?:
                for item in items {
                    env[variable] = .some(item)
                    check(body.statements)
                }
            case let other?:
                report(Diagnostic("'for' needs a list, got \(other.typeName) '\(other)'", at: sequence.span,
                                  help: "for x in [1, 2, 3] { ... }"))
            case nil:
                env[variable] = .some(nil)
                check(body.statements)
            }
            env[variable] = saved ?? nil
            if saved == nil { env.removeValue(forKey: variable) }

        case .include(let pathExpr, let span):
            guard let pathValue = value(of: pathExpr) else { return }
            guard case .string(let path) = pathValue else {
                report(Diagnostic("'include' needs a file name in double quotes", at: pathExpr.span))
                return
            }
            let resolved = sources.resolve(path, relativeTo: span.file)
            if let i = fileStack.firstIndex(of: resolved) {
                let chain = (fileStack[i...] + [resolved]).map { ($0 as NSString).lastPathComponent }.joined(separator: " -> ")
                report(Diagnostic("include cycle: \(chain)", at: span))
                return
            }
            do {
                let parsed = try sources.load(resolved)
                fileStack.append(resolved)
                includeSites.append(span)
                parsed.syntaxErrors.forEach { report($0) }
                check(parsed.statements)
                includeSites.removeLast()
                fileStack.removeLast()
            } catch {
                report(Diagnostic("cannot include '\(path)': \(error.localizedDescription)", at: pathExpr.span))
            }

        case .command(let c):
            checkCommand(c)
        }
    }

    mutating func checkCommand(_ c: CommandStatement) {
        var errors: [Diagnostic] = []
        let env = self.env
        let (bound, bindErrors) = registry.bind(c) { expr in
            evaluate(expr, lookup: { env[$0] }, known: { Array(env.keys) }, errors: &errors)
        }
        (errors + bindErrors).forEach { report($0) }
        if let block = c.block, bound != nil || registry[c.name] == nil {
            check(block.statements)
        }
    }
}

/// Reads and parses script files (includes), caching each by absolute path.
final class SourceLoader {
    let commandNames: Set<String>
    private var cache: [String: ParsedFile] = [:]

    init(commandNames: Set<String>) { self.commandNames = commandNames }

    /// `path` relative to the directory of the including file (or the working directory).
    func resolve(_ path: String, relativeTo file: SourceFile) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return (expanded as NSString).standardizingPath }
        let base = file.path.map { ($0 as NSString).deletingLastPathComponent } ?? FileManager.default.currentDirectoryPath
        return ((base as NSString).appendingPathComponent(expanded) as NSString).standardizingPath
    }

    struct ParsedFile {
        let file: SourceFile
        /// The statements that parsed; those with syntax errors are left out.
        let statements: [Statement]
        let syntaxErrors: [Diagnostic]
    }

    /// Reads and parses a file; throws `ScriptIOError` if it cannot be read.
    func load(_ absolutePath: String) throws -> ParsedFile {
        if let hit = cache[absolutePath] { return hit }
        guard let data = FileManager.default.contents(atPath: absolutePath) else {
            let shown = Self.displayName(absolutePath)
            throw ScriptIOError(message: FileManager.default.fileExists(atPath: absolutePath)
                                ? "cannot read \(shown)" : "no such file: \(shown)")
        }
        let name = Self.displayName(absolutePath)
        let file = SourceFile(name: name, text: String(decoding: data, as: UTF8.self), path: absolutePath)
        let (statements, errors) = Parser.parse(file, commandNames: commandNames)
        let parsed = ParsedFile(file: file, statements: statements, syntaxErrors: errors)
        cache[absolutePath] = parsed
        return parsed
    }

    /// Paths under the working directory are shown relative to it, like compilers do.
    static func displayName(_ absolutePath: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return absolutePath.hasPrefix(cwd) ? String(absolutePath.dropFirst(cwd.count)) : absolutePath
    }
}

public struct ScriptIOError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public var description: String { message }
    public var errorDescription: String? { message }
}
