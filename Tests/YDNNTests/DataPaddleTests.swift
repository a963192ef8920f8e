import Foundation
import XCTest
import YDNN

/// Hand-worked cases of the Paddle reader's semantics.
final class DataPaddleTests: XCTestCase {
    // Item counts: A 3, B 2, C 1. Categories: X = A + C = 4, Y = B = 2.
    // Tags: t2 = A 3 + B 2 = 5, t1 = 3, t3 = 1.
    let text = """
    U1\tP1\tC1\tA:X:t1_t2;B:Y:t2;C:X:t3\tiOS
    U2\tP1\tNULL\tA:X:t1_t2;B:Y:t2\tiOS
    U3\tP2\tC1\tA:X:t1_t2\tAndroid

    """

    func load(_ text: String, onError: OnError = .skip) throws -> ClickLog {
        let dir = TempDir()
        return try ClickLog.loadPaddle(path: dir.write("train.txt", text), onError: onError)
    }

    func testVocabularyOrderAndIDs() throws {
        let log = try load(text)
        XCTAssertEqual(log.numUsers, 3)
        XCTAssertEqual(log.numClicks, 6)
        XCTAssertFalse(log.hasTimestamps)
        let v = Vocabularies(log: log, minCount: 0)
        XCTAssertEqual(v.items.key(0), "<unk>")
        XCTAssertEqual([v.items.id(of: "A"), v.items.id(of: "B"), v.items.id(of: "C")], [1, 2, 3])
        XCTAssertEqual(v.items.counts, [0, 3, 2, 1])
        XCTAssertEqual([v.categories.id(of: "X"), v.categories.id(of: "Y")], [1, 2])
        XCTAssertEqual([v.tags.id(of: "t2"), v.tags.id(of: "t1"), v.tags.id(of: "t3")], [1, 2, 3])
        // NULL is never a value of its own.
        XCTAssertEqual(v.city.id(of: "NULL"), 0)
        XCTAssertEqual(v.city.size, 2)
        // user_id counts clicks: U1 3, U2 2, U3 1.
        XCTAssertEqual([v.userID.id(of: "U1"), v.userID.id(of: "U2"), v.userID.id(of: "U3")], [1, 2, 3])
    }

    func testWindowSamplesIncludeThePad() throws {
        let log = try load(text)
        let v = Vocabularies(log: log, minCount: 0)
        let s = try SampleSet.build(log: log, vocab: v, split: Split.all(log), options: ordered(.window(2)))
        let sTrain = s.train.materialized()
        let b = sTrain
        XCTAssertEqual(b.count, 6)
        XCTAssertEqual(b.labels, [1, 2, 3, 1, 2, 1])
        XCTAssertEqual(b.users, [0, 0, 0, 1, 1, 2])
        let histories = (0..<b.count).map { b.ids("items", $0) }
        XCTAssertEqual(histories, [[0], [0, 1], [1, 2], [0], [0, 1], [0]])
        XCTAssertEqual(b.ids("categories", 1), [0, 1])
        XCTAssertEqual(b.ids("categories", 2), [1, 2])
        // Pad tag 0, then A's tags in its own order (t1, t2) = (2, 1).
        XCTAssertEqual(b.ids("tags", 1), [0, 2, 1])
        XCTAssertEqual(b.ids("tags", 2), [2, 1, 1])
        XCTAssertEqual(b.ids("user_id", 3), [2])
        XCTAssertEqual(b.ids("city", 3), [0], "NULL city is <unk>")
        XCTAssertNil(b.dense["example_age"])
        XCTAssertTrue(s.test.count == 0)
    }

    func testWindowStartIsMaxOfZeroAndIMinusN() throws {
        let log = try load("U1\tP\tC\tA:X:t;B:X:t;C:X:t;D:X:t;E:X:t\tPH\n")
        let v = Vocabularies(log: log, minCount: 0)
        // All counts 1: ids by first appearance A1 B2 C3 D4 E5.
        let s = try SampleSet.build(log: log, vocab: v, split: Split.all(log), options: ordered(.window(3)))
        let sTrain = s.train.materialized()
        let h = (0..<s.train.count).map { sTrain.ids("items", $0) }
        XCTAssertEqual(h, [[0], [0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 4]])
    }

    func testStrictThresholdAndUnknownItemsDropOut() throws {
        let log = try load(text)
        let v = Vocabularies(log: log, minCount: 2)
        // count > 2: only A (3); B (2) is not strictly greater.
        XCTAssertEqual(v.items.size, 2)
        XCTAssertEqual(v.items.id(of: "A"), 1)
        XCTAssertEqual(v.items.id(of: "B"), 0)
        XCTAssertEqual(v.items.counts, [3, 3])
        XCTAssertEqual(v.userID.size, 2, "only U1 has more than 2 clicks")
        XCTAssertEqual(v.tags.size, 3, "t2 (5) and t1 (3) kept")
        let s = try SampleSet.build(log: log, vocab: v, split: Split.all(log), options: ordered(.window(5)))
        let sTrain = s.train.materialized()
        XCTAssertEqual(sTrain.labels, [1, 1, 1])
        XCTAssertEqual((0..<3).map { sTrain.ids("items", $0) }, [[0], [0], [0]])
        XCTAssertEqual(s.report.unknownClicks, 3)
        XCTAssertEqual(sTrain.ids("user_id", 1), [0], "U2 is rare")
    }

    func testRecentHistoryHasNoPad() throws {
        let log = try load(text)
        let v = Vocabularies(log: log, minCount: 0)
        let s = try SampleSet.build(log: log, vocab: v, split: Split.all(log), options: ordered(.recent(max: 1)))
        let sTrain = s.train.materialized()
        XCTAssertEqual(sTrain.labels, [2, 3, 2])
        XCTAssertEqual((0..<3).map { sTrain.ids("items", $0) }, [[1], [2], [1]])
    }

    func testHoldoutLastTestSample() throws {
        let log = try load(text)
        let v = Vocabularies(log: log, minCount: 0)
        let split = try Split(log: log, holdout: .last)
        XCTAssertEqual(split.trainCount, [2, 1, 1])
        XCTAssertEqual(split.testIndex, [2, 1, -1])
        var o = ordered(.window(2))
        o.exampleAge = .days
        let s = try SampleSet.build(log: log, vocab: v, split: split, options: o)
        let sTrain = s.train.materialized()
        XCTAssertEqual(sTrain.labels, [1, 2, 1, 1])
        XCTAssertEqual(s.test.labels, [3, 2])
        XCTAssertEqual(s.test.users, [0, 1])
        XCTAssertEqual(s.test.ids("items", 0), [1, 2])
        XCTAssertEqual(s.test.ids("items", 1), [0, 1])
        XCTAssertEqual(s.test.dense["example_age"]!, [0, 0])
        XCTAssertEqual(s.seenItems[0], [1, 2])
        XCTAssertEqual(s.itemCounts, [0, 3, 1, 0], "frequencies count training clicks only")
        XCTAssertEqual(s.users.index(ofKey: "U2"), 1)
        XCTAssertEqual(s.items.key(3), "C")
        XCTAssertEqual(s.items.category(1), "X")
        XCTAssertEqual(s.items.tags(1), ["t1", "t2"])
        XCTAssertEqual(s.features.map(\.name), ["user_id", "province", "city", "phone", "items", "categories", "tags", "example_age"])
        // Serving samples: after all training clicks, for any user.
        let serve = try s.servingBatch()
        XCTAssertEqual(serve.users, [0, 1, 2])
        XCTAssertEqual((0..<3).map { serve.ids("items", $0) }, [[1, 2], [0, 1], [0, 1]])
        XCTAssertEqual(serve.dense["example_age"]!, [0, 0, 0])
        XCTAssertEqual(serve.ids("tags", 0), s.test.ids("tags", 0))
    }

    func testMalformedLinesSkip() throws {
        let bad = """
        U1\tP1\tC1\tA:X:t1;B:Y:t2\tiOS
        U2\tP1\tC1\tA:X:t1
        U3\tP1\tC1\tA:X\tiOS
        U4\tP1\tC1\tA:X:t1;\tiOS
        U5\tP1\tC1\tB:Y:t2;A:X:t1\tiOS

        """
        let log = try load(bad)
        XCTAssertEqual(log.loadReport.malformedCount, 3)
        XCTAssertEqual(log.loadReport.firstMalformed.map(\.line), [2, 3, 4])
        XCTAssertTrue(log.loadReport.firstMalformed[0].description.hasSuffix("train.txt:2: expected 5 tab-separated fields, found 4: 'U2\\tP1\\tC1\\tA:X:t1'"),
                      log.loadReport.firstMalformed[0].description)
        XCTAssertTrue(log.loadReport.firstMalformed[1].reason.contains("not item:category:tags"))
        XCTAssertEqual(log.numClicks, 4, "clicks of bad lines are dropped whole")
        XCTAssertEqual(log.loadReport.recordsLoaded, 2)
        let stats = DataStats(log: log)
        XCTAssertEqual(stats.malformedLines, 3)
        XCTAssertEqual(stats.users, 2)
    }

    func testMalformedLinesFail() throws {
        let bad = "U1\tP1\tC1\tA:X:t1\tiOS\nU2\tP1\tC1\tA:X:t1\n"
        XCTAssertThrowsError(try load(bad, onError: .fail)) { error in
            guard case DataError.malformed(let m) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(m.line, 2)
            XCTAssertTrue("\(error)".contains("train.txt:2:"), "\(error)")
        }
    }

    func testFileErrors() throws {
        let dir = TempDir()
        XCTAssertThrowsError(try ClickLog.loadPaddle(path: dir.path + "/nope.txt")) {
            XCTAssertEqual($0 as? DataError, .fileNotFound(dir.path + "/nope.txt"))
        }
        let empty = dir.write("empty.txt", "")
        XCTAssertThrowsError(try ClickLog.loadPaddle(path: empty)) { XCTAssertEqual($0 as? DataError, .emptyFile(empty)) }
        XCTAssertThrowsError(try ClickLog.loadPaddle(path: dir.path)) { XCTAssertEqual($0 as? DataError, .notAFile(dir.path)) }
        let csv = dir.write("events.csv", "user,item,time\n1,2,3\n4,5,6\n")
        XCTAssertThrowsError(try ClickLog.loadPaddle(path: csv)) { error in
            guard case DataError.wrongFormat = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("Paddle"), "\(error)")
        }
    }

    func testLongLinesAcrossReadChunks() throws {
        // A line far longer than the 4 MB read buffer must still parse whole.
        let n = 400_000
        var line = "U1\tP\tC\t"
        line += (0..<n).map { "I\($0 % 1000):C\($0 % 7):T\($0 % 13)" }.joined(separator: ";")
        line += "\tPH\r\nU2\tP\tC\tI1:C1:T1\tPH"
        let log = try load(line)
        XCTAssertEqual(log.numClicks, n + 1)
        XCTAssertEqual(log.numItems, 1000)
        XCTAssertEqual(log.phones.keys, ["PH"], "CRLF and a missing final newline are handled")
    }
}
