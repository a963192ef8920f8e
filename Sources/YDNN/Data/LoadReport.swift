/// Errors of the data half: every message names the file (and line, when there is
/// one) so a recipe author can go straight to the problem.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(String)
    case notAFile(String)
    case emptyFile(String)
    case unreadable(path: String, reason: String)
    /// The file exists and has content, but nothing in it parses as the format.
    case wrongFormat(path: String, expected: String, detail: String)
    /// A bad line while `onError` is `.fail`.
    case malformed(MalformedLine)
    case missingColumn(path: String, column: String, available: [String])
    case invalidOption(String)
    /// The data exist but cannot support the request (e.g. no user has a test click).
    case unusable(String)

    public var description: String {
        switch self {
        case .fileNotFound(let p): return "file not found: \(p)"
        case .notAFile(let p): return "not a regular file: \(p)"
        case .emptyFile(let p): return "file is empty: \(p)"
        case .unreadable(let p, let r): return "cannot read \(p): \(r)"
        case .wrongFormat(let p, let e, let d): return "\(p) does not look like \(e): \(d)"
        case .malformed(let m): return "malformed line \(m) (on_error=fail)"
        case .missingColumn(let p, let c, let a):
            return "\(p): no column named '\(c)' in the header (columns: \(a.joined(separator: ", ")))"
        case .invalidOption(let m): return m
        case .unusable(let m): return m
        }
    }
}

/// What to do with a line that does not parse.
public enum OnError: String, Sendable, CaseIterable {
    /// Count it, remember the first few, and go on.
    case skip
    /// Stop loading with `DataError.malformed` at the first one.
    case fail
}

/// One bad line: where it is and why it was rejected.
public struct MalformedLine: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var reason: String
    public init(file: String, line: Int, reason: String) {
        self.file = file; self.line = line; self.reason = reason
    }
    /// Control bytes from the data (ESC, BEL, ...) are shown escaped, so a data
    /// file cannot drive the terminal through an error message.
    public var description: String { "\(file):\(line): \(Self.visible(reason))" }

    static func visible(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 && scalar != "\t" || (0x7F...0x9F).contains(scalar.value) {
                out += String(format: "\\x%02X", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// How a load went: sizes, the malformed-line count and the first few examples,
/// and warnings that did not stop the load.
public struct LoadReport: Sendable, CustomStringConvertible {
    public var format: String
    public var files: [String] = []
    public var bytesRead: Int = 0
    public var linesRead: Int = 0
    /// Lines (or records) that made it into the log.
    public var recordsLoaded: Int = 0
    public var malformedCount: Int = 0
    /// The first `LoadReport.examplesKept` malformed lines.
    public var firstMalformed: [MalformedLine] = []
    public var warnings: [String] = []
    public var seconds: Double = 0

    public static let examplesKept = 5

    public init(format: String) { self.format = format }

    public var description: String {
        var s = "\(format): \(recordsLoaded) records from \(linesRead) lines"
        if malformedCount > 0 {
            s += ", \(malformedCount) malformed"
            for m in firstMalformed { s += "\n  \(m)" }
            if malformedCount > firstMalformed.count { s += "\n  ..." }
        }
        for w in warnings { s += "\nwarning: \(w)" }
        return s
    }

    /// Records a bad line; throws when the policy is `.fail`.
    mutating func malformed(_ file: String, line: Int, _ reason: String, policy: OnError) throws {
        let m = MalformedLine(file: file, line: line, reason: reason)
        if policy == .fail { throw DataError.malformed(m) }
        malformedCount += 1
        if firstMalformed.count < LoadReport.examplesKept { firstMalformed.append(m) }
    }

    /// A load that kept nothing is a format error, not an empty data set.
    func requireSomething(_ path: String, expected: String) throws {
        if recordsLoaded == 0 {
            let detail = firstMalformed.first.map { "every line was rejected, e.g. \($0)" } ?? "no records found"
            throw DataError.wrongFormat(path: path, expected: expected, detail: detail)
        }
    }
}
