import Foundation
import XCTest
import YDNN

/// No click from the future may reach a training sample.
final class DataSplitTests: XCTestCase {
    func smallLog(seed: UInt64 = 3) throws -> ClickLog {
        var g = GeneratorOptions()
        g.users = 300; g.items = 400; g.categories = 8; g.tags = 30; g.clicksPerUser = 20; g.seed = seed
        return try ClickLog.generate(g)
    }

    /// (user, item) → click time; the generator never repeats a click, so it is unique.
    func clickTimes(_ log: ClickLog) -> [Int64: Int64] {
        var t: [Int64: Int64] = [:]
        for u in 0..<log.numUsers {
            for k in log.clicks(ofUser: u) {
                let key = Int64(u) << 32 | Int64(log.clickItems[k])
                XCTAssertNil(t[key], "generator repeated a click")
                t[key] = log.time(ofClick: k)
            }
        }
        return t
    }

    func check(_ log: ClickLog, _ holdout: Holdout, _ history: SampleOptions.History) throws {
        let vocab = Vocabularies(log: log, minCount: 0)
        let split = try Split(log: log, holdout: holdout)
        var o = SampleOptions()
        o.history = history
        o.seed = 11
        let s = try SampleSet.build(log: log, vocab: vocab, split: split, options: o)
        let sTrain = s.train.materialized()
        let times = clickTimes(log)
        func time(_ u: Int32, _ item: Int32) -> Int64 {
            let raw = vocab.items.rawIDs[Int(item)]
            return times[Int64(u) << 32 | Int64(raw)]!
        }
        // Each user's test click time (and for time splits the cutoff) bounds training.
        var limit = [Int64](repeating: .max, count: log.numUsers)
        for u in 0..<log.numUsers where split.testIndex[u] >= 0 {
            limit[u] = log.time(ofClick: log.userClickStart[u] + Int(split.testIndex[u]))
        }
        var checked = 0
        for k in 0..<s.train.count {
            let u = sTrain.users[k]
            let label = sTrain.labels[k]
            let tLabel = time(u, label)
            if case .time(let cutoff) = holdout { XCTAssertLessThan(tLabel, cutoff) }
            // Ties at the held-out time go by item order, so compare (time, item) pairs.
            XCTAssertTrue(tLabel < limit[Int(u)] || (tLabel == limit[Int(u)] && split.testIndex[Int(u)] >= 0 &&
                          log.clickItems[log.userClickStart[Int(u)] + Int(split.testIndex[Int(u)])] != vocab.items.rawIDs[Int(label)]),
                          "training label from the future")
            for h in sTrain.ids("items", k) where h != 0 {
                XCTAssertLessThanOrEqual(time(u, h), tLabel, "history item after its target")
                XCTAssertNotEqual(h, label)
            }
            checked += 1
        }
        for k in 0..<s.test.count {
            let u = s.test.users[k]
            let tTarget = time(u, s.test.labels[k])
            XCTAssertEqual(tTarget, limit[Int(u)])
            for h in s.test.ids("items", k) where h != 0 { XCTAssertLessThanOrEqual(time(u, h), tTarget) }
        }
        XCTAssertGreaterThan(checked, 1000)
        XCTAssertGreaterThan(s.test.count, 50)
        // The popularity table may only count training clicks.
        XCTAssertEqual(s.itemCounts.reduce(0, +), split.trainingClicks)
    }

    func testNoLeakHoldoutLast() throws {
        let log = try smallLog()
        try check(log, .last, .window(5))
        try check(log, .last, .recent(max: 50))
    }

    func testNoLeakHoldoutTime() throws {
        let log = try smallLog()
        let cutoff = Split.timeQuantile(log, 0.8)
        try check(log, .time(cutoff: cutoff), .window(5))
        try check(log, .time(cutoff: cutoff), .recent(max: 50))
        let split = try Split(log: log, holdout: .time(cutoff: cutoff))
        for u in 0..<log.numUsers {
            let r = log.clicks(ofUser: u)
            for (j, k) in r.enumerated() {
                XCTAssertEqual(log.time(ofClick: k) < cutoff, j < Int(split.trainCount[u]))
            }
        }
    }

    /// The check above must be able to fail: a deliberately leaky split trips it.
    func testLeakDetectorCatchesALeak() throws {
        let log = try smallLog()
        let vocab = Vocabularies(log: log, minCount: 0)
        let none = Split.all(log)
        let last = try Split(log: log, holdout: .last)
        let s = try SampleSet.build(log: log, vocab: vocab, split: none, options: SampleOptions())
        let sTrain = s.train.materialized()
        var leaked = 0
        for k in 0..<s.train.count {
            let u = Int(sTrain.users[k])
            guard last.testIndex[u] >= 0 else { continue }
            let testItem = log.clickItems[log.userClickStart[u] + Int(last.testIndex[u])]
            if vocab.items.rawIDs[Int(sTrain.labels[k])] == testItem { leaked += 1 }
        }
        XCTAssertGreaterThan(leaked, 0)
    }

    func testHoldoutRules() throws {
        let dir = TempDir()
        let p = dir.write("e.csv", "u,i,t\na,x,10\na,y,10\na,z,5\nb,x,1\nc,x,30\nc,y,40\n")
        let log = try ClickLog.loadCSV(path: p, columns: CSVColumns(user: "u", item: "i", time: "t"))
        // a: z@5, x@10, y@10 (tie by item key) → y is last.
        XCTAssertEqual(log.clicks(ofUser: 0).map { log.itemKeys[log.clickItems[$0]] }, ["z", "x", "y"])
        let last = try Split(log: log, holdout: .last)
        XCTAssertEqual(last.trainCount, [2, 1, 1])
        XCTAssertEqual(last.testIndex, [2, -1, 1], "a single-click user only trains")
        let time = try Split(log: log, holdout: .time(cutoff: 10))
        XCTAssertEqual(time.trainCount, [1, 1, 0])
        XCTAssertEqual(time.testIndex, [1, -1, -1], "no training click → not tested")
        XCTAssertThrowsError(try Split(log: log, holdout: .time(cutoff: 0)))

        XCTAssertEqual(try Split.cutoff(from: "25", log: log), 25)
        XCTAssertEqual(try Split.cutoff(from: "50%", log: log), 10, "median of 1, 5, 10, 10, 30, 40")
        XCTAssertEqual(try Split.cutoff(from: "0.9", log: log), 40)
        XCTAssertEqual(try Split.cutoff(from: "1970-01-02", log: log), 86400)
        XCTAssertThrowsError(try Split.cutoff(from: "soon", log: log))
    }

    /// For Paddle files (no timestamps) cutoff 0 is the last click of every user.
    func testPaddleOrdinalCutoff() throws {
        let dir = TempDir()
        let log = try ClickLog.loadPaddle(path: dir.write("p.txt", "U1\tP\tC\tA:X:t;B:X:t;C:X:t\tPH\nU2\tP\tC\tB:X:t;A:X:t\tPH\n"))
        XCTAssertEqual(log.clickTimes, [-2, -1, 0, -1, 0])
        let byTime = try Split(log: log, holdout: .time(cutoff: 0))
        let last = try Split(log: log, holdout: .last)
        XCTAssertEqual(byTime.trainCount, last.trainCount)
        XCTAssertEqual(byTime.testIndex, last.testIndex)
    }
}
