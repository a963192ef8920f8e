import Foundation
import YDNNSignals

/// MovieLens "latest" layout (ml-latest-small, ml-latest, ml-20m, ml-25m, ml-32m):
/// comma-separated files with header rows, titles quoted when they hold a comma.
/// - `movies.csv` (movieId, title, genres): items `M<id>` in file order; category
///   = first genre, tags and the declared item bag `genres` = all genres
///   (`(no genres listed)` is none: `<unk>`); upload time = 1 January of the
///   year in the title's trailing `(1995)`, when there is one.
/// - `ratings.csv` (userId, movieId, rating, timestamp): every rating a click
///   of user `U<id>`, the rating kept (`ClickLog.clickRatings`).
/// - `tags.csv` (userId, movieId, tag, timestamp), when present: the user's tag
///   applications as the second history stream `GeneratorOptions.searchStream`
///   (`tokens`, the name the generator gives its search tokens), the newest
///   `TokenStream.builtInWindow` of them before each click. The layout has no user table, so no
///   user features (province, city and phone are `<unk>`).
extension ClickLog {
    static func loadMovieLensLatest(dir: String, minRating: Double?, onError: OnError,
                                    token: CancellationToken) throws -> ClickLog {
        var b = ClickLogBuilder(format: "movielens-latest", hasTimestamps: true)
        var report = LoadReport(format: "movielens-latest")
        let genreColumn = try b.declare("genres", scope: .item, kind: .bag)
        var titles: [String] = [], uploads: [Int64] = [], anyUpload = false
        try forEachCSVRecord(dir + "/movies.csv", columns: ["movieId", "title", "genres"], onError: onError,
                             report: &report, token: token) { f in
            guard f(0).count > 0 else { return "empty movieId" }
            let item = keyBytes(77, f(0)).withUnsafeBufferPointer { b.item($0) }
            let genres = f(2).decodedString().split(separator: "|").map { String($0).trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && $0 != "(no genres listed)" }
            b.setItem(item, category: b.category(genres.first ?? "NULL"), tags: genres.map { b.tag($0) })
            if !genres.isEmpty { b.set(genreColumn, row: Int(item), values: genres.map { b.value(genreColumn, $0) }) }
            let title = f(1).decodedString()
            while titles.count <= Int(item) { titles.append(""); uploads.append(0) }
            titles[Int(item)] = title
            if let y = titleYear(title) { uploads[Int(item)] = daysFromCivil(y, 1, 1) * 86400; anyUpload = true }
            return nil
        }
        b.setTitles(titles)
        if anyUpload { b.setUploadTimes(uploads) }
        var clicks = 0
        try forEachCSVRecord(dir + "/ratings.csv", columns: ["userId", "movieId", "rating", "timestamp"], onError: onError,
                             report: &report, token: token) { f in
            guard f(0).count > 0, let rating = f(2).trimmed().parseDecimal(), rating.isFinite,
                  let ts = f(3).trimmed().parseInteger(), abs(ts) < largestTime
            else { return "expected a user, a movie, a rating and a timestamp" }
            guard let i = keyBytes(77, f(1)).withUnsafeBufferPointer({ b.log.itemKeys.find($0) }) else {
                return "movie \(f(1).decodedString()) is not in movies.csv"
            }
            if let m = minRating, rating < m { return nil }
            let u = keyBytes(85, f(0)).withUnsafeBufferPointer { b.user($0) }
            b.click(user: u, item: i, time: ts, rating: Float(rating))
            clicks += 1
            return nil
        }
        report.recordsLoaded = clicks
        try report.requireSomething(dir + "/ratings.csv", expected: "MovieLens ratings.csv")
        var log = try b.build(report: report)
        let tags = dir + "/tags.csv"
        if ByteReader.exists(tags) {
            var c = TokenColumns(user: "userId", token: "tag", time: "timestamp")
            c.userPrefix = "U"
            let (withTags, skipped) = try log.withTokenStream(name: GeneratorOptions.searchStream, path: tags, columns: c,
                                                              window: TokenStream.builtInWindow, onError: onError, token: token)
            log = withTags
            if skipped > 0 { log.loadReport.warnings.append("tags.csv: \(skipped) tags of users without ratings skipped") }
        }
        return log
    }

    /// A key with a one-letter prefix (85 `U`, 77 `M`), as the other MovieLens formats spell them.
    private static func keyBytes(_ prefix: UInt8, _ id: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        [prefix] + Array(id.trimmed())
    }

    /// The year of a title ending in `(1995)` (trailing spaces allowed).
    static func titleYear(_ title: String) -> Int? {
        let t = Array(title.utf8.reversed().drop { $0 == 32 }.reversed())
        guard t.count >= 6, t[t.count - 1] == 41, t[t.count - 6] == 40 else { return nil }
        var y = 0
        for c in t[(t.count - 5) ..< (t.count - 1)] {
            guard c >= 48 && c <= 57 else { return nil }
            y = y * 10 + Int(c - 48)
        }
        return y
    }
}

/// Reads a delimited file with a header row (a UTF-8 byte-order mark is skipped;
/// the delimiter is detected from the header: tab, comma or ';'): finds
/// `columns` by name and calls `body` with each record's fields in that order
/// (`f(k)` is the field of `columns[k]`, unquoted). `body` returns a problem
/// (the line is malformed, reported under `onError`) or nil.
func forEachCSVRecord(_ path: String, columns: [String], delimiter: Character? = nil, onError: OnError,
                      report: inout LoadReport, token: CancellationToken,
                      _ body: (_ field: (Int) -> UnsafeBufferPointer<UInt8>) throws -> String?) throws {
    var delim: UInt8 = 0, width = 0
    var index: [Int] = []
    var fields: [Range<Int>] = [], scratch: [UInt8] = []
    var r = report
    let (bytes, lines) = try ByteReader.forEachLine(path, token: token) { rawLine, no in
        var line = rawLine
        if delim == 0 {
            if line.count >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF { line = line.slice(3..<line.count) }
            delim = delimiter?.asciiValue ?? (line.contains(9) ? 9 : line.contains(44) ? 44 : line.contains(59) ? 59 : 44)
            splitCSV(line, delim, &fields, &scratch)
            let names = fields.map { String(decoding: scratch[$0], as: UTF8.self).trimmingCharacters(in: .whitespaces) }
            width = names.count
            index = try columns.map { n in
                guard let k = names.firstIndex(of: n) else { throw DataError.missingColumn(path: path, column: n, available: names) }
                return k
            }
            return
        }
        if line.count == 0 { return }
        if let problem = splitCSVRecord(line, delim, width: width, &fields, &scratch) {
            try r.malformed(path, line: no, problem, policy: onError); return
        }
        let problem = try scratch.withUnsafeBufferPointer { s in
            try body { k in UnsafeBufferPointer(rebasing: s[fields[index[k]]]) }
        }
        if let problem { try r.malformed(path, line: no, "\(problem): \(excerpt(line))", policy: onError) }
    }
    r.files.append(path); r.bytesRead += bytes; r.linesRead += lines
    report = r
}
