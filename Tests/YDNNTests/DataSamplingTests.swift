import Foundation
import XCTest
import YDNN

/// Damping, caps, shuffling, example age and the negative distributions.
final class DataSamplingTests: XCTestCase {
    func testDampingFormula() {
        XCTAssertEqual(Damping.keepProbability(share: 0.01, threshold: 1e-3), (10.0.squareRoot() + 1) * 0.1, accuracy: 1e-12)
        XCTAssertEqual(Damping.keepProbability(share: 1e-3, threshold: 1e-3), 1)
        XCTAssertEqual(Damping.keepProbability(share: 1e-5, threshold: 1e-3), 1, "capped at 1")
        XCTAssertEqual(Damping.keepProbability(share: 0.25, threshold: 1e-3), ((250.0).squareRoot() + 1) * 0.004, accuracy: 1e-12)
    }

    /// Item H takes half of all clicks; its positives must survive at the formula's rate.
    func testDampingStatistically() throws {
        let dir = TempDir()
        var text = ""
        for u in 0..<2000 {
            var entries: [String] = []
            for k in 0..<20 { entries.append(k % 2 == 0 ? "H:c:t" : "I\((u * 7 + k) % 500):c:t") }
            text += "U\(u)\tP\tC\t\(entries.joined(separator: ";"))\tPH\n"
        }
        let log = try ClickLog.loadPaddle(path: dir.write("d.txt", text))
        let vocab = Vocabularies(log: log, minCount: 0)
        let h = vocab.items.id(of: "H")
        var o = SampleOptions()
        o.dampingThreshold = 1e-3
        o.seed = 5
        let s = try SampleSet.build(log: log, vocab: vocab, split: Split.all(log), options: o)
        let sTrain = s.train.materialized()
        let share = 0.5
        let p = Damping.keepProbability(share: share, threshold: 1e-3)
        let candidates = 20_000.0
        let kept = Double(sTrain.labels.filter { $0 == h }.count)
        let sd = (candidates * p * (1 - p)).squareRoot()
        XCTAssertEqual(kept, candidates * p, accuracy: 4 * sd, "kept \(kept), expected \(candidates * p)")
        // Rare items (share 20000/500/40000 = 1e-3) are kept with probability 1.
        XCTAssertEqual(sTrain.labels.filter { $0 != h }.count, 20_000)
        XCTAssertEqual(s.report.droppedByDamping, 20_000 - Int(kept))
    }

    func log() throws -> ClickLog {
        var g = GeneratorOptions()
        g.users = 500; g.items = 600; g.clicksPerUser = 25; g.seed = 9
        return try ClickLog.generate(g)
    }

    func testCapPerUser() throws {
        let log = try log()
        let vocab = Vocabularies(log: log, minCount: 0)
        var o = ordered(.window(5))
        o.capPerUser = 3
        let s = try SampleSet.build(log: log, vocab: vocab, split: Split.all(log), options: o)
        let sTrain = s.train.materialized()
        var perUser = [Int: Int]()
        for u in sTrain.users { perUser[Int(u), default: 0] += 1 }
        XCTAssertEqual(perUser.values.max(), 3)
        XCTAssertGreaterThan(s.report.droppedByCap, 0)
        XCTAssertEqual(s.train.count + s.report.droppedByCap, s.report.candidates)
    }

    func testShufflingIsAPermutationAndDeterministic() throws {
        let log = try log()
        let vocab = Vocabularies(log: log, minCount: 0)
        let split = try Split(log: log, holdout: .last)
        let base = try SampleSet.build(log: log, vocab: vocab, split: split, options: ordered(.window(5)))
        let baseTrain = base.train.materialized()
        func key(_ b: SampleBatch, _ k: Int) -> String { "\(b.users[k]) \(b.labels[k]) \(b.ids("items", k))" }
        let reference = (0..<base.train.count).map { key(baseTrain, $0) }.sorted()
        for shuffle in [SampleOptions.Shuffle.full, .buffer(100)] {
            var o = ordered(.window(5))
            o.shuffle = shuffle
            o.seed = 42
            let a = try SampleSet.build(log: log, vocab: vocab, split: split, options: o)
            let aTrain = a.train.materialized()
            let b = try SampleSet.build(log: log, vocab: vocab, split: split, options: o)
            let bTrain = b.train.materialized()
            XCTAssertEqual(aTrain.labels, bTrain.labels)
            XCTAssertEqual(aTrain.sparse["tags"], bTrain.sparse["tags"])
            XCTAssertNotEqual(aTrain.labels, baseTrain.labels)
            XCTAssertEqual((0..<a.train.count).map { key(aTrain, $0) }.sorted(), reference)
            o.seed = 43
            let c = try SampleSet.build(log: log, vocab: vocab, split: split, options: o)
            let cTrain = c.train.materialized()
            XCTAssertNotEqual(aTrain.labels, cTrain.labels)
        }
    }

    func testExampleAge() throws {
        let log = try log()
        let vocab = Vocabularies(log: log, minCount: 0)
        let split = try Split(log: log, holdout: .last)
        var o = ordered(.window(5))
        o.exampleAge = .hours
        let s = try SampleSet.build(log: log, vocab: vocab, split: split, options: o)
        let sTrain = s.train.materialized()
        let age = sTrain.dense["example_age"]!
        XCTAssertEqual(age.count, s.train.count)
        XCTAssertEqual(age.max(), 1)
        XCTAssertEqual(age.min(), 0)
        XCTAssertTrue(s.test.dense["example_age"]!.allSatisfy { $0 == 0 })
        // Within a user, later clicks are younger.
        for k in 1..<s.train.count where sTrain.users[k] == sTrain.users[k - 1] {
            XCTAssertLessThanOrEqual(age[k], age[k - 1])
        }
        XCTAssertEqual(s.feature("example_age")?.kind, .dense)
    }

    func testNegativeDistributions() {
        let counts = [0, 100, 10, 1, 0]
        XCTAssertEqual(NegativeDistribution.uniform.weights(itemCounts: counts), [0, 1, 1, 1, 1])
        let f = NegativeDistribution.frequency(power: 0.75).weights(itemCounts: counts)
        XCTAssertEqual(f[0], 0)
        XCTAssertEqual(f[1], pow(100, 0.75), accuracy: 1e-9)
        XCTAssertEqual(f[4], 0)
        let d = NegativeDistribution.damped(threshold: 0.01).weights(itemCounts: counts)
        let share = 100.0 / 111
        XCTAssertEqual(d[1], min(share, (share * 0.01).squareRoot() + 0.01), accuracy: 1e-12)
        XCTAssertEqual(d[3], 1.0 / 111, accuracy: 1e-12, "rare items are not damped")
        // Damping flattens: the head's share drops.
        XCTAssertLessThan(d[1] / d.reduce(0, +), 100.0 / 111)
        let sampler = NegativeSampler(weights: f)
        var rng = RNG(seed: 1)
        for _ in 0..<1000 { XCTAssertNotEqual(sampler.sample(&rng), 0) }
    }
}
