import Foundation
import YDNNSignals

/// The PaddlePaddle `youtube_recall` text format, one line per user:
///
///     user \t province \t city \t item:category:tag1_tag2;item:category:tags;... \t phone
///
/// with the clicks in time order. Lines carry no timestamps, so the log's times
/// are click ordinals (see `ClickLog.hasTimestamps`). A line that occurs twice for
/// the same user appends its clicks after the first one's.
extension ClickLog {
    /// Throws `Cancelled` when `token` is cancelled (checked after every 4 MB read).
    public static func loadPaddle(path: String, onError: OnError = .skip,
                                  token: CancellationToken = .process) throws -> ClickLog {
        let started = MonotonicClock.now()
        let size = try ByteReader.checkFile(path)
        var b = ClickLogBuilder(format: "paddle", hasTimestamps: false)
        b.reserveClicks(size / 12)
        var report = LoadReport(format: "paddle")
        report.files = [path]

        // Whole click entries ("M12:Drama:Drama_War") repeat across lines, so one
        // hash lookup of the entry replaces three of its parts on the hot path.
        var entries = StringTable()
        var entryItem: [Int32] = []
        var tagScratch: [Int32] = []
        var tabs = [Int](repeating: 0, count: 4)

        let (bytes, lines) = try ByteReader.forEachLine(path, token: token) { line, lineNo in
            if line.count == 0 { return }
            // Find the four tabs.
            var nt = 0
            for i in 0..<line.count where line[i] == 9 {
                if nt == 4 { nt = 5; break }
                tabs[nt] = i; nt += 1
            }
            guard nt == 4 else {
                let why = nt < 4 ? "expected 5 tab-separated fields, found \(nt + 1)" : "more than 5 tab-separated fields"
                try report.malformed(path, line: lineNo, "\(why): \(excerpt(line))", policy: onError)
                return
            }
            let userF = line.slice(0..<tabs[0])
            guard userF.count > 0 else {
                try report.malformed(path, line: lineNo, "empty user field", policy: onError); return
            }
            let clicksF = line.slice(tabs[2] + 1 ..< tabs[3])
            guard clicksF.count > 0 else {
                try report.malformed(path, line: lineNo, "no clicks in field 4", policy: onError); return
            }
            let mark = b.numClicks
            let u = b.user(userF)
            var failure: String? = nil
            var s = 0
            let n = clicksF.count
            while s <= n {
                var e = s
                while e < n && clicksF[e] != 59 { e += 1 }  // ';'
                let entry = clicksF.slice(s..<e)
                let before = entries.count
                let eid = entries.intern(entry)
                if Int(eid) == before {
                    // New entry: split into item, category, tags.
                    var c1 = -1, c2 = -1
                    for k in 0..<entry.count where entry[k] == 58 {  // ':'
                        if c1 < 0 { c1 = k } else if c2 < 0 { c2 = k } else { c2 = -2; break }
                    }
                    if c1 <= 0 || c2 < 0 {
                        failure = entry.count == 0
                            ? "empty click entry at byte \(tabs[2] + 1 + s)"
                            : "click entry \(excerpt(entry, limit: 40)) is not item:category:tags"
                        entryItem.append(-1)
                        break
                    }
                    let item = b.item(entry.slice(0..<c1))
                    let cat = b.category(entry.slice(c1 + 1 ..< c2))
                    tagScratch.removeAll(keepingCapacity: true)
                    let tagsF = entry.slice(c2 + 1 ..< entry.count)
                    var ts = 0
                    while ts <= tagsF.count {
                        var te = ts
                        while te < tagsF.count && tagsF[te] != 95 { te += 1 }  // '_'
                        if te > ts { tagScratch.append(b.tag(tagsF.slice(ts..<te))) }
                        ts = te + 1
                    }
                    b.setItem(item, category: cat, tags: tagScratch)
                    entryItem.append(item)
                }
                let item = entryItem[Int(eid)]
                if item < 0 {
                    failure = "click entry \(excerpt(entry, limit: 40)) is not item:category:tags"
                    break
                }
                b.click(user: u, item: item, time: 0)
                s = e + 1
            }
            if let failure {
                b.truncateClicks(to: mark)
                try report.malformed(path, line: lineNo, failure, policy: onError)
                return
            }
            b.setUser(u, province: b.province(line.slice(tabs[0] + 1 ..< tabs[1])),
                      city: b.city(line.slice(tabs[1] + 1 ..< tabs[2])),
                      phone: b.phone(line.slice(tabs[3] + 1 ..< line.count)))
            report.recordsLoaded += 1
        }
        report.bytesRead = bytes
        report.linesRead = lines
        try report.requireSomething(path, expected: "the Paddle youtube_recall format (user\\tprovince\\tcity\\titem:category:tags;...\\tphone)")
        if b.inconsistentItems > 0 {
            report.warnings.append("\(b.inconsistentItems) click entries gave an item a different category/tags than its first appearance; the first is kept")
        }
        report.seconds = MonotonicClock.seconds(since: started)
        return try b.build(report: report)
    }
}

/// Monotonic wall-clock seconds for load reports and benchmarks.
public enum MonotonicClock {
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
    public static func seconds(since t0: UInt64) -> Double { Double(now() - t0) / 1e9 }
}
