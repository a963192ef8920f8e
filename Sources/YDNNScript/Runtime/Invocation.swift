/// What a command handler receives: its arguments, converted and defaulted, and
/// the interpreter to act on.
public struct Invocation {
    public let interpreter: Interpreter
    public let statement: CommandStatement
    public let spec: CommandSpec
    let values: [String: Value]
    /// The repeated trailing positional (`evaluate hr@10 hr@50`).
    public let rest: [Value]
    let spans: [String: Span]
    public let restSpans: [Span]

    public var console: Console { interpreter.console }

    /// Whether the user wrote this argument (as opposed to its default).
    public func given(_ name: String) -> Bool { spans[name] != nil }

    public func value(_ name: String) -> Value? {
        precondition(spec.param(named: name) != nil, "'\(spec.name)' declares no parameter '\(name)'")
        return values[name]
    }

    public func int(_ name: String) -> Int {
        guard case .integer(let i)? = value(name) else { preconditionFailure("'\(name)' is not an integer") }
        return i
    }
    public func optionalInt(_ name: String) -> Int? {
        if case .integer(let i)? = value(name) { return i }; return nil
    }
    public func double(_ name: String) -> Double {
        guard let d = value(name)?.asDouble else { preconditionFailure("'\(name)' is not a number") }
        return d
    }
    public func string(_ name: String) -> String? {
        switch value(name) {
        case .string(let s)?, .symbol(let s)?: return s
        case let v?: return v.description
        case nil: return nil
        }
    }
    public func bool(_ name: String) -> Bool {
        guard let b = value(name)?.asBool else { preconditionFailure("'\(name)' is not on/off") }
        return b
    }
    public func list(_ name: String) -> [Value] {
        if case .list(let items)? = value(name) { return items }
        return []
    }

    /// The source span of an argument (or of the whole statement).
    public func span(of name: String? = nil) -> Span {
        name.flatMap { spans[$0] } ?? statement.span
    }

    /// An error pointing at one argument, for the handler to throw.
    public func failure(_ message: String, at name: String? = nil, help: String? = nil) -> Diagnostic {
        Diagnostic(message, at: span(of: name), help: help)
    }

    /// Runs the command's `{ ... }` block.
    public func runBlock() throws {
        if let block = statement.block { try interpreter.execute(block.statements) }
    }
}

/// Thrown when Ctrl-C stops a script between statements.
public struct Interrupted: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted" }
}
