/// The syntax tree. Statements are commands (`train epochs=3`), bindings (`let`),
/// loops (`for`) and includes; everything a user can *do* is a command, declared
/// in the registry, so the grammar stays this small.

public indirect enum Expr: Sendable {
    case integer(Int, Span)
    case float(Double, Span)
    case string([StringPart], Span)
    /// A bare word: `adam`, `max`, `on`, `user_id`, `U15`.
    case symbol(String, Span)
    case metric(name: String, k: Int, Span)
    case list([Expr], Span)
    case variable(VariableRef)

    public var span: Span {
        switch self {
        case .integer(_, let s), .float(_, let s), .string(_, let s), .symbol(_, let s),
             .metric(_, _, let s), .list(_, let s): return s
        case .variable(let v): return v.span
        }
    }
}

/// `value` (positional) or `name=value` (option).
public struct CommandArgument: Sendable {
    public let label: String?
    public let labelSpan: Span?
    public let value: Expr

    public var span: Span { labelSpan.map { $0.to(value.span) } ?? value.span }
}

public struct CommandStatement: Sendable {
    public let name: String
    public let nameSpan: Span
    public let arguments: [CommandArgument]
    /// The `{ ... }` block, for commands that take one (`experiment`).
    public let block: Block?
    public let span: Span

    public var positionals: [Expr] { arguments.filter { $0.label == nil }.map(\.value) }
    public var options: [CommandArgument] { arguments.filter { $0.label != nil } }
}

public struct Block: Sendable {
    public let statements: [Statement]
    public let span: Span
}

public indirect enum Statement: Sendable {
    case command(CommandStatement)
    /// `let name = value`, or `let name = command ...` to keep a command's result.
    case binding(name: String, nameSpan: Span, value: BindingValue, span: Span)
    /// `for name in list { ... }`
    case loop(variable: String, variableSpan: Span, sequence: Expr, body: Block, span: Span)
    /// `include "path"`
    case include(path: Expr, span: Span)

    public var span: Span {
        switch self {
        case .command(let c): return c.span
        case .binding(_, _, _, let s), .loop(_, _, _, _, let s), .include(_, let s): return s
        }
    }
}

public enum BindingValue: Sendable {
    case expression(Expr)
    case command(CommandStatement)

    public var span: Span {
        switch self {
        case .expression(let e): return e.span
        case .command(let c): return c.span
        }
    }
}

/// Words the parser reads as syntax, not as command names.
public let reservedWords: [String] = ["let", "for", "in", "include"]
