import Foundation
import YDNNSignals

/// Which header columns of a generic event log hold what. Only `user`, `item`
/// and `time` are required.
public struct CSVColumns: Sendable, Equatable {
    public var user: String
    public var item: String
    public var time: String
    public var category: String? = nil
    /// A column of tags separated by `tagSeparator` (e.g. `Action|Comedy`).
    public var tags: String? = nil
    public var tagSeparator: Character = "|"
    public var province: String? = nil
    public var city: String? = nil
    public var phone: String? = nil
    public var title: String? = nil
    /// A numeric rating column: kept per click (`ClickLog.clickRatings`) as the
    /// weights of weighted pooling, and filtered by `minRating`.
    public var rating: String? = nil
    /// Keep only events whose `rating` is at least this.
    public var minRating: Double? = nil
    /// Field delimiter; nil detects tab, comma or semicolon from the header.
    public var delimiter: Character? = nil
    /// Numeric times are divided by this (1000 for milliseconds).
    public var timeDivisor: Int64 = 1
    /// Declared features, by column name (`CSVFeatures.swift`): in the event file,
    /// else, for a user or item feature, in `userTable` or `itemTable`.
    public var features: [CSVFeature] = []
    public var userTable: CSVTable? = nil
    public var itemTable: CSVTable? = nil

    public init(user: String, item: String, time: String) {
        self.user = user; self.item = item; self.time = time
    }
}

extension ClickLog {
    /// A generic event log with a header row: one click per line, in any order.
    /// Fields may be double-quoted (`""` for a quote). Times are numbers (Unix
    /// seconds after `timeDivisor`) or ISO dates (`2024-03-01`, `2024-03-01T12:30:00`).
    /// Throws `Cancelled` when `token` is cancelled (checked after every 4 MB read).
    public static func loadCSV(path: String, columns: CSVColumns, onError: OnError = .skip,
                               token: CancellationToken = .process) throws -> ClickLog {
        let t0 = MonotonicClock.now()
        guard columns.timeDivisor >= 1 else { throw DataError.invalidOption("time divisor must be at least 1") }
        var b = ClickLogBuilder(format: "csv", hasTimestamps: true)
        var report = LoadReport(format: "csv")
        report.files = [path]
        var delim: UInt8 = 0
        var index: [String: Int] = [:]
        var col = (user: 0, item: 0, time: 0, category: -1, tags: -1, province: -1, city: -1, phone: -1, title: -1, rating: -1)
        var width = 0
        var titles: [Int32: String] = [:]
        var fields: [Range<Int>] = []
        var scratch: [UInt8] = []
        var tagScratch: [Int32] = []
        let tagSep = columns.tagSeparator.asciiValue ?? 124
        var featureSlots: [CSVFeatureSlot] = []
        var names: [String] = []
        var tableFeatures: [FeatureScope: [(slot: Int, name: String, continuous: Bool)]] = [:]

        let (bytes, lines) = try ByteReader.forEachLine(path, token: token) { rawLine, no in
            var line = rawLine
            if delim == 0 {
                // Header, without a UTF-8 byte-order mark (spreadsheet exports have one).
                if line.count >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF { line = line.slice(3..<line.count) }
                if let d = columns.delimiter { delim = d.asciiValue ?? 44 } else {
                    delim = line.contains(9) ? 9 : line.contains(44) ? 44 : line.contains(59) ? 59 : 44
                }
                splitCSV(line, delim, &fields, &scratch)
                names = fields.map { String(decoding: scratch[$0], as: UTF8.self).trimmingCharacters(in: .whitespaces) }
                for (k, n) in names.enumerated() where index[n] == nil { index[n] = k }
                width = names.count
                func need(_ n: String) throws -> Int {
                    guard let k = index[n] else { throw DataError.missingColumn(path: path, column: n, available: names) }
                    return k
                }
                func opt(_ n: String?) throws -> Int { try n.map(need) ?? -1 }
                col = (try need(columns.user), try need(columns.item), try need(columns.time), try opt(columns.category),
                       try opt(columns.tags), try opt(columns.province), try opt(columns.city), try opt(columns.phone),
                       try opt(columns.title), try opt(columns.rating))
                for f in columns.features {
                    let slot = try b.declare(f.name, scope: f.scope, kind: f.continuous ? .continuous : .categorical)
                    if let k = index[f.name] {
                        featureSlots.append(CSVFeatureSlot(slot: slot, column: k, scope: f.scope, continuous: f.continuous))
                    } else if (f.scope == .user && columns.userTable != nil) || (f.scope == .item && columns.itemTable != nil) {
                        tableFeatures[f.scope, default: []].append((slot, f.name, f.continuous))
                    } else {
                        _ = try need(f.name)
                    }
                }
                return
            }
            if line.count == 0 { return }
            if let problem = splitCSVRecord(line, delim, width: width, &fields, &scratch) {
                try report.malformed(path, line: no, problem, policy: onError); return
            }
            try scratch.withUnsafeBufferPointer { s in
                let f = { (k: Int) in UnsafeBufferPointer(rebasing: s[fields[k]]) }
                guard f(col.user).count > 0, f(col.item).count > 0 else {
                    try report.malformed(path, line: no, "empty user or item", policy: onError); return
                }
                guard let t = parseTime(f(col.time), divisor: columns.timeDivisor) else {
                    try report.malformed(path, line: no, "time \(excerpt(f(col.time), limit: 30)) is neither a number nor an ISO date", policy: onError)
                    return
                }
                var rating: Float? = nil
                if col.rating >= 0 {
                    guard let r = f(col.rating).parseDecimal(), r.isFinite else {
                        try report.malformed(path, line: no, "rating \(excerpt(f(col.rating), limit: 30)) is not a number", policy: onError)
                        return
                    }
                    if let m = columns.minRating, r < m { return }
                    rating = Float(r)
                }
                if let problem = badNumber(featureSlots, names: names, field: f) {
                    try report.malformed(path, line: no, problem, policy: onError); return
                }
                let u = b.user(f(col.user)), i = b.item(f(col.item))
                if col.province >= 0 || col.city >= 0 || col.phone >= 0, !b.userHasFeatures(u) {
                    let null = Array("NULL".utf8)
                    null.withUnsafeBufferPointer { nb in
                        b.setUser(u, province: b.province(col.province >= 0 ? f(col.province) : nb),
                                  city: b.city(col.city >= 0 ? f(col.city) : nb),
                                  phone: b.phone(col.phone >= 0 ? f(col.phone) : nb))
                    }
                }
                if (col.category >= 0 || col.tags >= 0) && !b.itemHasMetadata(i) {
                    tagScratch.removeAll(keepingCapacity: true)
                    if col.tags >= 0 {
                        let tf = f(col.tags)
                        var ts = 0
                        while ts <= tf.count {
                            var te = ts
                            while te < tf.count && tf[te] != tagSep { te += 1 }
                            let tag = tf.slice(ts..<te).trimmed()
                            if tag.count > 0 { tagScratch.append(b.tag(tag)) }
                            ts = te + 1
                        }
                    }
                    let cat = col.category >= 0 ? b.category(f(col.category)) : (tagScratch.first.map { b.log.tags[$0] }.map { b.category($0) } ?? b.category("NULL"))
                    b.setItem(i, category: cat, tags: tagScratch)
                }
                if col.title >= 0 && titles[i] == nil { titles[i] = f(col.title).decodedString() }
                b.click(user: u, item: i, time: t, rating: rating)
                if !featureSlots.isEmpty {
                    b.setFeatures(featureSlots, field: f, user: u, item: i, click: b.numClicks - 1, separator: tagSep)
                }
                report.recordsLoaded += 1
            }
        }
        report.bytesRead = bytes
        report.linesRead = lines
        if lines <= 1 { throw DataError.wrongFormat(path: path, expected: "a CSV event log", detail: "only a header row") }
        try report.requireSomething(path, expected: "a CSV event log with columns \(columns.user), \(columns.item), \(columns.time)")
        for (scope, table) in [(FeatureScope.user, columns.userTable), (.item, columns.itemTable)] {
            guard let table, let features = tableFeatures[scope] else { continue }
            try readTable(table, scope: scope, features: features, delimiter: columns.delimiter, separator: tagSep,
                          onError: onError, builder: &b, report: &report, token: token)
        }
        if col.title >= 0 { b.setTitles((0..<b.numItems).map { titles[Int32($0)] ?? "" }) }
        report.seconds = MonotonicClock.seconds(since: t0)
        return try b.build(report: report)
    }
}

/// Splits a data line of a CSV file with `width` header fields, as `splitCSV`
/// does; returns what is wrong with it (for `LoadReport.malformed`), or nil.
func splitCSVRecord(_ line: UnsafeBufferPointer<UInt8>, _ delim: UInt8, width: Int,
                    _ fields: inout [Range<Int>], _ scratch: inout [UInt8]) -> String? {
    guard splitCSV(line, delim, &fields, &scratch) else { return "unbalanced quotes: \(excerpt(line))" }
    guard fields.count == width else { return "expected \(width) fields like the header, found \(fields.count): \(excerpt(line))" }
    return nil
}

/// Splits a CSV line into `scratch` (unquoted, unescaped field bytes) and `fields`
/// (ranges into it). Returns false on an unterminated quote.
@discardableResult
func splitCSV(_ line: UnsafeBufferPointer<UInt8>, _ delim: UInt8, _ fields: inout [Range<Int>], _ scratch: inout [UInt8]) -> Bool {
    fields.removeAll(keepingCapacity: true)
    scratch.removeAll(keepingCapacity: true)
    var i = 0, start = 0
    var quoted = false, atFieldStart = true
    while i < line.count {
        let c = line[i]
        if quoted {
            if c == 34 {
                if i + 1 < line.count && line[i + 1] == 34 { scratch.append(34); i += 1 } else { quoted = false }
            } else { scratch.append(c) }
        } else if c == 34 && atFieldStart {
            quoted = true
        } else if c == delim {
            fields.append(start..<scratch.count)
            start = scratch.count
            atFieldStart = true
            i += 1
            continue
        } else {
            scratch.append(c)
        }
        atFieldStart = false
        i += 1
    }
    fields.append(start..<scratch.count)
    return !quoted
}

/// A number (seconds, divided by `divisor`) or an ISO date / date-time (UTC).
func parseTime(_ s0: UnsafeBufferPointer<UInt8>, divisor: Int64) -> Int64? {
    let s = s0.trimmed()
    // A decimal past Int64 would trap on conversion (the csv fuzz target found a
    // 30-digit time).
    let limit = largestTime
    if let v = s.parseInteger() { return abs(v / divisor) < limit ? v / divisor : nil }
    if let d = s.parseDecimal() {
        let t = d / Double(divisor)
        return t.isFinite && abs(t) < Double(limit) ? Int64(t) : nil
    }
    // YYYY-MM-DD[(T| )HH:MM[:SS]][Z]
    func num(_ r: Range<Int>) -> Int? {
        guard r.upperBound <= s.count else { return nil }
        var v = 0
        for k in r { guard s[k] >= 48 && s[k] <= 57 else { return nil }; v = v * 10 + Int(s[k] - 48) }
        return v
    }
    guard s.count >= 10, s[4] == 45, s[7] == 45, let y = num(0..<4), let m = num(5..<7), let d = num(8..<10),
          (1...12).contains(m), (1...31).contains(d) else { return nil }
    var t = daysFromCivil(y, m, d) * 86400
    if s.count > 10 {
        guard s.count >= 16, s[10] == 84 || s[10] == 32, s[13] == 58, let h = num(11..<13), let mi = num(14..<16) else { return nil }
        t += Int64(h * 3600 + mi * 60)
        if s.count >= 19, s[16] == 58, let sec = num(17..<19) { t += Int64(sec) }
    }
    return t
}
