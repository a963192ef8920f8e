import Foundation
import YDNNSignals

extension ClickLog {
    /// Writes the log in the Paddle `youtube_recall` format, one line per user with
    /// clicks in time order (users without clicks are left out). Separator bytes
    /// inside values are replaced (`\t` `\n` → space; `;` `:` → `-`; `_` in tags
    /// → `-`) so the file always reads back. Timestamps are not part of the format.
    /// Returns the number of bytes written. The file is written atomically
    /// (`AtomicFileWriter`); when `token` is cancelled it throws `Cancelled` and
    /// leaves whatever was at `path` before.
    @discardableResult
    public func writePaddle(to path: String, token: CancellationToken = .process) throws -> Int {
        let file = try AtomicFileWriter(path: path, token: token)

        func clean(_ table: StringTable, _ id: Int32, entry: Bool, tag: Bool = false, into out: inout [UInt8]) {
            table.withBytes(id) { bytes in
                for c in bytes {
                    switch c {
                    case 9, 10, 13: out.append(32)
                    case 58 where entry, 59 where entry: out.append(45)
                    case 95 where tag: out.append(45)
                    default: out.append(c)
                    }
                }
            }
        }
        // Each item's "key:category:tag_tag" once, then copied per click.
        var entryStart: [Int] = [0]
        var entryBytes: [UInt8] = []
        for i in 0..<numItems {
            clean(itemKeys, Int32(i), entry: true, into: &entryBytes)
            entryBytes.append(58)
            clean(categories, itemCategory[i], entry: true, into: &entryBytes)
            entryBytes.append(58)
            for (k, t) in tags(ofItem: i).enumerated() {
                if k > 0 { entryBytes.append(95) }
                clean(tags, t, entry: true, tag: true, into: &entryBytes)
            }
            entryStart.append(entryBytes.count)
        }

        var out: [UInt8] = []
        out.reserveCapacity(1 << 22)
        var written = 0
        func flush() throws {
            try file.write(out)
            written += out.count
            out.removeAll(keepingCapacity: true)
        }
        for u in 0..<numUsers {
            let r = clicks(ofUser: u)
            if r.isEmpty { continue }
            clean(userKeys, Int32(u), entry: false, into: &out); out.append(9)
            clean(provinces, userProvince[u], entry: false, into: &out); out.append(9)
            clean(cities, userCity[u], entry: false, into: &out); out.append(9)
            for k in r {
                if k > r.lowerBound { out.append(59) }
                let i = Int(clickItems[k])
                out.append(contentsOf: entryBytes[entryStart[i] ..< entryStart[i + 1]])
            }
            out.append(9)
            clean(phones, userPhone[u], entry: false, into: &out); out.append(10)
            if out.count > 1 << 22 { try flush() }
        }
        try flush()
        try file.commit()
        return written
    }
}
