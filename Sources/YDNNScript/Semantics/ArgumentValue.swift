import YDNN

/// A Swift type a command parameter can hold. Each conformance names the script
/// type it is written as (which drives checking, help and completion) and how a
/// checked script value becomes the Swift value, so a handler reads `epochs` as
/// an `Int`, never `inv.int("epochs")`.
public protocol ArgumentValue {
    /// The script type a value is checked against, unless the declaration narrows it.
    static var argumentType: ParamType { get }
    /// The Swift value of a script value already coerced to `argumentType`.
    init?(argument: Value)
    /// Back to a script value (defaults in help, results).
    var argument: Value { get }
}

/// Values that may be absent: an unset optional parameter reads as `absent`.
public protocol AbsentArgument { static var absent: Self { get } }

extension Optional: AbsentArgument { public static var absent: Optional { nil } }

extension Optional: ArgumentValue where Wrapped: ArgumentValue {
    public static var argumentType: ParamType { Wrapped.argumentType }
    public init?(argument: Value) {
        guard let w = Wrapped(argument: argument) else { return nil }
        self = .some(w)
    }
    public var argument: Value { self?.argument ?? .none }
}

extension Int: ArgumentValue {
    public static var argumentType: ParamType { .integer(nil) }
    public init?(argument: Value) {
        guard case .integer(let i) = argument else { return nil }
        self = i
    }
    public var argument: Value { .integer(self) }
}

extension Double: ArgumentValue {
    public static var argumentType: ParamType { .number(nil) }
    public init?(argument: Value) {
        guard let d = argument.asDouble else { return nil }
        self = d
    }
    public var argument: Value { .float(self) }
}

extension String: ArgumentValue {
    public static var argumentType: ParamType { .string }
    public init?(argument: Value) {
        switch argument {
        case .string(let s), .symbol(let s): self = s
        default: return nil
        }
    }
    public var argument: Value { .string(self) }
}

extension Bool: ArgumentValue {
    public static var argumentType: ParamType { .bool }
    public init?(argument: Value) {
        guard let b = argument.asBool else { return nil }
        self = b
    }
    public var argument: Value { .symbol(self ? "on" : "off") }
}

extension Value: ArgumentValue {
    public static var argumentType: ParamType { .any }
    public init?(argument: Value) { self = argument }
    public var argument: Value { self }
}

extension Array: ArgumentValue where Element: ArgumentValue {
    public static var argumentType: ParamType { .list(Element.argumentType) }
    public init?(argument: Value) {
        guard case .list(let items) = argument else { return nil }
        var out: [Element] = []
        for item in items {
            guard let e = Element(argument: item) else { return nil }
            out.append(e)
        }
        self = out
    }
    public var argument: Value { .list(map(\.argument)) }
}

/// What a command does with a file it names: `check` verifies that an input
/// exists (or that an earlier statement writes it) and that an output is
/// inside the write sandbox.
public enum FileRole: Sendable { case input, output, outputFolder }

/// A parameter naming a file, as the walker sees it (nil: nothing to check).
public protocol FileArgument {
    var fileToCheck: (path: String, role: FileRole)? { get }
}

/// A path as written in a recipe (a string; the REPL completes file names).
/// `text` is the path to open: `~` expanded from `$HOME`, the one expansion
/// everywhere; `description` is as written.
public protocol PathArgument: ArgumentValue, FileArgument, Sendable, CustomStringConvertible {
    static var role: FileRole { get }
    var written: String { get }
    init(_ written: String)
}

extension PathArgument {
    public var text: String { WriteSandbox.expandTilde(written) }
    public static var argumentType: ParamType { .path }
    public init?(argument: Value) {
        guard case .string(let s) = argument else { return nil }
        self.init(s)
    }
    public var argument: Value { .string(written) }
    public var description: String { written }
    public var fileToCheck: (path: String, role: FileRole)? { (text, Self.role) }
}

/// A file a command reads.
public struct ScriptPath: PathArgument {
    public static let role = FileRole.input
    public let written: String
    public init(_ written: String) { self.written = written }
}

/// A file a command writes. It goes through the one atomic writer, inside the
/// write sandbox; `check` refuses a path outside it where the path is known.
public struct OutputPath: PathArgument {
    public static let role = FileRole.output
    public let written: String
    public init(_ written: String) { self.written = written }
}

/// A folder a command writes files into (`export torchrec "DIR"`): judged like
/// an output, for the files it will hold.
public struct OutputFolder: PathArgument {
    public static let role = FileRole.outputFolder
    public let written: String
    public init(_ written: String) { self.written = written }
}

extension Optional: FileArgument where Wrapped: FileArgument {
    public var fileToCheck: (path: String, role: FileRole)? { self?.fileToCheck }
}

/// A name: a feature, a user or item key (a bare word, a string or an integer).
public struct Name: ArgumentValue, Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public init(_ text: String) { self.text = text }
    public static var argumentType: ParamType { .word }
    public init?(argument: Value) {
        switch argument {
        case .string(let s), .symbol(let s): text = s
        case .integer(let i): text = String(i)
        default: return nil
        }
    }
    public var argument: Value { .string(text) }
    public var description: String { text }
}

extension MetricName: ArgumentValue {
    public static var argumentType: ParamType { .metric(RankingMetric.familyNames) }
    public init?(argument: Value) {
        guard case .metric(let m) = argument else { return nil }
        self = m
    }
    public var argument: Value { .metric(self) }
}

extension RankingMetric {
    /// The metric families a script may name: the library's one list.
    static var familyNames: [String] { Family.allCases.map(\.rawValue) }

    /// The metric a script names (`hr@10`), as the library knows it.
    init?(_ name: MetricName) { self.init(name: name.description) }
}

/// A choice among a library enum's cases, written as their raw values: the
/// enum is the one list of the words (`optimizer=adam` is `OptimizerSpec.Kind`).
public protocol ChoiceArgument: ArgumentValue, CaseIterable, RawRepresentable where RawValue == String {}

extension ChoiceArgument {
    public static var argumentType: ParamType { .choice(allCases.map(\.rawValue)) }
    public init?(argument: Value) {
        switch argument {
        case .symbol(let s), .string(let s): self.init(rawValue: s)
        default: return nil
        }
    }
    public var argument: Value { .symbol(rawValue) }
}
