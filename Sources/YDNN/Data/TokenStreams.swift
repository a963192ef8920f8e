import Foundation
import YDNNSignals

/// A second history stream (the paper's search history): per user, timestamped
/// tokens from another file, e.g. MovieLens' tag applications (`tags.csv`). A
/// sample sees only the user's tokens strictly before its target click, so no
/// token from the future reaches training; the newest `window` of them (all
/// when nil) become one bag the model pools (`embed NAME DIM pool=avg|sum`).
public struct TokenStream: Sendable {
    public let name: String
    /// Keep only the newest this many tokens before the click; nil keeps all.
    public let window: Int?
    public internal(set) var values = StringTable()
    /// User u's tokens are `ids[userStart[u] ..< userStart[u+1]]`, oldest first,
    /// at `times` (seconds, on the log's own clock, absolute).
    public internal(set) var userStart: [Int] = [0]
    public internal(set) var ids: [Int32] = []
    public internal(set) var times: [Int64] = []

    /// The window of the streams ydnn makes itself (the generator's searches,
    /// ml-latest's tags.csv): the paper pools a user's last 50 searches. On the
    /// generator's default log (about 15 searches a user) it keeps nearly all.
    public static let builtInWindow = 50

    public func tokens(ofUser u: Int) -> Range<Int> { userStart[u] ..< userStart[u + 1] }

    /// The tokens user `u` had applied before `time`, newest `window` of them.
    public func before(user u: Int, time: Int64) -> Range<Int> {
        let r = tokens(ofUser: u)
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi { let m = (lo + hi) / 2; if times[m] < time { lo = m + 1 } else { hi = m } }
        let start = window.map { max(r.lowerBound, lo - $0) } ?? r.lowerBound
        return start ..< lo
    }
}

extension TokenStream {
    /// Sets the stream's tokens from rows of (user index, absolute time, raw id
    /// into `values`) in any order: grouped by user, then by time, ties in row
    /// order (a stable sort).
    mutating func fill(rows: [(user: Int32, time: Int64, id: Int32)], numUsers: Int) {
        let sorted = rows.enumerated().sorted { a, b in
            a.element.user != b.element.user ? a.element.user < b.element.user
                : a.element.time != b.element.time ? a.element.time < b.element.time : a.offset < b.offset
        }.map(\.element)
        userStart = [Int](repeating: 0, count: numUsers + 1)
        for r in sorted { userStart[Int(r.user) + 1] += 1 }
        for u in 0..<numUsers { userStart[u + 1] += userStart[u] }
        ids = sorted.map(\.id)
        times = sorted.map(\.time)
        values.shrink()
    }
}

/// Columns of a token file: who, what, when.
public struct TokenColumns: Sendable, Equatable {
    public var user: String
    public var token: String
    public var time: String
    public var delimiter: Character? = nil
    public var timeDivisor: Int64 = 1
    /// Put before each user field to find the log's key (`load movielens` keys users `U<id>`).
    public var userPrefix = ""
    public init(user: String, token: String, time: String) { self.user = user; self.token = token; self.time = time }
}

extension ClickLog {
    /// Reads a token stream for the log's users (tokens of users not in the log
    /// are skipped and counted) and returns the log with it attached. Tokens are
    /// trimmed and lower-cased (`Funny` and `funny ` are one tag).
    public func withTokenStream(name: String, path: String, columns: TokenColumns, window: Int? = nil,
                                onError: OnError = .skip, token: CancellationToken = .process) throws -> (log: ClickLog, skipped: Int) {
        guard hasTimestamps else {
            throw DataError.unusable("a token stream needs click times to tell past from future; the \(format) format has none")
        }
        if ClickLog.reservedFeatureNames.contains(name) || declared.contains(where: { $0.name == name })
            || tokenStreams.contains(where: { $0.name == name }) {
            throw DataError.invalidOption("feature name '\(name)' is taken")
        }
        if let w = window, w < 1 { throw DataError.invalidOption("window must be at least 1, got \(w)") }
        var stream = TokenStream(name: name, window: window)
        var rows: [(user: Int32, time: Int64, id: Int32)] = []
        var delim: UInt8 = 0, width = 0
        var col = (user: 0, token: 0, time: 0)
        var fields: [Range<Int>] = [], scratch: [UInt8] = []
        let prefix = Array(columns.userPrefix.utf8)
        var key: [UInt8] = []
        var report = loadReport, skipped = 0
        let (bytes, lines) = try ByteReader.forEachLine(path, token: token) { rawLine, no in
            var line = rawLine
            if delim == 0 {
                if line.count >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF { line = line.slice(3..<line.count) }
                delim = columns.delimiter?.asciiValue ?? (line.contains(9) ? 9 : line.contains(44) ? 44 : line.contains(59) ? 59 : 44)
                splitCSV(line, delim, &fields, &scratch)
                let names = fields.map { String(decoding: scratch[$0], as: UTF8.self).trimmingCharacters(in: .whitespaces) }
                width = names.count
                func need(_ n: String) throws -> Int {
                    guard let k = names.firstIndex(of: n) else { throw DataError.missingColumn(path: path, column: n, available: names) }
                    return k
                }
                col = (try need(columns.user), try need(columns.token), try need(columns.time))
                return
            }
            if line.count == 0 { return }
            if let problem = splitCSVRecord(line, delim, width: width, &fields, &scratch) {
                try report.malformed(path, line: no, problem, policy: onError); return
            }
            try scratch.withUnsafeBufferPointer { s in
                let f = { (k: Int) in UnsafeBufferPointer(rebasing: s[fields[k]]) }
                guard let t = parseTime(f(col.time), divisor: columns.timeDivisor) else {
                    try report.malformed(path, line: no, "time \(excerpt(f(col.time), limit: 30)) is neither a number nor an ISO date", policy: onError)
                    return
                }
                let text = f(col.token).decodedString().trimmingCharacters(in: .whitespaces).lowercased()
                guard !text.isEmpty else { return }
                let found: Int32?
                if prefix.isEmpty { found = userKeys.find(f(col.user)) } else {
                    key.removeAll(keepingCapacity: true)
                    key.append(contentsOf: prefix); key.append(contentsOf: f(col.user).trimmed())
                    found = key.withUnsafeBufferPointer { userKeys.find($0) }
                }
                guard let u = found else { skipped += 1; return }
                rows.append((u, t, stream.values.intern(text)))
            }
        }
        report.files.append(path); report.bytesRead += bytes; report.linesRead += lines
        stream.fill(rows: rows, numUsers: numUsers)
        var log = self
        log.tokenStreams.append(stream)
        log.loadReport = report
        return (log, skipped)
    }
}

/// A stream's tokens in vocabulary ids, ready to cut the bags of samples.
struct TokenStreamInput {
    let stream: TokenStream
    /// Vocabulary id of each token of the stream.
    let ids: [Int32]

    /// The bag of each sample: user `users[k]`'s tokens before `times[k]`
    /// (absolute seconds); `<unk>` alone when there are none or the user is new.
    func column(users: [Int32], times: [Int64]) -> RaggedIDs {
        var out = RaggedIDs()
        out.offsets.reserveCapacity(users.count + 1)
        for (u, t) in zip(users, times) {
            let r = u >= 0 ? stream.before(user: Int(u), time: t) : 0..<0
            if r.isEmpty { out.ids.append(0) } else { out.ids.append(contentsOf: ids[r]) }
            out.offsets.append(Int32(out.ids.count))
        }
        return out
    }
}
