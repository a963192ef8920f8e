import Foundation

/// A metric name as written in a script: `hr@10`, `ndcg@50`, `mrr`.
public struct MetricName: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let k: Int?
    public init(_ name: String, k: Int?) { self.name = name; self.k = k }
    public var description: String { k.map { "\(name)@\($0)" } ?? name }
}

/// The values a script computes with.
public enum Value: Sendable, Equatable, CustomStringConvertible {
    case integer(Int)
    case float(Double)
    case string(String)
    /// A bare word: `adam`, `max`, `on`. Booleans are the symbols on/off/true/false.
    case symbol(String)
    case metric(MetricName)
    case list([Value])
    /// Named fields in order, e.g. the result of `evaluate` (`$r.hr@50`).
    case record([(String, Value)])
    case none

    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x == y
        case (.float(let x), .float(let y)): return x == y
        case (.string(let x), .string(let y)), (.symbol(let x), .symbol(let y)): return x == y
        case (.metric(let x), .metric(let y)): return x == y
        case (.list(let x), .list(let y)): return x == y
        case (.record(let x), .record(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.none, .none): return true
        default: return false
        }
    }

    public var typeName: String {
        switch self {
        case .integer: return "integer"
        case .float: return "number"
        case .string: return "string"
        case .symbol(let s): return Value.boolWords[s] != nil ? "boolean" : "word"
        case .metric: return "metric"
        case .list: return "list"
        case .record: return "record"
        case .none: return "nothing"
        }
    }

    static let boolWords: [String: Bool] = ["on": true, "true": true, "off": false, "false": false]

    public var asBool: Bool? { if case .symbol(let s) = self { return Value.boolWords[s] }; return nil }

    public var asDouble: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .float(let d): return d
        default: return nil
        }
    }

    /// How `print` and string interpolation show a value: strings bare, numbers short.
    public var description: String {
        switch self {
        case .integer(let i): return String(i)
        case .float(let d): return Value.format(d)
        case .string(let s), .symbol(let s): return s
        case .metric(let m): return m.description
        case .list(let items): return "[" + items.map(\.literal).joined(separator: ", ") + "]"
        case .record(let fields): return "{" + fields.map { "\($0.0): \($0.1.literal)" }.joined(separator: ", ") + "}"
        case .none: return "none"
        }
    }

    /// The value written back as ydnn source (strings quoted), for `:vars` and `:save`.
    public var literal: String {
        switch self {
        case .string(let s):
            let escaped = s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "$", with: "\\$").replacingOccurrences(of: "\n", with: "\\n")
                .replacingOccurrences(of: "\t", with: "\\t")
            return "\"\(escaped)\""
        case .float(let d):
            let s = Value.format(d, digits: 17)
            return s.contains(".") || s.contains("e") || s.contains("n") ? s : s + ".0"
        default: return description
        }
    }

    /// Shortest readable form: up to `digits` significant digits, no trailing zeros.
    public static func format(_ d: Double, digits: Int = 6) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        if d == d.rounded(), abs(d) < 1e15 { return String(format: "%.1f", d) }
        var s = String(format: "%.\(digits)g", d)
        if s.contains("e") { return s }
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// A field of a record or an element of a list (`$r.hr@50`, `$dims.0`).
    public func field(_ name: String) -> Value? {
        switch self {
        case .record(let fields): return fields.first { $0.0 == name }?.1
        case .list(let items):
            guard let i = Int(name), i >= 0, i < items.count else { return nil }
            return items[i]
        default: return nil
        }
    }

    public var fieldNames: [String] {
        switch self {
        case .record(let fields): return fields.map(\.0)
        case .list(let items): return items.indices.map(String.init)
        default: return []
        }
    }
}
