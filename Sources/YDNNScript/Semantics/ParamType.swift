import YDNN

/// The type of a command's argument, as declared in the registry. One declaration
/// drives checking (before a script runs), conversion (when it runs), `help` and
/// completion.
public indirect enum ParamType: Sendable {
    case integer(ClosedRange<Int>?)
    case number(ClosedRange<Double>?)
    /// Text: a quoted string, or a bare word.
    case string
    /// A file path (a string; the REPL completes file names inside it).
    case path
    case bool
    /// One of a fixed set of words.
    case choice([String])
    /// Any bare word, string or integer used as a name (a feature, a user key).
    case word
    /// A metric such as `hr@10` or `mrr`, from the given family names.
    case metric([String])
    case list(ParamType)
    case any

    /// How the type reads in usage lines: `INT`, `on|off`, `[METRIC, ...]`.
    public var display: String {
        switch self {
        case .integer: return "INT"
        case .number: return "NUM"
        case .string: return "TEXT"
        case .path: return "PATH"
        case .bool: return "on|off"
        case .choice(let words): return words.joined(separator: "|")
        case .word: return "NAME"
        case .metric: return "METRIC"
        case .list(let t): return "[\(t.display), ...]"
        case .any: return "VALUE"
        }
    }

    /// The allowed range or values, for help tables.
    public var constraint: String? {
        switch self {
        case .integer(let r?): return Self.describe(r.lowerBound, r.upperBound, Int.max)
        case .number(let r?): return Self.describe(r.lowerBound, r.upperBound, Double.greatestFiniteMagnitude)
        case .metric(let families): return families.map { takesCutoff($0) ? "\($0)@K" : $0 }.joined(separator: ", ")
        default: return nil
        }
    }

    static func describe<T: Comparable & CustomStringConvertible>(_ lo: T, _ hi: T, _ max: T) -> String {
        hi == max ? ">= \(lo)" : "\(lo)...\(hi)"
    }

    /// Words worth offering when completing a value of this type.
    public var completions: [String] {
        switch self {
        case .bool: return ["on", "off"]
        case .choice(let words): return words
        case .list(let t): return t.completions
        default: return []
        }
    }

    /// Converts a value to this type, or says why it cannot.
    public func coerce(_ value: Value) -> Result<Value, TypeMismatch> {
        func fail(_ why: String) -> Result<Value, TypeMismatch> { .failure(TypeMismatch(message: why)) }
        switch (self, value) {
        case (.any, _):
            return .success(value)
        case (.integer(let range), .integer(let i)):
            if let range, !range.contains(i) { return fail("\(i) is out of range (\(constraint!))") }
            return .success(value)
        case (.integer, .float(let d)):
            return fail("expected an integer, got \(Value.format(d))")
        case (.number(let range), _) where value.asDouble != nil:
            let d = value.asDouble!
            if let range, !range.contains(d) { return fail("\(value) is out of range (\(constraint!))") }
            return .success(.float(d))
        case (.string, .string), (.path, .string):
            return .success(value)
        case (.string, .symbol(let s)):
            return .success(.string(s))
        case (.bool, .symbol(let s)) where Value.boolWords[s] != nil:
            return .success(value)
        case (.bool, .string(let s)) where Value.boolWords[s] != nil:
            return .success(.symbol(s))
        case (.choice(let words), .symbol(let s)), (.choice(let words), .string(let s)):
            if words.contains(s) { return .success(.symbol(s)) }
            // on/off choices also take true/false.
            if let b = Value.boolWords[s], words.contains("on"), words.contains("off") { return .success(.symbol(b ? "on" : "off")) }
            let hint = closestMatch(to: s, in: words).map { "; did you mean '\($0)'?" } ?? ""
            return fail("'\(s)' is not one of \(words.joined(separator: ", "))\(hint)")
        case (.word, .symbol(let s)), (.word, .string(let s)):
            return .success(.string(s))
        case (.word, .integer(let i)):
            return .success(.string(String(i)))
        case (.metric(let families), .metric(let m)):
            return Self.checkMetric(m, families)
        case (.metric(let families), .symbol(let s)):
            return Self.checkMetric(MetricName(s, k: nil), families)
        case (.list(let element), .list(let items)):
            var out: [Value] = []
            for (i, item) in items.enumerated() {
                switch element.coerce(item) {
                case .success(let v): out.append(v)
                case .failure(let e): return fail("item \(i + 1): \(e.message)")
                }
            }
            return .success(.list(out))
        default:
            return fail("expected \(expectation), got \(value.typeName) '\(value)'")
        }
    }

    var expectation: String {
        switch self {
        case .integer: return "an integer"
        case .number: return "a number"
        case .string: return "text"
        case .path: return "a path in double quotes"
        case .bool: return "on or off"
        case .choice(let words): return "one of \(words.joined(separator: ", "))"
        case .word: return "a name"
        case .metric: return "a metric like hr@10"
        case .list: return "a list [...]"
        case .any: return "a value"
        }
    }

    static func checkMetric(_ m: MetricName, _ families: [String]) -> Result<Value, TypeMismatch> {
        guard families.contains(m.name) else {
            let hint = closestMatch(to: m.name, in: families).map { "; did you mean '\($0)'?" } ?? ""
            return .failure(TypeMismatch(message: "unknown metric '\(m)' (known: \(families.joined(separator: ", ")))\(hint)"))
        }
        let needsK = takesCutoff(m.name)
        if needsK && m.k == nil { return .failure(TypeMismatch(message: "'\(m.name)' needs a cutoff, like \(m.name)@10")) }
        if !needsK && m.k != nil { return .failure(TypeMismatch(message: "'\(m.name)' takes no cutoff")) }
        return .success(.metric(m))
    }
}

public struct TypeMismatch: Error, Sendable { public let message: String }

/// Whether a metric family is written with a cutoff (`hr@10`, not `mrr`): the
/// library's list of families says.
func takesCutoff(_ family: String) -> Bool { RankingMetric.Family(rawValue: family)?.takesCutoff ?? true }
