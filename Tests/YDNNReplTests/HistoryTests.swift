import Foundation
import XCTest
import YDNNRepl

final class HistoryTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("ydnn-history-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    private var path: String { dir.appendingPathComponent("hist").path }

    func testRoundTripKeepsMultiLineEntriesWhole() throws {
        var history = History()
        let entries = [
            "let x = 5",
            "train {\n  epochs = 3\n}",
            #"print "a\nb" \ backslash \n literal"#,
            "print \"héllo wörld ✓\"",
            "ends with backslash \\",
            "carriage\rreturn",
        ]
        for entry in entries { XCTAssertTrue(history.add(entry)) }
        try history.save(to: path)

        let loaded = History.load(from: path)
        XCTAssertEqual(loaded.entries, entries)
        // One file line per entry (plus the header), whatever the entry holds.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, entries.count + 1)
    }

    func testAddEnforcesTheLimitKeepingTheNewest() {
        var history = History(limit: 3)
        for i in 1...5 { history.add("print \(i)") }
        XCTAssertEqual(history.entries, ["print 3", "print 4", "print 5"])
    }

    func testLoadKeepsOnlyTheNewestEntriesOfAnOversizedFile() throws {
        var big = History(limit: 50)
        for i in 1...50 { big.add("line \(i)") }
        try big.save(to: path)

        let loaded = History.load(from: path, limit: 10)
        XCTAssertEqual(loaded.entries, (41...50).map { "line \($0)" })
        XCTAssertEqual(loaded.limit, 10)
    }

    func testBlankAndRepeatedEntriesAreNotAdded() {
        var history = History()
        XCTAssertTrue(history.add("print 1"))
        XCTAssertFalse(history.add("print 1"))
        XCTAssertFalse(history.add("   "))
        XCTAssertFalse(history.add(""))
        XCTAssertTrue(history.add("print 2"))
        XCTAssertTrue(history.add("print 1"))
        XCTAssertEqual(history.entries, ["print 1", "print 2", "print 1"])
    }

    func testMissingOrForeignFiles() throws {
        XCTAssertEqual(History.load(from: path).entries, [])
        // No header (hand-written, CRLF endings): still one entry per line.
        try Data("print 1\r\nprint 2\r\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(History.load(from: path).entries, ["print 1", "print 2"])
    }

    func testSaveIsAtomicPrivateAndCreatesTheDirectory() throws {
        let nested = dir.appendingPathComponent("a/b/hist").path
        var history = History()
        history.add("secret = 1")
        try history.save(to: nested)
        history.add("print 2")
        try history.save(to: nested)

        XCTAssertEqual(History.load(from: nested).entries, ["secret = 1", "print 2"])
        let siblings = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("a/b").path)
        XCTAssertEqual(siblings, ["hist"], "temporary file left behind")
        let mode = try FileManager.default.attributesOfItem(atPath: nested)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
    }

    func testSaveFailureThrows() throws {
        // A regular file where the directory should be.
        let blocker = dir.appendingPathComponent("file")
        try Data().write(to: blocker)
        XCTAssertThrowsError(try History().save(to: blocker.appendingPathComponent("hist").path))
    }

    func testAppendKeepsLinesOfTwoSessionsWrittenInTurn() throws {
        try History.append(["first a"], to: path)
        try History.append(["first b"], to: path)
        try History.append(["second a", "first b"], to: path)
        try History.append(["first b"], to: path)
        XCTAssertEqual(History.load(from: path).entries, ["first a", "first b", "second a", "first b"])

        try History.append((1...10).map { "n\($0)" }, to: path, limit: 4)
        XCTAssertEqual(History.load(from: path).entries, ["n7", "n8", "n9", "n10"])
    }

    func testNumberedListingIndentsContinuationLines() {
        var history = History()
        history.add("let x = 5")
        history.add("train {\n  epochs = 3\n}")
        XCTAssertEqual(history.numberedListing(), """
                1  let x = 5
                2  train {
                     epochs = 3
                   }

            """)
    }

    func testDefaultPathHonoursTheEnvironment() {
        XCTAssertEqual(Repl.defaultHistoryPath(environment: ["YDNN_HISTORY": "/tmp/h", "HOME": "/home/u"]), "/tmp/h")
        XCTAssertEqual(Repl.defaultHistoryPath(environment: ["HOME": "/home/u"]), "/home/u/.ydnn_history")
        XCTAssertNil(Repl.defaultHistoryPath(environment: ["YDNN_HISTORY": "", "HOME": "/home/u"]))
        XCTAssertNil(Repl.defaultHistoryPath(environment: [:]))
    }
}
