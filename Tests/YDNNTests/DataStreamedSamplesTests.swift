import Foundation
import XCTest
@testable import YDNN

/// Training samples are streamed (`TrainingSamples`): a batch is cut from the click
/// log when asked for. Cut from a few descriptions, it must be exactly those rows of
/// the whole set cut at once and then gathered as one `SampleBatch`, or training on
/// streamed samples would not print the numbers it printed before.
final class DataStreamedSamplesTests: XCTestCase {
    /// Rows `idx` two ways: materialised whole then gathered (RaggedIDs.gather), and
    /// materialised from just those descriptions.
    func assertStreamedEqualsWhole(_ s: SampleSet, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let whole = s.train.materialized()
        XCTAssertGreaterThan(whole.count, 10, what, file: file, line: line)
        var rng = SystemRandomNumberGenerator()
        var batches: [[Int]] = [[], [0], [whole.count - 1], Array(0..<whole.count)]
        for _ in 0..<5 { batches.append((0..<64).map { _ in Int.random(in: 0..<whole.count, using: &rng) }) }
        for idx in batches {
            let a = whole.gather(idx), b = s.train.gather(idx)
            XCTAssertEqual(a.count, b.count, what, file: file, line: line)
            XCTAssertEqual(a.labels, b.labels, what, file: file, line: line)
            XCTAssertEqual(a.users, b.users, what, file: file, line: line)
            XCTAssertEqual(Set(a.sparse.keys), Set(b.sparse.keys), what, file: file, line: line)
            for (k, col) in a.sparse { XCTAssertEqual(col, b.sparse[k], "\(what): column \(k)", file: file, line: line) }
            XCTAssertEqual(a.dense, b.dense, what, file: file, line: line)
        }
        XCTAssertEqual(s.train.labels, whole.labels, what, file: file, line: line)
        XCTAssertEqual(s.train.users, whole.users, what, file: file, line: line)
    }

    func testGeneratedLogWithDemographicsSearchesAndAge() throws {
        var g = GeneratorOptions()
        g.users = 300; g.items = 400
        g.demographics = .init(); g.searches = .init()
        let log = try ClickLog.generate(g)
        let split = try Split(log: log, holdout: .last)
        let vocab = Vocabularies(log: log, minCount: 2, split: split)
        for history in [SampleOptions.History.window(5), .recent(max: 20)] {
            var o = SampleOptions()
            o.history = history; o.exampleAge = .hours; o.seed = 3
            let s = try SampleSet.build(log: log, vocab: vocab, split: split, options: o)
            XCTAssertNotNil(s.train.gather([0]).dense["example_age"])
            XCTAssertNotNil(s.train.gather([0]).sparse["tokens"], "the search stream is a column")
            assertStreamedEqualsWhole(s, "generated, \(history)")
        }
    }

    func testCSVWithRatingsAndPerClickFeatures() throws {
        let dir = TempDir()
        var text = "u,i,t,stars,device\n"
        var rng = RNG(seed: 5, stream: "test")
        for u in 0..<40 {
            for c in 0..<(3 + u % 7) {
                text += "u\(u),i\(rng.nextInt(below: 30)),\(c * 10 + u),\(1 + rng.nextInt(below: 5)),\(["tv", "phone", "desk"][rng.nextInt(below: 3)])\n"
            }
        }
        var c = CSVColumns(user: "u", item: "i", time: "t")
        c.rating = "stars"
        c.features = [CSVFeature("device", scope: .event)]
        let log = try ClickLog.loadCSV(path: dir.write("e.csv", text), columns: c)
        let split = try Split(log: log, holdout: .last)
        let vocab = Vocabularies(log: log, minCount: 0, split: split)
        let s = try SampleSet.build(log: log, vocab: vocab, split: split, options: ordered(.window(3)))
        XCTAssertTrue(s.hasWeights)
        XCTAssertNotNil(s.train.gather([0]).sparse["items"]?.weights)
        XCTAssertNotNil(s.train.gather([0]).sparse["device"])
        assertStreamedEqualsWhole(s, "csv with ratings and events")
    }

    /// What streaming buys: each training sample is held as its 20-byte description,
    /// against ~160 bytes materialised (window 5, Paddle's columns).
    func testASampleIsHeldAsItsDescription() throws {
        var g = GeneratorOptions()
        g.users = 2000; g.items = 1000
        let log = try ClickLog.generate(g)
        let split = try Split(log: log, holdout: .last)
        var o = SampleOptions()
        o.history = .window(5)
        let s = try SampleSet.build(log: log, vocab: Vocabularies(log: log, minCount: 0, split: split), split: split, options: o)
        let perSample = Double(s.train.descriptionBytes) / Double(s.train.count)
        XCTAssertEqual(perSample, 20, accuracy: 0.5)
        let whole = s.train.materialized()
        let materialised = whole.sparse.values.reduce(0) { $0 + ($1.ids.count + $1.offsets.count) * 4 + ($1.weights?.count ?? 0) * 4 }
            + whole.labels.count * 4 + whole.users.count * 4
        XCTAssertGreaterThan(Double(materialised) / Double(whole.count), 5 * perSample)
    }

    /// Validation of streamed samples runs chunk by chunk over a set of several
    /// chunks, and still finds an id outside the model's vocabulary.
    func testValidationOfStreamedSamplesInChunks() throws {
        var g = GeneratorOptions()
        g.users = 3000; g.items = 1000
        let log = try ClickLog.generate(g)
        let split = try Split(log: log, holdout: .last)
        let s = try SampleSet.build(log: log, vocab: Vocabularies(log: log, minCount: 0, split: split), split: split,
                                    options: ordered(.window(5)))
        XCTAssertGreaterThan(s.train.count, 65_536, "more than one validation chunk")
        var spec = ModelSpec()
        spec.encoders = [.embedding("items", dim: 8)]
        let model = try Model(spec: spec, features: s.features, itemCount: s.items.count, seed: 1)
        XCTAssertNoThrow(try model.validate(s.train))
        // The same model over a smaller item vocabulary: the samples' item ids fall outside it.
        let small = s.features.map { f in f.name == "items" ? FeatureInfo(name: f.name, kind: f.kind, vocabularySize: 3) : f }
        let narrow = try Model(spec: spec, features: small, itemCount: s.items.count, seed: 1)
        XCTAssertThrowsError(try narrow.validate(s.train)) { XCTAssertTrue("\($0)".contains("outside its vocabulary"), "\($0)") }
    }
}
