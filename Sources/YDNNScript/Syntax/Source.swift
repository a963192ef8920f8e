/// A script's text with a name to show in diagnostics ("recipe.ydnn", "<repl>").
public final class SourceFile: Sendable {
    public let name: String
    /// Absolute path when the source came from a file (includes resolve against it).
    public let path: String?
    public let text: String
    /// Line number of the text's first line (input piped to the REPL arrives a
    /// statement at a time; errors still name the line of the whole input).
    public let firstLine: Int
    let bytes: [UInt8]
    private let lineStarts: [Int]

    public init(name: String, text: String, path: String? = nil, firstLine: Int = 1) {
        self.name = name
        self.path = path
        self.text = text
        self.firstLine = firstLine
        self.bytes = Array(text.utf8)
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    /// 1-based line and column (in characters) of a byte offset.
    public func location(of offset: Int) -> (line: Int, column: Int) {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        let start = lineStarts[lo]
        let prefix = bytes[start ..< min(offset, bytes.count)]
        let column = String(decoding: prefix, as: UTF8.self).count + 1
        return (lo + firstLine, column)
    }

    /// The text of a 1-based line, without its newline.
    public func lineText(_ line: Int) -> String {
        let line = line - firstLine + 1
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start ..< max(start, end)], as: UTF8.self)
    }

    public func slice(_ span: Span) -> String {
        String(decoding: bytes[span.start ..< min(span.end, bytes.count)], as: UTF8.self)
    }
}

/// A byte range in one source file.
public struct Span: Sendable, Equatable {
    public let file: SourceFile
    public let start: Int
    public let end: Int

    public init(file: SourceFile, start: Int, end: Int) {
        self.file = file; self.start = start; self.end = max(start, end)
    }

    /// The smallest span covering both.
    public func to(_ other: Span) -> Span { Span(file: file, start: min(start, other.start), end: max(end, other.end)) }

    public var text: String { file.slice(self) }

    public static func == (a: Span, b: Span) -> Bool { a.file === b.file && a.start == b.start && a.end == b.end }
}
