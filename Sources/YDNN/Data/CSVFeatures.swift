import Foundation
import YDNNSignals

/// A declared feature of a CSV event log: a column of the event file, or of a
/// per-user or per-item table joined by key (`CSVColumns.userTable`, `itemTable`).
/// A categorical column whose values contain the list separator (`Action|Comedy`)
/// becomes a bag.
public struct CSVFeature: Sendable, Equatable {
    public var name: String
    public var scope: FeatureScope
    public var continuous: Bool
    public init(_ name: String, scope: FeatureScope, continuous: Bool = false) {
        self.name = name; self.scope = scope; self.continuous = continuous
    }
}

/// A per-user or per-item table in its own file: a header row, a key column, and
/// the declared features' columns.
public struct CSVTable: Sendable, Equatable {
    public var path: String
    /// The column holding the user or item key (as written in the event file).
    public var key: String
    public init(path: String, key: String) { self.path = path; self.key = key }
}

/// One declared feature's column in one file, for the readers below.
struct CSVFeatureSlot {
    let slot: Int
    let column: Int
    let scope: FeatureScope
    let continuous: Bool
}

extension ClickLogBuilder {
    /// Sets the declared features of one row from a CSV line's fields. Returns a
    /// problem for a number that does not parse (the line is then malformed; call
    /// `parseNumbers` first to reject it before anything is set).
    mutating func setFeatures(_ slots: [CSVFeatureSlot], field: (Int) -> UnsafeBufferPointer<UInt8>,
                              user: Int32, item: Int32, click: Int, separator: UInt8) {
        for s in slots {
            let row = s.scope == .user ? Int(user) : s.scope == .item ? Int(item) : click
            if s.continuous {
                if let x = field(s.column).trimmed().parseDecimal() { set(s.slot, row: row, number: Float(x)) }
            } else {
                set(s.slot, row: row, field: field(s.column), separator: separator)
            }
        }
    }
}

/// The first continuous field that is neither empty nor a number, as a message.
func badNumber(_ slots: [CSVFeatureSlot], names: [String], field: (Int) -> UnsafeBufferPointer<UInt8>) -> String? {
    for s in slots where s.continuous {
        let f = field(s.column).trimmed()
        if f.count > 0, f.parseDecimal()?.isFinite != true {
            return "\(names[s.column]) \(excerpt(f, limit: 30)) is not a number"
        }
    }
    return nil
}

extension ClickLog {
    /// Reads a per-user (`scope` .user) or per-item table and sets the declared
    /// features it holds. Keys not in the event log: a user is skipped (it has no
    /// clicks); an item joins the catalogue without clicks.
    static func readTable(_ table: CSVTable, scope: FeatureScope, features: [(slot: Int, name: String, continuous: Bool)],
                          delimiter: Character?, separator: UInt8, onError: OnError, builder b: inout ClickLogBuilder,
                          report: inout LoadReport, token: CancellationToken) throws {
        var delim: UInt8 = 0, width = 0, key = 0
        var slots: [CSVFeatureSlot] = []
        var names: [String] = []
        var fields: [Range<Int>] = [], scratch: [UInt8] = []
        let (bytes, lines) = try ByteReader.forEachLine(table.path, token: token) { rawLine, no in
            var line = rawLine
            if delim == 0 {
                if line.count >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF { line = line.slice(3..<line.count) }
                delim = delimiter?.asciiValue ?? (line.contains(9) ? 9 : line.contains(44) ? 44 : line.contains(59) ? 59 : 44)
                splitCSV(line, delim, &fields, &scratch)
                names = fields.map { String(decoding: scratch[$0], as: UTF8.self).trimmingCharacters(in: .whitespaces) }
                width = names.count
                guard let k = names.firstIndex(of: table.key) else {
                    throw DataError.missingColumn(path: table.path, column: table.key, available: names)
                }
                key = k
                slots = try features.map { f in
                    guard let c = names.firstIndex(of: f.name) else {
                        throw DataError.missingColumn(path: table.path, column: f.name, available: names)
                    }
                    return CSVFeatureSlot(slot: f.slot, column: c, scope: scope, continuous: f.continuous)
                }
                return
            }
            if line.count == 0 { return }
            if let problem = splitCSVRecord(line, delim, width: width, &fields, &scratch) {
                try report.malformed(table.path, line: no, problem, policy: onError); return
            }
            try scratch.withUnsafeBufferPointer { s in
                let f = { (k: Int) in UnsafeBufferPointer(rebasing: s[fields[k]]) }
                if let problem = badNumber(slots, names: names, field: f) {
                    try report.malformed(table.path, line: no, problem, policy: onError); return
                }
                let k = f(key)
                guard k.count > 0 else { try report.malformed(table.path, line: no, "empty key", policy: onError); return }
                if scope == .user {
                    guard let u = b.log.userKeys.find(k) else { return }
                    b.setFeatures(slots, field: f, user: u, item: -1, click: -1, separator: separator)
                } else {
                    let i = b.item(k)
                    b.setFeatures(slots, field: f, user: -1, item: i, click: -1, separator: separator)
                }
            }
        }
        report.files.append(table.path)
        report.bytesRead += bytes
        report.linesRead += lines
    }
}
