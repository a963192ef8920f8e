import Foundation
import XCTest
import YDNN

/// The loaders on the real data in ../shared/data.
final class DataRealTests: XCTestCase {
    func sequences(_ log: ClickLog) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for u in 0..<log.numUsers {
            out[log.userKeys[Int32(u)]] = log.clicks(ofUser: u).map { log.itemKeys[log.clickItems[$0]] }
        }
        return out
    }

    func testMovieLens100K() throws {
        try SharedData.require(SharedData.ml100k)
        let log = try ClickLog.loadMovieLens(path: SharedData.ml100k)
        XCTAssertEqual(log.format, "movielens-100k")
        XCTAssertEqual(log.numUsers, 943)
        XCTAssertEqual(log.numItems, 1682)
        XCTAssertEqual(log.numClicks, 100_000)
        XCTAssertEqual(log.loadReport.malformedCount, 0)
        let stats = DataStats(log: log)
        XCTAssertEqual(stats.users, 943)
        XCTAssertEqual(stats.items, 1682)
        XCTAssertEqual(stats.historyLength.min, 20)
        XCTAssertTrue(log.hasTimestamps)
        // Clicks sorted by time within users.
        for u in 0..<log.numUsers {
            let r = log.clicks(ofUser: u)
            for k in r.dropFirst() { XCTAssertLessThanOrEqual(log.clickTimes[k - 1], log.clickTimes[k]) }
        }
        let toy = log.item(key: "M1")!
        XCTAssertEqual(log.title(ofItem: toy), "Toy Story (1995)")
        XCTAssertEqual(log.categories[log.itemCategory[toy]], "Animation")
        XCTAssertEqual(log.tags(ofItem: toy).map { log.tags[$0] }, ["Animation", "Childrens", "Comedy"])
        XCTAssertEqual(log.itemUploadTimes[toy], 788_918_400, "01-Jan-1995")
        let u1 = log.user(key: "U1")!
        XCTAssertEqual(log.provinces[log.userProvince[u1]], "technician")
        XCTAssertEqual(log.cities[log.userCity[u1]], "857")
        XCTAssertEqual(log.phones[log.userPhone[u1]], "M_18-24")
        // The same fields under their own names, age as a number.
        XCTAssertEqual(log.declared.map(\.name), ["gender", "age", "occupation", "zip", "genres"])
        XCTAssertEqual(log.declaredColumn("zip")?.text(ofRow: u1), "85711")
        XCTAssertEqual(log.declaredColumn("gender")?.text(ofRow: u1), "M")
        XCTAssertEqual(log.declaredColumn("occupation")?.text(ofRow: u1), "technician")
        XCTAssertEqual(log.declaredColumn("age")?.numbers[u1], 24)
        XCTAssertEqual(log.declaredColumn("age")?.kind, .continuous)
        XCTAssertEqual(log.declaredColumn("genres")?.text(ofRow: toy), "Animation|Childrens|Comedy")
        XCTAssertEqual(UserDirectory(log: log).attributes(Int32(u1))["age"], "24")

        let high = try ClickLog.loadMovieLens(path: SharedData.ml100k + "/u.data", minRating: 4)
        XCTAssertEqual(high.numClicks, 55_375)
    }

    /// Both sources give the same sequences, in the protocol's order (time, then item id).
    func testMovieLensMatchesPaddleConversion() throws {
        try SharedData.require(SharedData.ml100k)
        try SharedData.require(SharedData.paddleTest)
        let ml = try ClickLog.loadMovieLens(path: SharedData.ml100k)
        let pd = try ClickLog.loadPaddle(path: SharedData.paddleTest)
        XCTAssertEqual(sequences(ml), sequences(pd))
        for key in ["U1", "U500", "U943"] {
            let a = ml.user(key: key)!, b = pd.user(key: key)!
            XCTAssertEqual(ml.phones[ml.userPhone[a]], pd.phones[pd.userPhone[b]])
            XCTAssertEqual(ml.cities[ml.userCity[a]], pd.cities[pd.userCity[b]])
            XCTAssertEqual(ml.provinces[ml.userProvince[a]], pd.provinces[pd.userProvince[b]])
        }
        for key in ["M1", "M267", "M1682"] {
            let a = ml.item(key: key)!, b = pd.item(key: key)!
            XCTAssertEqual(ml.categories[ml.itemCategory[a]], pd.categories[pd.itemCategory[b]])
            XCTAssertEqual(ml.tags(ofItem: a).map { ml.tags[$0] }, pd.tags(ofItem: b).map { pd.tags[$0] })
        }
    }

    func testPaddleLoaderOnML100K() throws {
        try SharedData.require(SharedData.paddleTrain)
        let test = try ClickLog.loadPaddle(path: SharedData.paddleTest)
        let train = try ClickLog.loadPaddle(path: SharedData.paddleTrain)
        XCTAssertEqual(test.numUsers, 943)
        XCTAssertEqual(test.numClicks, 100_000)
        XCTAssertEqual(test.numItems, 1682)
        XCTAssertEqual(train.numClicks, 100_000 - 943)
        XCTAssertEqual(test.loadReport.malformedCount, 0)
        XCTAssertEqual(test.loadReport.linesRead, 943)

        // holdout=last on test.txt is train.txt.
        let split = try Split(log: test, holdout: .last)
        XCTAssertEqual(split.testUsers, 943)
        let trainSeq = sequences(train)
        for u in 0..<test.numUsers {
            let r = test.clicks(ofUser: u)
            let prefix = r.prefix(Int(split.trainCount[u])).map { test.itemKeys[test.clickItems[$0]] }
            XCTAssertEqual(prefix, trainSeq[test.userKeys[Int32(u)]])
        }

        // Counting training clicks only gives Paddle's dictionary of train.txt.
        let vocab = Vocabularies(log: test, split: split)
        let paddleDict = Vocabularies(log: train)
        for (a, b) in zip(vocab.all, paddleDict.all) {
            XCTAssertEqual(a.size, b.size, a.name)
            let ka = Dictionary(uniqueKeysWithValues: (1..<a.size).map { (a.key(Int32($0)), a.counts[$0]) })
            let kb = Dictionary(uniqueKeysWithValues: (1..<b.size).map { (b.key(Int32($0)), b.counts[$0]) })
            XCTAssertEqual(ka, kb, a.name)
        }
        XCTAssertEqual(vocab.minCount, 20)
        XCTAssertTrue(vocab.items.counts.dropFirst().allSatisfy { $0 > 20 })
        var o = SampleOptions()
        o.history = .window(20)
        let s = try SampleSet.build(log: test, vocab: vocab, split: split, options: o)
        let sTrain = s.train.materialized()
        XCTAssertEqual(s.train.count, split.trainingClicks - s.report.unknownClicks)
        XCTAssertEqual(s.test.count + s.report.unknownTestTargets, 943)
        for k in 0..<min(s.train.count, 2000) {
            let h = sTrain.ids("items", k)
            XCTAssertTrue((1...20).contains(h.count))
            XCTAssertEqual(sTrain.ids("categories", k).count, h.count)
        }
        let stats = DataStats(log: test)
        XCTAssertEqual(stats.clicks, 100_000)
        XCTAssertFalse(stats.description.isEmpty)
    }
}
