import Foundation

/// How the test targets are chosen.
public enum Holdout: Sendable, Equatable, CustomStringConvertible {
    /// Each user's last click (by time, ties by item key) is the test target; the
    /// user's earlier clicks train. Users with a single click only train.
    case last
    /// Clicks strictly before `cutoff` (absolute time, in the log's units) train;
    /// each user's first click at or after it is the test target, and every later
    /// click is dropped. Users with no click before the cutoff are not tested.
    case time(cutoff: Int64)
    /// Everything trains; there is no test set.
    case none

    public var description: String {
        switch self {
        case .last: return "holdout=last"
        case .time(let c): return "holdout=time cutoff=\(c)"
        case .none: return "holdout=none"
        }
    }
}

/// A train/test split of a click log. Because each user's clicks are sorted by
/// time, the training clicks of a user are always a prefix of them, and the test
/// click (when there is one) comes at or after the end of that prefix: nothing
/// from the future can reach a training history.
public struct Split: Sendable {
    public let holdout: Holdout
    /// Per user: how many leading clicks (in the log's order) are training clicks.
    public let trainCount: [Int32]
    /// Per user: index of the test click within the user's clicks, or -1.
    public let testIndex: [Int32]

    public init(log: ClickLog, holdout: Holdout) throws {
        self.holdout = holdout
        let nU = log.numUsers
        var train = [Int32](repeating: 0, count: nU)
        var test = [Int32](repeating: -1, count: nU)
        for u in 0..<nU {
            let r = log.clicks(ofUser: u)
            switch holdout {
            case .none:
                train[u] = Int32(r.count)
            case .last:
                if r.count >= 2 {
                    train[u] = Int32(r.count - 1); test[u] = Int32(r.count - 1)
                } else {
                    train[u] = Int32(r.count)
                }
            case .time(let cutoff):
                let c = cutoff - log.timeOrigin
                // Clicks are sorted by time: binary search for the first at or after the cutoff.
                var lo = r.lowerBound, hi = r.upperBound
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if Int64(log.clickTimes[mid]) < c { lo = mid + 1 } else { hi = mid }
                }
                let k = lo - r.lowerBound
                train[u] = Int32(k)
                if k > 0 && lo < r.upperBound { test[u] = Int32(k) }
            }
        }
        if holdout != .none && !test.contains(where: { $0 >= 0 }) {
            throw DataError.unusable("\(holdout) leaves no user with both a training and a test click")
        }
        trainCount = train
        testIndex = test
    }

    /// All clicks train (for `holdout=none` and for building vocabularies).
    public static func all(_ log: ClickLog) -> Split { try! Split(log: log, holdout: .none) }

    public var trainingClicks: Int { trainCount.reduce(0) { $0 + Int($1) } }
    public var testUsers: Int { testIndex.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }

    /// The absolute time below which a fraction `q` of all clicks fall, a handy
    /// `cutoff` for `Holdout.time` (e.g. q = 0.9 tests on the last 10% of time).
    public static func timeQuantile(_ log: ClickLog, _ q: Double) -> Int64 {
        guard log.numClicks > 0 else { return log.timeOrigin }
        var t = log.clickTimes
        let k = min(t.count - 1, max(0, Int(q * Double(t.count))))
        // Quickselect would do; a sort is fine at these sizes and keeps the code plain.
        t.sort()
        return log.timeOrigin + Int64(t[k])
    }

    /// Reads a `cutoff=` value: a fraction of the log's clicks (`0.9`, `90%`,
    /// via `timeQuantile`), an ISO date or date-time (`2024-03-01`, UTC), or an
    /// integer in the log's own time units (Unix seconds; click ordinals for
    /// Paddle files, where 0 is each user's last click).
    public static func cutoff(from text: String, log: ClickLog) throws -> Int64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("%"), let p = Double(t.dropLast()), p > 0, p < 100 { return timeQuantile(log, p / 100) }
        if t.contains("."), let q = Double(t), q > 0, q < 1 { return timeQuantile(log, q) }
        var bytes = Array(t.utf8)
        if let v = bytes.withUnsafeMutableBufferPointer({ parseTime(UnsafeBufferPointer($0), divisor: 1) }) { return v }
        throw DataError.invalidOption("cutoff '\(text)' is not a fraction (0.9, 90%), a date (2024-03-01) or a time in the log's units")
    }

    /// Per item (raw id): number of training clicks.
    public func trainingCounts(_ log: ClickLog) -> [Int] {
        var c = [Int](repeating: 0, count: log.numItems)
        for u in 0..<log.numUsers {
            let s = log.userClickStart[u]
            for k in s ..< s + Int(trainCount[u]) { c[Int(log.clickItems[k])] += 1 }
        }
        return c
    }
}
