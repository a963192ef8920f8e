import Foundation
import YDNNSignals

/// MovieLens 100K (`u.data`, `u.user`, `u.item`), 1M (`ratings.dat`,
/// `users.dat`, `movies.dat`, `::`-separated) and latest (`ratings.csv`,
/// `movies.csv`, `tags.csv`: `MovieLensLatest.swift`), detected from the folder. Every
/// rating is a click. Keys and user features follow the ml-100k-paddle conversion
/// so both sources line up: users `U<id>`, items `M<id>`, province = occupation,
/// city = first 3 characters of the zip code, phone = `<gender>_<age bucket>`,
/// category = first genre, tags = all genres (apostrophes dropped: `Childrens`).
/// The same fields are also declared under their own names (`FeatureColumns.swift`):
/// user `gender`, `occupation`, `zip` (categorical) and `age` (continuous, years),
/// item `genres` (a bag), for `embed gender 4`, `continuous age` and so on.
/// The rating column is kept per click (`ClickLog.clickRatings`).
/// Throws `Cancelled` when `token` is cancelled (checked after every 4 MB read).
extension ClickLog {
    public static func loadMovieLens(path: String, minRating: Double? = nil,
                                     onError: OnError = .skip, token: CancellationToken = .process) throws -> ClickLog {
        guard ByteReader.exists(path) else { throw DataError.fileNotFound(path) }
        // A file inside the folder (e.g. .../u.data) names its folder.
        let dir = ByteReader.isDirectory(path) ? path : (path as NSString).deletingLastPathComponent
        let t0 = MonotonicClock.now()
        var log: ClickLog
        if ByteReader.exists(dir + "/u.data") {
            var ml = MovieLens(dir: dir, v1m: false, minRating: minRating, onError: onError, token: token)
            log = try ml.load()
        } else if ByteReader.exists(dir + "/ratings.dat") {
            var ml = MovieLens(dir: dir, v1m: true, minRating: minRating, onError: onError, token: token)
            log = try ml.load()
        } else if ByteReader.exists(dir + "/ratings.csv") && ByteReader.exists(dir + "/movies.csv") {
            log = try loadMovieLensLatest(dir: dir, minRating: minRating, onError: onError, token: token)
        } else {
            throw DataError.wrongFormat(path: path, expected: "a MovieLens folder",
                                        detail: "found neither u.data (ml-100k), ratings.dat (ml-1m) nor ratings.csv with movies.csv (ml-latest)")
        }
        log.loadReport.seconds = MonotonicClock.seconds(since: t0)
        return log
    }
}

private struct MovieLens {
    let dir: String
    let v1m: Bool
    let minRating: Double?
    let onError: OnError
    let token: CancellationToken
    var b: ClickLogBuilder
    var report: LoadReport

    static let genres100k = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
                             "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
                             "Romance", "Sci-Fi", "Thriller", "War", "Western"]
    static let occupations1m = ["other", "academic/educator", "artist", "clerical/admin", "college/grad student",
                                "customer service", "doctor/health care", "executive/managerial", "farmer",
                                "homemaker", "K-12 student", "lawyer", "programmer", "retired", "sales/marketing",
                                "scientist", "self-employed", "technician/engineer", "tradesman/craftsman",
                                "unemployed", "writer"]

    init(dir: String, v1m: Bool, minRating: Double?, onError: OnError, token: CancellationToken) {
        self.dir = dir; self.v1m = v1m; self.minRating = minRating; self.onError = onError; self.token = token
        let format = v1m ? "movielens-1m" : "movielens-100k"
        b = ClickLogBuilder(format: format, hasTimestamps: true)
        report = LoadReport(format: format)
    }

    static func ageBucket(_ age: Int) -> String {
        switch age {
        case ..<18: return "under18"
        case 18...24: return "18-24"
        case 25...34: return "25-34"
        case 35...44: return "35-44"
        case 45...49: return "45-49"
        case 50...55: return "50-55"
        default: return "56plus"
        }
    }

    /// Reads one file of the set, splitting each line into fields; `body` returns
    /// an error message for a bad line or nil.
    mutating func read(_ name: String, fields want: Int, atLeast: Bool = false,
                       _ body: (inout MovieLens, UnsafeBufferPointer<UInt8>, [Range<Int>]) -> String?) throws {
        let path = dir + "/" + name
        var fields: [Range<Int>] = []
        let sep: UInt8 = name == "u.data" ? 9 : 124
        var me = self
        let (bytes, lines) = try ByteReader.forEachLine(path, token: token) { line, no in
            if line.count == 0 { return }
            if me.v1m { line.splitFields(58, 58, into: &fields) } else { line.splitFields(sep, into: &fields) }
            if atLeast ? fields.count < want : fields.count != want {
                try me.report.malformed(path, line: no, "expected \(want) fields, found \(fields.count): \(excerpt(line))", policy: me.onError)
                return
            }
            if let problem = body(&me, line, fields) {
                try me.report.malformed(path, line: no, problem, policy: me.onError)
            }
        }
        me.report.files.append(path)
        me.report.bytesRead += bytes
        me.report.linesRead += lines
        self = me
    }

    static func genreName(_ g: String) -> String { g.replacingOccurrences(of: "'", with: "") }

    mutating func load() throws -> ClickLog {
        let genderColumn = try b.declare("gender", scope: .user, kind: .categorical)
        let ageColumn = try b.declare("age", scope: .user, kind: .continuous)
        let occupationColumn = try b.declare("occupation", scope: .user, kind: .categorical)
        let zipColumn = try b.declare("zip", scope: .user, kind: .categorical)
        let genreColumn = try b.declare("genres", scope: .item, kind: .bag)
        // Items first, so raw item ids follow the catalogue's order.
        var titles: [String] = [], uploads: [Int64] = [], anyUpload = false
        if v1m {
            try read("movies.dat", fields: 3) { me, line, f in
                guard let id = line.slice(f[0]).parseInteger() else { return "movie id is not a number: \(excerpt(line))" }
                let item = me.b.item("M\(id)")
                let names = line.slice(f[2]).decodedString().split(separator: "|").map { MovieLens.genreName(String($0)) }
                let tags = names.map { me.b.tag($0) }
                me.b.setItem(item, category: me.b.category(names.first ?? "NULL"), tags: tags)
                me.b.set(genreColumn, row: Int(item), values: names.map { me.b.value(genreColumn, $0) })
                while titles.count <= Int(item) { titles.append(""); uploads.append(0) }
                titles[Int(item)] = line.slice(f[1]).decodedString()
                return nil
            }
        } else {
            var genres = MovieLens.genres100k
            if let g = try? String(contentsOfFile: dir + "/u.genre", encoding: .isoLatin1) {
                let named = g.split(separator: "\n").compactMap { $0.split(separator: "|").first.map(String.init) }
                if named.count == genres.count { genres = named }
            }
            let genreNames = genres.map(MovieLens.genreName)
            try read("u.item", fields: 5 + genres.count) { me, line, f in
                guard let id = line.slice(f[0]).parseInteger() else { return "movie id is not a number: \(excerpt(line))" }
                let item = me.b.item("M\(id)")
                var names: [String] = []
                for g in 0..<genreNames.count where line.slice(f[5 + g]).equals("1") { names.append(genreNames[g]) }
                me.b.setItem(item, category: me.b.category(names.first ?? "NULL"), tags: names.map { me.b.tag($0) })
                me.b.set(genreColumn, row: Int(item), values: names.map { me.b.value(genreColumn, $0) })
                while titles.count <= Int(item) { titles.append(""); uploads.append(0) }
                titles[Int(item)] = line.slice(f[1]).decodedString()
                if let t = parseReleaseDate(line.slice(f[2])) { uploads[Int(item)] = t; anyUpload = true }
                return nil
            }
        }
        while titles.count < b.numItems { titles.append(""); uploads.append(0) }
        b.setTitles(titles)
        if anyUpload { b.setUploadTimes(uploads) }

        try read(v1m ? "users.dat" : "u.user", fields: 5) { me, line, f in
            guard let id = line.slice(f[0]).parseInteger() else { return "user id is not a number: \(excerpt(line))" }
            let s = { (k: Int) in line.slice(f[k]).decodedString() }
            let g = s(me.v1m ? 1 : 2), z = s(4)
            guard let a = line.slice(f[me.v1m ? 2 : 1]).parseInteger() else { return "age is not a number: \(excerpt(line))" }
            var occ = s(3)
            if me.v1m, let code = Int(occ), MovieLens.occupations1m.indices.contains(code) { occ = MovieLens.occupations1m[code] }
            let u = me.b.user("U\(id)")
            me.b.setUser(u, province: occ, city: String(z.prefix(3)), phone: "\(g)_\(MovieLens.ageBucket(Int(a)))")
            me.b.set(genderColumn, row: Int(u), values: [me.b.value(genderColumn, g)])
            me.b.set(ageColumn, row: Int(u), number: Float(a))
            me.b.set(occupationColumn, row: Int(u), values: [me.b.value(occupationColumn, occ)])
            me.b.set(zipColumn, row: Int(u), values: [me.b.value(zipColumn, z)])
            return nil
        }
        var name = [UInt8](repeating: 0, count: 24)
        try read(v1m ? "ratings.dat" : "u.data", fields: 4) { me, line, f in
            guard let uid = line.slice(f[0]).parseInteger(), let iid = line.slice(f[1]).parseInteger(),
                  let rating = line.slice(f[2]).parseDecimal(), let ts = line.slice(f[3]).parseInteger()
            else { return "expected user, item, rating, timestamp numbers: \(excerpt(line))" }
            guard abs(ts) < largestTime else { return "timestamp out of range: \(excerpt(line))" }
            func find(_ prefix: UInt8, _ v: Int64, in table: StringTable) -> Int32? {
                let digits = Array(String(v).utf8)
                name[0] = prefix
                for (k, d) in digits.enumerated() { name[k + 1] = d }
                return name.withUnsafeBufferPointer { table.find(UnsafeBufferPointer(rebasing: $0[0 ..< digits.count + 1])) }
            }
            guard let u = find(85, uid, in: me.b.log.userKeys) else { return "user \(uid) is not in the users file" }
            guard let i = find(77, iid, in: me.b.log.itemKeys) else { return "movie \(iid) is not in the movies file" }
            if let m = me.minRating, rating < m { return nil }
            // The rating is kept: weighted pooling (`pool items ... weighted=on`) reads it.
            me.b.click(user: u, item: i, time: ts, rating: Float(rating))
            me.report.recordsLoaded += 1
            return nil
        }
        try report.requireSomething(dir, expected: report.format)
        return try b.build(report: report)
    }
}

/// "01-Jan-1995" → Unix seconds at midnight UTC.
func parseReleaseDate(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
    guard s.count == 11 else { return nil }
    let str = s.decodedString()
    let parts = str.split(separator: "-")
    guard parts.count == 3, let d = Int(parts[0]), let y = Int(parts[2]) else { return nil }
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    guard let m = months.firstIndex(of: String(parts[1])) else { return nil }
    return daysFromCivil(y, m + 1, d) * 86400
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int64 {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return Int64(era * 146097 + doe - 719468)
}
