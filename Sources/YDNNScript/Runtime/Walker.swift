import Foundation

/// The one walk over a script's statements, shared by `ydnn check` and
/// `ydnn run`: variables, `--set` overrides, loops and includes are expanded
/// here, once. A check walk binds and validates every command without running
/// anything and collects every error; a run walk does the same and then runs
/// each command, stopping at the first error.
final class Walk {
    enum Mode { case check, run }
    let mode: Mode
    /// Variables and their values (nil: known only when the script runs).
    var env: [String: Value?]
    /// `--set name=value`: replaces the value of the first `let name = ...`.
    let overrides: [String: Override]
    private var appliedOverrides: Set<String> = []
    /// Names bound by `let` anywhere in the script (to validate `--set`).
    private(set) var letNames: Set<String> = []
    private(set) var diagnostics: [Diagnostic] = []
    /// Absolute paths of the files being walked, outermost first (include cycles).
    var fileStack: [String] = []
    private var includeSites: [Span] = []
    /// Resolved paths the statements walked so far write (so `check` accepts
    /// reading them later in the same recipe).
    var plannedOutputs: Set<String> = []

    init(_ mode: Mode, env: [String: Value?], overrides: [String: Override]) {
        self.mode = mode; self.env = env; self.overrides = overrides
    }

    /// Records an error (check) or throws it (run).
    func fail(_ d: Diagnostic) throws {
        guard mode == .check else { throw d }
        var d = d
        d.includedFrom = includeSites
        // The same mistake seen on each pass of a loop is one mistake.
        if !diagnostics.contains(where: { $0.span == d.span && $0.message == d.message }) { diagnostics.append(d) }
    }

    /// Errors in the walked file by position; errors inside includes where the include is.
    var sortedDiagnostics: [Diagnostic] {
        diagnostics.enumerated().sorted { a, b in
            func key(_ d: Diagnostic) -> Int { (d.includedFrom.first ?? d.span).start }
            return (key(a.element), a.offset) < (key(b.element), b.offset)
        }.map(\.element)
    }

    func value(of expr: Expr) throws -> Value? {
        var errors: [Diagnostic] = []
        let env = self.env
        let v = evaluate(expr, lookup: { env[$0] }, known: { Array(env.keys) }, errors: &errors)
        for e in errors { try fail(e) }
        return v
    }

    /// The value a `let` binds: its own, or the `--set` override the first time.
    func bind(_ name: String, span: Span, value: Value?) throws {
        defer { letNames.insert(name) }
        guard let o = overrides[name], !appliedOverrides.contains(name) else {
            env[name] = .some(value)
            return
        }
        appliedOverrides.insert(name)
        do {
            env[name] = .some(try o.value(replacing: value))
        } catch let e as Override.Mismatch {
            try fail(Diagnostic("--set \(name)=\(o.text): \(e.message)", at: span))
            env[name] = .some(value)
        }
    }

    func enterInclude(_ path: String, at span: Span) {
        fileStack.append(path); includeSites.append(span)
    }
    func leaveInclude() { fileStack.removeLast(); includeSites.removeLast() }
}

/// A `--set name=value` as typed. Its text is read as a ydnn literal and then
/// takes the type of the `let` it replaces: a string `let` gets the text as a
/// string (`--set data=synthetic`), a number stays a number. It is never run.
public struct Override: Sendable {
    public let text: String
    public init(_ text: String) { self.text = text }

    struct Mismatch: Error { let message: String }

    /// The literal the text spells (5, 1e-3, adam, hr@10, [1, 2], "text"), or nil.
    var literal: Value? {
        let file = SourceFile(name: "--set", text: "let v = " + text)
        let (statements, errors) = Parser.parse(file, commandNames: [])
        guard errors.isEmpty, statements.count == 1,
              case .binding(_, _, .expression(let e), _) = statements[0], Self.isLiteral(e) else { return nil }
        var diagnostics: [Diagnostic] = []
        return evaluate(e, lookup: { _ in nil }, errors: &diagnostics)
    }

    private static func isLiteral(_ e: Expr) -> Bool {
        switch e {
        case .integer, .float, .symbol, .metric: return true
        case .string(let parts, _): return parts.allSatisfy { if case .text = $0 { return true } else { return false } }
        case .list(let items, _): return items.allSatisfy(isLiteral)
        case .variable: return false
        }
    }

    /// The value for a `let` whose own value is `original` (nil: known only at run time).
    func value(replacing original: Value?) throws -> Value {
        let parsed = literal
        switch original {
        case .string?:
            if case .string(let s)? = parsed { return .string(s) }
            return .string(text)
        case .integer?:
            if case .integer? = parsed { return parsed ?? .none }
            throw Mismatch(message: "the recipe's default is an integer (\(original?.literal ?? "")); give an integer")
        case .float?:
            if let d = parsed?.asDouble { return .float(d) }
            throw Mismatch(message: "the recipe's default is a number (\(original?.literal ?? "")); give a number")
        case .list?:
            if case .list? = parsed { return parsed ?? .none }
            throw Mismatch(message: "the recipe's default is a list (\(original?.literal ?? "")); give a list like [1, 2]")
        default:
            return parsed ?? .string(text)
        }
    }
}
