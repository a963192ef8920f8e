import Foundation
import XCTest
import YDNN

/// Declared features: loading them by name and kind, their vocabularies and
/// scales, and the columns they give samples.
final class DataDeclaredFeaturesTests: XCTestCase {
    /// Two users; a's clicks are written out of time order, so the per-click
    /// `device` column must follow the sort.
    func load(_ dir: TempDir) throws -> ClickLog {
        let events = dir.write("events.csv", """
        u,i,t,device,country,age,spend
        a,x,3,phone,de,30,1.5
        a,y,1,desk,de,30,2
        a,z,2,tv,de,30,
        b,x,2,phone,fr,,0.5
        b,y,5,tv,fr,41,7
        b,z,4,phone,fr,41,1

        """)
        let users = dir.write("users.tsv", "id\tlanguages\tsince\na\ten|de\t2001\nb\tfr\t\nghost\tit\t1999\n")
        let items = dir.write("items.csv", "i,genres,year\nx,Drama|War,1957\ny,Comedy,1990\nz,,2001\nw,Drama,2020\n")
        var c = CSVColumns(user: "u", item: "i", time: "t")
        c.features = [CSVFeature("country", scope: .user), CSVFeature("age", scope: .user, continuous: true),
                      CSVFeature("languages", scope: .user), CSVFeature("since", scope: .user, continuous: true),
                      CSVFeature("genres", scope: .item), CSVFeature("year", scope: .item, continuous: true),
                      CSVFeature("device", scope: .event), CSVFeature("spend", scope: .event, continuous: true)]
        c.userTable = CSVTable(path: users, key: "id")
        c.itemTable = CSVTable(path: items, key: "i")
        return try ClickLog.loadCSV(path: events, columns: c)
    }

    func testCSVDeclaresColumnsOfEachScopeAndJoinsTables() throws {
        let dir = TempDir()
        let log = try load(dir)
        XCTAssertEqual(log.declared.map(\.name), ["country", "age", "languages", "since", "genres", "year", "device", "spend"])
        let a = log.user(key: "a")!, b = log.user(key: "b")!
        XCTAssertNil(log.user(key: "ghost"), "a user only in the user table is not added")
        XCTAssertEqual(log.numItems, 4, "an item only in the item table joins the catalogue")
        let col = { (name: String) in log.declaredColumn(name)! }
        XCTAssertEqual(col("country").text(ofRow: a), "de")
        XCTAssertEqual(col("country").kind, .categorical)
        XCTAssertEqual(col("languages").kind, .bag, "a value with the separator makes a bag")
        XCTAssertEqual(col("languages").text(ofRow: a), "en|de")
        XCTAssertEqual(col("age").numbers[b], 41, "the first non-empty value wins")
        XCTAssertTrue(col("since").numbers[b].isNaN, "an empty number is missing")
        XCTAssertEqual(col("genres").text(ofRow: log.item(key: "x")!), "Drama|War")
        XCTAssertEqual(col("genres").text(ofRow: log.item(key: "z")!), "NULL", "no value is NULL, i.e. <unk>")
        XCTAssertEqual(col("year").numbers[log.item(key: "w")!], 2020)
        // Per-click columns follow the clicks into time order.
        XCTAssertEqual(log.clicks(ofUser: a).map { log.itemKeys[log.clickItems[$0]] }, ["y", "z", "x"])
        XCTAssertEqual(log.clicks(ofUser: a).map { col("device").text(ofRow: $0) }, ["desk", "tv", "phone"])
        XCTAssertEqual(log.clicks(ofUser: b).map { col("device").text(ofRow: $0) }, ["phone", "phone", "tv"])
        XCTAssertEqual(log.clicks(ofUser: a).map { col("spend").text(ofRow: $0) }, ["2", "", "1.5"])
        let stats = DataStats(log: log)
        XCTAssertTrue(stats.description.contains("age (user, continuous: 30 ... 41, 0 missing)"), stats.description)
        XCTAssertTrue(stats.description.contains("device (event, categorical: 3 values)"), stats.description)
    }

    func testDeclaredNamesMayNotShadowBuiltIns() throws {
        let dir = TempDir()
        let p = dir.write("e.csv", "u,i,t,tags\na,x,1,q\n")
        var c = CSVColumns(user: "u", item: "i", time: "t")
        c.features = [CSVFeature("tags", scope: .item)]
        XCTAssertThrowsError(try ClickLog.loadCSV(path: p, columns: c)) { XCTAssert("\($0)".contains("taken by a built-in"), "\($0)") }
        c.features = [CSVFeature("colour", scope: .item)]
        XCTAssertThrowsError(try ClickLog.loadCSV(path: p, columns: c)) { XCTAssert("\($0)".contains("colour"), "\($0)") }
    }

    func testBadNumberIsAMalformedLine() throws {
        let dir = TempDir()
        let p = dir.write("e.csv", "u,i,t,age\na,x,1,30\na,y,2,old\n")
        var c = CSVColumns(user: "u", item: "i", time: "t")
        c.features = [CSVFeature("age", scope: .event, continuous: true)]
        let log = try ClickLog.loadCSV(path: p, columns: c)
        XCTAssertEqual(log.numClicks, 1)
        XCTAssertEqual(log.loadReport.malformedCount, 1)
        XCTAssertEqual(log.declaredColumn("age")?.numbers, [30])
    }

    func testQuantilesOfTheTrainingDistribution() {
        let s = ContinuousScale(name: "x", occurrences: [2, 1, 3, 2, .nan])
        XCTAssertEqual(s.values, [1, 2, 3])
        XCTAssertEqual(s.quantile(1), 0.125)
        XCTAssertEqual(s.quantile(2), 0.5)
        XCTAssertEqual(s.quantile(3), 0.875)
        XCTAssertEqual(s.quantile(1.5), 0.3125, "between training values: interpolated")
        XCTAssertEqual(s.quantile(0), 0, "below the range")
        XCTAssertEqual(s.quantile(9), 1, "above the range")
        XCTAssertEqual(s.quantile(.nan), 0.5, "missing is the median")
        XCTAssertEqual(ContinuousTransform.x2.column("age"), "age_squared")
    }

    func testSamplesCarryDeclaredFeatures() throws {
        let dir = TempDir()
        let log = try load(dir)
        let split = try Split(log: log, holdout: .last)
        let vocab = Vocabularies(log: log, minCount: 0, split: split)
        // Event features count the training clicks only: b's held-out `tv` is not among them.
        XCTAssertEqual(vocab.declared.vocabulary("device")?.counts.reduce(0, +), 4)
        let s = try SampleSet.build(log: log, vocab: vocab, split: split, options: ordered(.window(3)))
        let sTrain = s.train.materialized()
        let names = Set(s.features.map(\.name))
        for n in ["country", "languages", "genres", "device", "age", "age_squared", "age_sqrt", "year", "spend_sqrt"] {
            XCTAssertTrue(names.contains(n), n)
        }
        XCTAssertEqual(s.feature("country")?.kind, .single)
        XCTAssertEqual(s.feature("genres")?.kind, .multi)
        XCTAssertEqual(s.feature("age")?.kind, .dense)
        let device = vocab.declared.vocabulary("device")!, genres = vocab.declared.vocabulary("genres")!
        // Training samples of a, in time order: targets y (desk), z (tv).
        XCTAssertEqual(s.train.count, 4)
        XCTAssertEqual((0..<2).map { device.key(sTrain.ids("device", $0)[0]) }, ["desk", "tv"])
        // z's history is [pad, y]: the pad's genre is <unk>, y's is Comedy.
        XCTAssertEqual(sTrain.ids("genres", 1).map { genres.key($0) }, ["<unk>", "Comedy"])
        // Ages over the training clicks: 30 (a) twice, 41 (b) twice, so a's mid-rank quantile is 1/4.
        XCTAssertEqual(sTrain.dense["age"]![0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(sTrain.dense["age_squared"]![0], 0.0625, accuracy: 1e-6)
        XCTAssertEqual(sTrain.dense["age_sqrt"]![0], 0.5, accuracy: 1e-6)
        // The test sample of a is its held-out click x on a phone: the request's context.
        let testA = s.test.users.firstIndex(of: Int32(log.user(key: "a")!))!
        XCTAssertEqual(device.key(s.test.ids("device", testA)[0]), "phone")
        // Serving without a click knows no context.
        let serving = try s.servingBatch(users: [Int32(log.user(key: "a")!)])
        XCTAssertEqual(serving.ids("device", 0), [0])
        XCTAssertEqual(serving.ids("country", 0), [vocab.declared.vocabulary("country")!.id(of: "de")])
        // A new user from a history: user features <unk>, numbers the median.
        let q = try s.query(historyKeys: ["x"]).sample
        XCTAssertEqual(q.ids("country", 0), [0])
        XCTAssertEqual(q.dense["age"], [0.5])
        XCTAssertEqual(q.ids("genres", 0).map { genres.key($0) }.sorted(), ["<unk>", "Drama", "War"])
    }

    func testPaddleLogsDeclareNothing() throws {
        let dir = TempDir()
        let p = dir.write("p.txt", "U1\tP\tC\tM1:X:t1;M2:Y:t2\tPH\n")
        let log = try ClickLog.loadPaddle(path: p)
        XCTAssertTrue(log.declared.isEmpty)
        let v = Vocabularies(log: log, minCount: 0)
        XCTAssertEqual(v.all.map(\.name), ["user_id", "province", "city", "phone", "items", "categories", "tags"])
    }
}

/// A log's memory grows with what a recipe declares, not with the columns a file has.
final class DataDeclaredMemoryTests: XCTestCase {
    func testMemoryIsProportionalToTheDeclaredColumns() throws {
        let dir = TempDir()
        var rows = ["u,i,t," + (1...10).map { "f\($0)" }.joined(separator: ",")]
        var plain = ["u,i,t"]
        for k in 0..<3000 {
            let keys = "u\(k % 300),i\((k * 7) % 500),\(k)"
            rows.append(keys + "," + (1...10).map { "v\((k * $0) % 17)" }.joined(separator: ","))
            plain.append(keys)
        }
        let wide = dir.write("wide.csv", rows.joined(separator: "\n") + "\n")
        let narrow = dir.write("narrow.csv", plain.joined(separator: "\n") + "\n")
        func load(_ path: String, declaring n: Int) throws -> (log: ClickLog, samples: Int) {
            var c = CSVColumns(user: "u", item: "i", time: "t")
            c.features = (0..<n).map { CSVFeature("f\($0 + 1)", scope: .event) }
            let log = try ClickLog.loadCSV(path: path, columns: c)
            let split = try Split(log: log, holdout: .last)
            let s = try SampleSet.build(log: log, vocab: Vocabularies(log: log, minCount: 0, split: split), split: split,
                                        options: SampleOptions())
            let sTrain = s.train.materialized()
            let bytes = sTrain.sparse.values.reduce(0) { $0 + $1.ids.count * 4 + $1.offsets.count * 4 }
            return (log, bytes)
        }
        let none = try load(wide, declaring: 0), five = try load(wide, declaring: 5), ten = try load(wide, declaring: 10)
        let base = try load(narrow, declaring: 0)
        XCTAssertEqual(none.log.compactBytes, base.log.compactBytes, "undeclared columns cost nothing")
        XCTAssertEqual(none.samples, base.samples)
        // Each declared column: one id a click (3000 × 4 bytes) plus its 17 values.
        let perColumn = five.log.compactBytes - none.log.compactBytes
        XCTAssertEqual(ten.log.compactBytes - five.log.compactBytes, perColumn, "the fifth to tenth cost what the first five do")
        XCTAssertEqual(perColumn / 5, 3000 * 4 + five.log.declaredColumn("f1")!.values.compactBytes)
        XCTAssertEqual(ten.samples - five.samples, five.samples - none.samples, "samples grow by the same amount per column")
        XCTAssertLessThan(ten.log.memoryBytes, 2 * ten.log.compactBytes, "in memory within 2x of the compact size")
    }
}
