import Foundation
import YDNNSignals

/// What `mine` did.
public struct MiningSummary: Sendable {
    public let users: Int
    public let rows: Int
    public let seconds: Double
}

/// Offline mining: the top-N items of every user, written as TSV lines
/// `user_key \t rank \t item_key \t score` (rank 1 = best), in user order.
public enum Mining {
    /// Users are answered in blocks of `block` through `index.searchBatch` on
    /// `threads` workers and written as they finish, so memory stays bounded.
    /// `progress(done, total)` follows each block. The file appears only when
    /// complete (temp + rename); when `token` is cancelled (checked by every block's
    /// search and every write) nothing is written and `Cancelled` is thrown.
    ///
    /// - Parameters:
    ///   - userKeys/itemKeys: printed keys (default: the 0-based indices).
    ///   - seen: per user, items never to recommend (already clicked).
    public static func mine(index: VectorIndex, users: VectorSet, top n: Int, to path: String,
                            userKeys: [String]? = nil, itemKeys: [String]? = nil, seen: [[Int]]? = nil,
                            threads: Int = retrievalDefaultThreads, block: Int = 1024,
                            token: CancellationToken = .process,
                            progress: ((Int, Int) -> Void)? = nil) throws -> MiningSummary {
        guard n > 0 else { throw RetrievalError.invalidArgument("mine: top must be positive") }
        guard users.dimension == index.dimension else {
            throw RetrievalError.shapeMismatch("users have dimension \(users.dimension), index \(index.dimension)")
        }
        if let k = userKeys, k.count != users.count { throw RetrievalError.shapeMismatch("\(k.count) user keys for \(users.count) users") }
        if let k = itemKeys, k.count != index.count { throw RetrievalError.shapeMismatch("\(k.count) item keys for \(index.count) items") }
        if let s = seen, s.count != users.count { throw RetrievalError.shapeMismatch("\(s.count) seen lists for \(users.count) users") }
        let start = DispatchTime.now().uptimeNanoseconds
        let writer = try AtomicFileWriter(path: path, token: token)
        var rows = 0
        var u0 = 0
        var buf = [UInt8]()
        buf.reserveCapacity(1 << 20)
        while u0 < users.count {
            let un = min(block, users.count - u0)
            let ids = Array(u0..<(u0 + un))
            let results = try index.searchBatch(users.rows(ids), k: n, excluding: seen.map { s in ids.map { s[$0] } },
                                                threads: threads, token: token, progress: nil)
            for (r, hits) in results.enumerated() {
                let uk = Array((userKeys?[u0 + r] ?? String(u0 + r)).utf8)
                for (rank, hit) in hits.enumerated() {
                    buf.append(contentsOf: uk); buf.append(9)
                    buf.append(contentsOf: String(rank + 1).utf8); buf.append(9)
                    buf.append(contentsOf: (itemKeys?[hit.item] ?? String(hit.item)).utf8); buf.append(9)
                    buf.append(contentsOf: hit.score.description.utf8); buf.append(10)
                    rows += 1
                }
                if buf.count > 1 << 20 { try writer.write(buf); buf.removeAll(keepingCapacity: true) }
            }
            u0 += un
            progress?(u0, users.count)
        }
        try writer.write(buf)
        try writer.commit()
        return MiningSummary(users: users.count, rows: rows,
                             seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
