/// Commands as declared types, in the spirit of swift-argument-parser: a command
/// is a struct whose parameters are properties wrapped in `@Argument` (positional),
/// `@Option` (`name=value`) or `@Rest` (a repeated trailing positional). The
/// parameter's name is the property's name, its script type comes from the Swift
/// type (or a narrower one given in the declaration), and its default is the
/// property's initial value. From one declaration come:
///
/// - the `CommandSpec` that checking, `help`, completion and the README read;
/// - a typed instance for each statement, whose `validate()` runs in both
///   `ydnn check` and `ydnn run`, and whose `run(_:)` does the work.
///
///     struct Window: ScriptCommand {
///         static let name = "window"
///         ...
///         @Argument("clicks of history", .integer(1...10_000)) var n: Int
///         func run(_ context: CommandContext) throws -> Value { ... n ... }
///     }
public protocol ScriptCommand {
    /// The full name: `train`, or `load csv` for a form of `load`.
    static var name: String { get }
    static var topic: Topic { get }
    static var summary: String { get }
    static var examples: [String] { get }
    /// Whether the statement carries a `{ ... }` block (`experiment`).
    static var takesBlock: Bool { get }
    /// Variables the command binds for its block (`$run` in `experiment`).
    static var blockVariables: [String] { get }
    init()
    /// Every rule between arguments that needs no data. Throws `CommandFailure`.
    func validate() throws
    /// Does the work. Throws `CommandFailure` (or a library error) to fail.
    func run(_ context: CommandContext) throws -> Value
}

extension ScriptCommand {
    public static var examples: [String] { [] }
    public static var takesBlock: Bool { false }
    public static var blockVariables: [String] { [] }
    public func validate() throws {}
}

/// An error a command throws: at an argument (`$cutoff.failure(...)`) or at the
/// whole statement.
public struct CommandFailure: Error, CustomStringConvertible {
    public let message: String
    public let help: String?
    public let span: Span?
    public init(_ message: String, help: String? = nil, at argument: ArgumentInfo? = nil) {
        self.message = message; self.help = help; self.span = argument?.span
    }
    public var description: String { message }
}

/// What a handler knows of one argument besides its value: whether the user
/// wrote it, and where (for errors). A property's `$name`.
public struct ArgumentInfo: Sendable {
    public internal(set) var name = ""
    public internal(set) var span: Span?
    /// Whether the statement wrote this argument (rather than taking the default).
    public var isGiven: Bool { span != nil }

    /// An error pointing at this argument.
    public func failure(_ message: String, help: String? = nil) -> CommandFailure {
        CommandFailure(message, help: help, at: self)
    }
}

// MARK: - Parameter wrappers

enum ParameterRole { case positional, option, rest }

/// What the wrappers have in common, for reflection.
protocol DeclaredParameter: AnyObject {
    var role: ParameterRole { get }
    func declaration(name: String) -> Param
    /// Stores a checked script value (nil: not given) and where it was written.
    func bind(name: String, value: Value?, span: Span?)
    func bindRest(name: String, values: [Value], spans: [Span])
    /// The files the bound values name, with where each was written.
    var files: [(path: String, role: FileRole, span: Span?)] { get }
}

/// The shared storage of `@Argument` and `@Option`.
public class SingleParameter<T: ArgumentValue> {
    let doc: String
    let type: ParamType
    let defaultValue: T?
    private var value: T?
    var info = ArgumentInfo()

    init(default defaultValue: T?, doc: String, type: ParamType?) {
        self.defaultValue = defaultValue; self.doc = doc; self.type = type ?? T.argumentType
    }

    var isRequired: Bool { defaultValue == nil && !(T.self is AbsentArgument.Type) }

    func declaration(name: String) -> Param {
        Param(name, type, default: defaultValue.map(\.argument), required: isRequired, doc)
    }

    func bind(name: String, value: Value?, span: Span?) {
        info.name = name
        info.span = span
        self.value = value.flatMap(T.init(argument:))
    }

    func bindRest(name: String, values: [Value], spans: [Span]) {}

    var files: [(path: String, role: FileRole, span: Span?)] {
        guard let v = value ?? defaultValue, let f = (v as? FileArgument)?.fileToCheck else { return [] }
        return [(f.path, f.role, info.span)]
    }

    /// The bound value, else the default, else absent. Binding checks required
    /// parameters before a handler runs, so the last case is a declaration bug.
    var current: T {
        if let value { return value }
        if let defaultValue { return defaultValue }
        if let absent = (T.self as? AbsentArgument.Type)?.absent as? T { return absent }
        preconditionFailure("parameter '\(info.name)' was read before it was bound")
    }
}

/// A positional parameter: `embed user_id 64`.
@propertyWrapper
public final class Argument<T: ArgumentValue>: SingleParameter<T>, DeclaredParameter {
    var role: ParameterRole { .positional }
    public init(wrappedValue: T, _ doc: String, _ type: ParamType? = nil) {
        super.init(default: wrappedValue, doc: doc, type: type)
    }
    public init(_ doc: String, _ type: ParamType? = nil) {
        super.init(default: nil, doc: doc, type: type)
    }
    public var wrappedValue: T { current }
    public var projectedValue: ArgumentInfo { info }
}

/// An option: `epochs=3`.
@propertyWrapper
public final class Option<T: ArgumentValue>: SingleParameter<T>, DeclaredParameter {
    var role: ParameterRole { .option }
    public init(wrappedValue: T, _ doc: String, _ type: ParamType? = nil) {
        super.init(default: wrappedValue, doc: doc, type: type)
    }
    public init(_ doc: String, _ type: ParamType? = nil) {
        super.init(default: nil, doc: doc, type: type)
    }
    public var wrappedValue: T { current }
    public var projectedValue: ArgumentInfo { info }
}

/// A repeated trailing positional: `evaluate hr@10 hr@50`.
@propertyWrapper
public final class Rest<T: ArgumentValue>: DeclaredParameter {
    let doc: String
    let type: ParamType
    let required: Bool
    private var values: [T] = []
    public private(set) var spans: [Span] = []
    var role: ParameterRole { .rest }

    public init(_ doc: String, _ type: ParamType? = nil, required: Bool = false) {
        self.doc = doc; self.type = type ?? T.argumentType; self.required = required
    }
    func declaration(name: String) -> Param { Param(name, type, required: required, doc) }
    func bind(name: String, value: Value?, span: Span?) {}
    func bindRest(name: String, values: [Value], spans: [Span]) {
        self.values = values.compactMap(T.init(argument:))
        self.spans = spans
    }
    var files: [(path: String, role: FileRole, span: Span?)] {
        zip(values, spans).compactMap { v, span in (v as? FileArgument)?.fileToCheck.map { ($0.path, $0.role, span) } }
    }
    public var wrappedValue: [T] { values }
    /// Where each value was written.
    public var projectedValue: [Span] { spans }
}

// MARK: - Reflection

extension ScriptCommand {
    /// The parameters in declaration order, with their names.
    fileprivate func parameters() -> [(name: String, parameter: DeclaredParameter)] {
        Mirror(reflecting: self).children.compactMap { child in
            guard let p = child.value as? DeclaredParameter, let label = child.label else { return nil }
            return (label.hasPrefix("_") ? String(label.dropFirst()) : label, p)
        }
    }

    /// The declaration as the registry, help and completion read it.
    public static var spec: CommandSpec {
        let parameters = Self().parameters()
        func params(_ role: ParameterRole) -> [Param] {
            parameters.filter { $0.parameter.role == role }.map { $0.parameter.declaration(name: $0.name) }
        }
        return CommandSpec(name, topic: topic, summary, positionals: params(.positional), rest: params(.rest).first,
                           options: params(.option), takesBlock: takesBlock, examples: examples, command: Self.self)
    }

    /// The files the statement's arguments name (inputs to check, outputs to judge).
    var files: [(path: String, role: FileRole, span: Span?)] { parameters().flatMap { $0.parameter.files } }

    /// An instance holding a statement's checked arguments. `complete` is false
    /// when some value is known only at run time (then `validate` cannot run yet).
    static func make(from bound: BoundArguments) -> (command: Self, complete: Bool) {
        let command = Self()
        var complete = true
        for (name, p) in command.parameters() {
            switch p.role {
            case .rest:
                if bound.rest.contains(where: { $0 == nil }) { complete = false }
                p.bindRest(name: name, values: bound.rest.compactMap { $0 }, spans: bound.restSpans)
            case .positional, .option:
                let given = bound.spans[name]
                let value: Value??  = given == nil ? nil : bound.values[name]
                if let inner = value, inner == nil { complete = false }  // given, known only at run time
                p.bind(name: name, value: value ?? nil, span: given)
            }
        }
        return (command, complete)
    }
}

/// A command type, erased, as the registry stores it.
public typealias CommandType = any ScriptCommand.Type
