import Foundation
import XCTest
import YDNN
import YDNNTestSupport

/// Ratings in click logs and the weights they give the `items` history
/// (weighted pooling: `pool items avg weighted=on`).
final class DataWeightsTests: XCTestCase {
    /// (user key, item key) → rating, from u.data directly (not through the loader).
    func ml100kRatings() throws -> [String: Float] {
        let text = try String(contentsOfFile: SharedData.ml100k + "/u.data", encoding: .utf8)
        var out: [String: Float] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t")
            out["U\(f[0]) M\(f[1])"] = Float(String(f[2]))!
        }
        return out
    }

    /// Every weight of every row equals its click's rating / 5, the pad weighs 1.
    func checkWeights(_ batch: SampleBatch, _ set: SampleSet, _ ratings: [String: Float],
                      file: StaticString = #filePath, line: UInt = #line) {
        guard let col = batch.sparse["items"], let w = col.weights else {
            return XCTFail("items has no weights", file: file, line: line)
        }
        XCTAssertEqual(w.count, col.ids.count, "weights aligned with ids", file: file, line: line)
        var pads = 0, checked = 0
        for k in 0..<batch.count {
            let user = set.users.key(batch.users[k])
            for p in Int(col.offsets[k]) ..< Int(col.offsets[k + 1]) {
                if col.ids[p] == 0 { pads += 1; XCTAssertEqual(w[p], 1, "pad weight", file: file, line: line); continue }
                let r = ratings["\(user) \(set.items.key(col.ids[p]))"]
                XCTAssertEqual(w[p], r.map { $0 / 5 }, "\(user) row \(k)", file: file, line: line)
                checked += 1
                if checked > 200_000 { return }
            }
        }
        XCTAssertGreaterThan(checked, 0, file: file, line: line)
        _ = pads
    }

    func testMovieLensRatingsBecomeAlignedWeights() throws {
        try SharedData.require(SharedData.ml100k)
        let log = try ClickLog.loadMovieLens(path: SharedData.ml100k)
        XCTAssertTrue(log.hasRatings)
        XCTAssertEqual(log.clickRatings?.count, log.numClicks)
        XCTAssertEqual(log.maxRating, 5)
        XCTAssertTrue(DataStats(log: log).description.contains("ratings     1.0 ... 5.0, mean 3.5"), DataStats(log: log).description)
        // u.data line 1: "196 242 3 881250949": the rating follows its click through the sort.
        let u = log.user(key: "U196")!
        let click = log.clicks(ofUser: u).first { log.itemKeys[log.clickItems[$0]] == "M242" }!
        XCTAssertEqual(log.rating(ofClick: click), 3)
        XCTAssertEqual(log.time(ofClick: click), 881_250_949)
        let ratings = try ml100kRatings()
        for c in stride(from: 0, to: log.numClicks, by: 97) {
            let key = "\(log.userKeys[Int32(log.userClickStart.lastIndex { $0 <= c }!)]) \(log.itemKeys[log.clickItems[c]])"
            XCTAssertEqual(log.rating(ofClick: c), ratings[key], key)
        }

        let split = try Split(log: log, holdout: .last)
        let vocab = Vocabularies(log: log, minCount: 20, split: split)
        for history in [SampleOptions.History.window(5), .recent(max: 50)] {
            var o = SampleOptions()
            o.history = history
            let s = try SampleSet.build(log: log, vocab: vocab, split: split, options: o)
            let sTrain = s.train.materialized()
            XCTAssertTrue(s.hasWeights)
            checkWeights(sTrain, s, ratings)
            checkWeights(s.test, s, ratings)
            let serving = try s.servingBatch()
            checkWeights(serving, s, ratings)
            // Other columns are never weighted.
            XCTAssertNil(sTrain.sparse["categories"]!.weights)
            XCTAssertNil(sTrain.sparse["user_id"]!.weights)
            // A mini-batch keeps each row's weights.
            let idx = [17, 3, 17, 0, s.train.count - 1]
            let mb = sTrain.gather(idx)
            checkWeights(mb, s, ratings)
            for (j, i) in idx.enumerated() {
                XCTAssertEqual(Array(mb.sparse["items"]!.weights![Int(mb.sparse["items"]!.offsets[j]) ..< Int(mb.sparse["items"]!.offsets[j + 1])]),
                               Array(sTrain.sparse["items"]!.weights![Int(sTrain.sparse["items"]!.offsets[i]) ..< Int(sTrain.sparse["items"]!.offsets[i + 1])]))
            }
            // A query has no ratings: its clicks weigh 1, like the best rating.
            let q = try s.query(historyKeys: ["M50", "M100", "M181"]).sample
            XCTAssertEqual(q.sparse["items"]!.weights, [Float](repeating: 1, count: q.sparse["items"]!.ids.count))
        }
        // Ratings filtered by min_rating are still kept for the remaining clicks.
        let high = try ClickLog.loadMovieLens(path: SharedData.ml100k, minRating: 4)
        XCTAssertEqual(high.clickRatings?.min(), 4)
    }

    func testPaddleAndGeneratedLogsHaveNoWeights() throws {
        try SharedData.require(SharedData.paddleTest)
        let log = try ClickLog.loadPaddle(path: SharedData.paddleTest)
        XCTAssertFalse(log.hasRatings)
        XCTAssertNil(log.clickRatings)
        XCTAssertTrue(DataStats(log: log).description.contains("ratings     none"))
        var data = DataPipeline()
        data.setLog(log)
        data.sampleOptions.history = .window(5)
        let s = try data.samples()
        let sTrain = s.train.materialized()
        XCTAssertFalse(s.hasWeights)
        XCTAssertNil(sTrain.sparse["items"]!.weights)
        XCTAssertNil(s.test.sparse["items"]!.weights)
        XCTAssertNil(try s.servingBatch(users: [0, 1]).sparse["items"]!.weights)
        XCTAssertNil(try s.query(historyKeys: ["M50"]).sample.sparse["items"]!.weights)

        var g = GeneratorOptions()
        g.users = 50
        XCTAssertNil(try ClickLog.generate(g).clickRatings)
    }

    /// Rows out of time order: each rating must move with its click; min_rating
    /// filters; a negative rating weighs 0; weights are rating / the largest rating.
    func testCSVRatingsFollowTheirClicks() throws {
        let dir = TempDir()
        let p = dir.write("r.csv", """
        user,item,time,stars
        b,i3,30,-2
        a,i2,20,8
        a,i1,10,4
        b,i1,5,10
        a,i3,15,1
        b,i2,40,6
        b,i2,3,7

        """)
        var c = CSVColumns(user: "user", item: "item", time: "time")
        c.rating = "stars"
        let log = try ClickLog.loadCSV(path: p, columns: c)
        func seq(_ key: String) -> [String] {
            log.clicks(ofUser: log.user(key: key)!).map { "\(log.itemKeys[log.clickItems[$0]])=\(Int(log.rating(ofClick: $0)!))" }
        }
        XCTAssertEqual(seq("a"), ["i1=4", "i3=1", "i2=8"])
        XCTAssertEqual(seq("b"), ["i2=7", "i1=10", "i3=-2", "i2=6"])
        XCTAssertEqual(log.maxRating, 10)

        let split = try Split(log: log, holdout: .last)
        let s = try SampleSet.build(log: log, vocab: Vocabularies(log: log, minCount: 0, split: split), split: split,
                                    options: ordered(.recent(max: 5)))
        let sTrain = s.train.materialized()
        func weightsByUser(_ batch: SampleBatch) -> [String: [Float]] {
            var out: [String: [Float]] = [:]
            let col = batch.sparse["items"]!
            for k in 0..<batch.count {
                out[s.users.key(batch.users[k]), default: []] += col.weights![Int(col.offsets[k]) ..< Int(col.offsets[k + 1])]
            }
            return out
        }
        // Training histories (targets from the second click on), rows back to back:
        // b: [i2] then [i2, i1]; a: [i1]. Weights are stars / 10.
        XCTAssertEqual(s.train.count, 3)
        XCTAssertEqual(weightsByUser(sTrain), ["b": [0.7, 0.7, 1.0], "a": [0.4]])
        // Test histories: b = [i2, i1, i3] (7, 10, -2 → 0), a = [i1, i3] (4, 1).
        XCTAssertEqual(s.test.count, 2)
        XCTAssertEqual(weightsByUser(s.test), ["b": [0.7, 1.0, 0], "a": [0.4, 0.1]])

        c.minRating = 5
        let kept = try ClickLog.loadCSV(path: p, columns: c)
        XCTAssertEqual(kept.numClicks, 4)
        XCTAssertEqual(kept.clickRatings?.sorted(), [6, 7, 8, 10])
        // Without a rating column nothing is allocated.
        c.rating = nil; c.minRating = nil
        XCTAssertNil(try ClickLog.loadCSV(path: p, columns: c).clickRatings)
    }

    func testGatherAndAppendKeepWeightsAligned() {
        var r = RaggedIDs()
        r.append([1, 2, 3], weights: [0.1, 0.2, 0.3])
        r.append([4])                                  // unweighted row in a weighted column: weight 1
        r.append([Int32]())                            // empty row
        r.append([5, 6], weights: [0.5, 0.6])
        XCTAssertEqual(r.weights, [0.1, 0.2, 0.3, 1, 0.5, 0.6])
        let g = r.gather([3, 0, 2, 3, 1])
        XCTAssertEqual(g.offsets, [0, 2, 5, 5, 7, 8])
        XCTAssertEqual(g.ids, [5, 6, 1, 2, 3, 5, 6, 4])
        XCTAssertEqual(g.weights, [0.5, 0.6, 0.1, 0.2, 0.3, 0.5, 0.6, 1])
        XCTAssertEqual(r.gather([Int]()), RaggedIDs(offsets: [0], ids: [], weights: []))

        // The first weighted row gives the earlier rows weight 1.
        var late = RaggedIDs()
        late.append([7, 8])
        late.append([9], weights: [0.25])
        XCTAssertEqual(late.weights, [1, 1, 0.25])

        let plain = RaggedIDs(offsets: [0, 1, 3], ids: [1, 2, 3])
        XCTAssertNil(plain.gather([1, 0]).weights)
        XCTAssertEqual(plain.gather([1, 0]).ids, [2, 3, 1])

        // A large gather stays linear: 200k rows (quadratic copying would take minutes).
        var big = RaggedIDs()
        for i in 0..<200_000 { big.append([Int32(i % 1000), Int32(i % 7)], weights: [Float(i % 5), 1]) }
        let t0 = Date()
        let all = big.gather(Array((0..<big.count).reversed()))
        XCTAssertLessThan(Date().timeIntervalSince(t0), 10)
        XCTAssertEqual(all.weights?.count, all.ids.count)
        XCTAssertEqual(all.weights?.first, Float((200_000 - 1) % 5))
    }

    /// Weighted pooling runs on MovieLens samples (and the weights change the user
    /// vectors); on Paddle samples it fails and says the data has no ratings.
    func testWeightedPoolingNeedsRatings() throws {
        try SharedData.require(SharedData.ml100k)
        try SharedData.require(SharedData.paddleTest)
        var spec = SyntheticSamples.meanPoolSpec(dim: 16, negatives: 10)
        spec.encoders[0] = .embedding("items", dim: 16, pool: .avg, weighted: true)

        var ml = DataPipeline()
        ml.setLog(try ClickLog.loadMovieLens(path: SharedData.ml100k))
        ml.sampleOptions.history = .recent(max: 50)
        let s = try ml.samples()
        let sTrain = s.train.materialized()
        let model = try Model(spec: spec, features: s.features, itemCount: s.items.count, seed: 1)
        var opts = TrainOptions(epochs: 1, batchSize: 256, threads: 1)
        opts.noiseWeights = s.negativeWeights(.frequency(power: 1))
        let report = try Trainer(opts).train(model, on: sTrain.gather(0..<2048))
        XCTAssertEqual(report.outcome, .completed)
        let test = s.test.gather(0..<50)
        let weighted = try model.userVectors(for: test)
        var flat = test
        flat.sparse["items"]!.weights = [Float](repeating: 1, count: flat.sparse["items"]!.ids.count)
        let unweighted = try model.userVectors(for: flat)
        XCTAssertNotEqual(weighted, unweighted, "the ratings must reach the pooling")

        var pd = DataPipeline()
        pd.setLog(try ClickLog.loadPaddle(path: SharedData.paddleTest))
        pd.sampleOptions.history = .recent(max: 50)
        let ps = try pd.samples()
        let psTrain = ps.train.materialized()
        let pm = try Model(spec: spec, features: ps.features, itemCount: ps.items.count, seed: 1)
        var popts = opts
        popts.noiseWeights = ps.negativeWeights(.frequency(power: 1))
        XCTAssertThrowsError(try Trainer(popts).train(pm, on: psTrain)) { error in
            XCTAssertTrue("\(error)".contains("the data has no ratings"), "\(error)")
        }
    }
}
