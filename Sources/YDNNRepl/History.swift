import Foundation

/// The REPL's persistent history: a size-limited list of complete statements.
///
/// The file is our own plain-text format, not libedit's, so it can be read and
/// tested without touching libedit's global state: a header line, then one entry
/// per line with `\` and line breaks escaped (a multi-line statement stays one
/// entry). libedit only gets a copy of the entries for Up/Down recall.
public struct History: Sendable {
    public static let defaultLimit = 1000
    static let header = "#ydnn-history-v1"

    public private(set) var entries: [String] = []
    public let limit: Int

    public init(limit: Int = History.defaultLimit) {
        self.limit = max(1, limit)
    }

    /// Appends `entry` unless it is blank or repeats the previous entry (recalling a
    /// line and running it again should not fill the history with copies).
    /// Returns whether it was added.
    @discardableResult
    public mutating func add(_ entry: String) -> Bool {
        guard !entry.allSatisfy(\.isWhitespace), entry != entries.last else { return false }
        entries.append(entry)
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
        return true
    }

    /// Reads `path`, keeping the newest `limit` entries. A missing or unreadable file
    /// is an empty history: a REPL must start even when the file is broken.
    public static func load(from path: String, limit: Int = History.defaultLimit) -> History {
        var history = History(limit: limit)
        guard let data = FileManager.default.contents(atPath: path) else { return history }
        // Split on the byte, not on Character: a hand-edited file with CRLF endings
        // would otherwise be one giant line ("\r\n" is a single Character).
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        if lines.last == "" { lines.removeLast() }
        if lines.first == header { lines.removeFirst() }
        for line in lines.suffix(history.limit) {
            var line = Substring(line)
            if line.hasSuffix("\r") { line = line.dropLast() }
            history.add(unescape(line))
        }
        return history
    }

    /// Writes the whole history to a temporary file next to `path` and renames it over
    /// `path`, so a crash or a second session mid-write never leaves a torn file.
    public func save(to path: String) throws {
        var text = History.header + "\n"
        for entry in entries {
            text += History.escape(entry)
            text += "\n"
        }
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try Data(text.utf8).write(to: temp)
            // History may hold secrets typed at the prompt: owner-only, like shells do.
            chmod(temp.path, 0o600)
            guard rename(temp.path, path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        } catch {
            unlink(temp.path)
            throw error
        }
    }

    /// Adds `newEntries` to the file at `path` as it is now, not as this session loaded
    /// it: two sessions open at once then both keep their lines (the later writer no
    /// longer wipes the other's), the way a shell's `histappend` works.
    public static func append(_ newEntries: [String], to path: String,
                              limit: Int = History.defaultLimit) throws {
        var onDisk = load(from: path, limit: limit)
        for entry in newEntries { onDisk.add(entry) }
        try onDisk.save(to: path)
    }

    /// The `:history` listing, numbered from 1 like a shell's `history`; later lines of
    /// a multi-line entry are indented under the first so the numbers stay readable.
    public func numberedListing() -> String {
        var out = ""
        for (index, entry) in entries.enumerated() {
            let number = String(index + 1)
            let pad = String(repeating: " ", count: max(0, 5 - number.count))
            let lines = entry.split(separator: "\n", omittingEmptySubsequences: false)
            for (lineIndex, line) in lines.enumerated() {
                out += lineIndex == 0 ? "\(pad)\(number)  \(line)\n" : "       \(line)\n"
            }
        }
        return out
    }

    static func escape(_ entry: String) -> String {
        var out = ""
        out.reserveCapacity(entry.utf8.count)
        for scalar in entry.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func unescape(_ line: Substring) -> String {
        var out = ""
        var escaping = false
        for scalar in line.unicodeScalars {
            if escaping {
                switch scalar {
                case "n": out += "\n"
                case "r": out += "\r"
                default: out.unicodeScalars.append(scalar)
                }
                escaping = false
            } else if scalar == "\\" {
                escaping = true
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        if escaping { out += "\\" }
        return out
    }
}
