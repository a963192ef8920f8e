import Foundation
import XCTest
import YDNN

final class DataGeneratorTests: XCTestCase {
    func testSameSeedSameBytes() throws {
        let dir = TempDir()
        var o = GeneratorOptions()
        o.users = 400; o.items = 300; o.seed = 7
        let a = try ClickLog.generate(o), b = try ClickLog.generate(o)
        let pa = dir.path + "/a.txt", pb = dir.path + "/b.txt"
        let na = try a.writePaddle(to: pa)
        try b.writePaddle(to: pb)
        let da = try Data(contentsOf: URL(fileURLWithPath: pa)), db = try Data(contentsOf: URL(fileURLWithPath: pb))
        XCTAssertEqual(na, da.count)
        XCTAssertEqual(da, db)
        XCTAssertEqual(a.clickTimes, b.clickTimes)
        o.seed = 8
        let c = try ClickLog.generate(o)
        try c.writePaddle(to: pb)
        XCTAssertNotEqual(da, try Data(contentsOf: URL(fileURLWithPath: pb)))
    }

    /// What the generator writes, the Paddle loader reads back click for click.
    func testRoundTripThroughPaddle() throws {
        let dir = TempDir()
        var o = GeneratorOptions()
        o.users = 300; o.items = 200; o.clicksPerUser = 15
        let log = try ClickLog.generate(o)
        let p = dir.path + "/g.txt"
        try log.writePaddle(to: p)
        let back = try ClickLog.loadPaddle(path: p)
        XCTAssertEqual(back.loadReport.malformedCount, 0)
        XCTAssertEqual(back.numClicks, log.numClicks)
        for u in [0, 17, 299] {
            let key = log.userKeys[Int32(u)]
            let mine = log.clicks(ofUser: u).map { log.itemKeys[log.clickItems[$0]] }
            let theirs = back.clicks(ofUser: back.user(key: key)!).map { back.itemKeys[back.clickItems[$0]] }
            XCTAssertEqual(mine, theirs)
        }
        let i = log.item(key: "I5")!, j = back.item(key: "I5")!
        XCTAssertEqual(log.tags(ofItem: i).map { log.tags[$0] }, back.tags(ofItem: j).map { back.tags[$0] })
    }

    /// The effects the generator promises are there to be found.
    func testEffectsExist() throws {
        var o = GeneratorOptions()
        o.users = 2000; o.items = 1000
        let log = try ClickLog.generate(o)
        let stats = DataStats(log: log)
        XCTAssertGreaterThan(stats.clicks, 2000 * 20)
        // Power-law popularity: the top 10% of items take far more than 10% of clicks.
        XCTAssertGreaterThan(stats.top10PercentShare, 0.3)
        // Freshness: most clicks come soon after an item's upload, relative to the log's length.
        var young = 0, total = 0
        for k in 0..<log.numClicks {
            let age = log.time(ofClick: k) - log.itemUploadTimes[Int(log.clickItems[k])]
            XCTAssertGreaterThanOrEqual(age, 0, "no click before upload")
            if age < 14 * 86400 { young += 1 }
            total += 1
        }
        XCTAssertGreaterThan(Double(young) / Double(total), 0.4)
        // Turning freshness off removes the effect.
        o.freshness = 0
        let flat = try ClickLog.generate(o)
        var youngFlat = 0
        for k in 0..<flat.numClicks where flat.time(ofClick: k) - flat.itemUploadTimes[Int(flat.clickItems[k])] < 14 * 86400 { youngFlat += 1 }
        XCTAssertLessThan(Double(youngFlat) / Double(flat.numClicks), Double(young) / Double(total) - 0.1)
    }

    func testBadOptions() {
        var o = GeneratorOptions()
        o.categories = 0
        XCTAssertThrowsError(try ClickLog.generate(o))
        o = GeneratorOptions()
        o.freshness = 2
        XCTAssertThrowsError(try ClickLog.generate(o))
    }
}

final class DataPipelineTests: XCTestCase {
    func testStagesAreCachedAndInvalidated() throws {
        var p = DataPipeline()
        XCTAssertThrowsError(try p.samples()) { XCTAssertTrue("\($0)".contains("no data loaded")) }
        var g = GeneratorOptions()
        g.users = 500; g.items = 400
        p.setLog(try ClickLog.generate(g))
        p.minCount = 5
        p.sampleOptions.history = .window(5)
        let a = try p.samples()
        let aTrain = a.train.materialized()
        XCTAssertEqual(a.feature("items")?.vocabularySize, try p.vocabularies().items.size)
        XCTAssertNil(aTrain.dense["example_age"])
        p.sampleOptions.exampleAge = .days
        let b = try p.samples()
        let bTrain = b.train.materialized()
        XCTAssertNotNil(bTrain.dense["example_age"])
        XCTAssertEqual(aTrain.labels, bTrain.labels, "same seed, same samples")
        p.minCount = 1000
        XCTAssertEqual(try p.vocabularies().items.size, 1)
        XCTAssertThrowsError(try p.samples())
        XCTAssertEqual(try p.stats().users, 500)
    }

    /// Example age has something to find: on held-out clicks, recent popularity
    /// beats all-time popularity, because items' appeal decays after upload.
    func testRecentPopularityBeatsAllTime() throws {
        var g = GeneratorOptions()
        g.users = 3000; g.items = 1000
        let log = try ClickLog.generate(g)
        let split = try Split(log: log, holdout: .last)
        var allTime = [Int](repeating: 0, count: log.numItems), recent = allTime
        let end = log.timeRange!.upperBound
        for u in 0..<log.numUsers {
            let s = log.userClickStart[u]
            for k in s ..< s + Int(split.trainCount[u]) {
                allTime[Int(log.clickItems[k])] += 1
                if end - log.time(ofClick: k) < 14 * 86400 { recent[Int(log.clickItems[k])] += 1 }
            }
        }
        func hitRate(_ counts: [Int]) -> Double {
            let top = Set((0..<counts.count).sorted { counts[$0] > counts[$1] }.prefix(50))
            var hits = 0, n = 0
            for u in 0..<log.numUsers where split.testIndex[u] >= 0 {
                let t = log.clickItems[log.userClickStart[u] + Int(split.testIndex[u])]
                if top.contains(Int(t)) { hits += 1 }
                n += 1
            }
            return Double(hits) / Double(n)
        }
        let hrAll = hitRate(allTime), hrRecent = hitRate(recent)
        XCTAssertGreaterThan(hrRecent, hrAll + 0.02, "recent \(hrRecent) vs all-time \(hrAll)")
    }
}
