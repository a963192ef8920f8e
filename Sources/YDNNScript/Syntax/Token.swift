/// A piece of a string literal: text, or a `$name` / `${name.field}` to interpolate.
public enum StringPart: Sendable, Equatable {
    case text(String)
    case variable(VariableRef)
}

/// `$name` or `$name.field.field`, e.g. `$r.hr@50` or `$dims.0`.
public struct VariableRef: Sendable, Equatable {
    public let name: String
    public let path: [String]
    public let span: Span
}

public enum TokenKind: Sendable, Equatable {
    case identifier(String)
    case metric(name: String, k: Int)   // hr@50
    case integer(Int)
    case float(Double)
    case string([StringPart])
    case variable(VariableRef)
    case equals, comma, semicolon, leftBracket, rightBracket, leftBrace, rightBrace
    case newline
    case end
    /// Produced after a lexical error (already reported), so parsing can go on.
    case invalid
}

public struct Token: Sendable {
    public let kind: TokenKind
    public let span: Span
    /// True when whitespace or a comment came right before this token.
    public let spaceBefore: Bool

    public var isStatementEnd: Bool {
        switch kind {
        case .newline, .semicolon, .end, .rightBrace: return true
        default: return false
        }
    }

    /// How the token reads in an error message.
    public var display: String {
        switch kind {
        case .newline: return "end of line"
        case .end: return "end of input"
        default: return "'\(span.text)'"
        }
    }
}
