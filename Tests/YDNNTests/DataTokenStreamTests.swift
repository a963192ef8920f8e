import Foundation
import XCTest
import YDNN

/// The second history stream never shows a sample a token from its future.
final class DataTokenStreamTests: XCTestCase {
    func testEachSampleSeesOnlyTokensBeforeItsClick() throws {
        let dir = TempDir()
        // a clicks at 10, 20, 30, 40 (40 is held out); b at 5, 50 (50 held out).
        let events = dir.write("e.csv", "u,i,t\na,x,10\na,y,20\na,z,30\na,y,40\nb,x,5\nb,y,50\n")
        // Tokens written out of order; one at exactly a click's time (not before it),
        // one of a user the log lacks, one after every click.
        let tags = dir.write("tags.tsv", "user\ttag\twhen\na\tlate\t35\na\tearly\t1\na\tFunny \t15\na\tsame\t20\nghost\tboo\t3\nb\tafter\t99\na\tfuture\t100\n")
        let log0 = try ClickLog.loadCSV(path: events, columns: CSVColumns(user: "u", item: "i", time: "t"))
        let (log, skipped) = try log0.withTokenStream(name: "tag_history", path: tags,
                                                     columns: TokenColumns(user: "user", token: "tag", time: "when"))
        XCTAssertEqual(skipped, 1)
        let split = try Split(log: log, holdout: .last)
        let vocab = Vocabularies(log: log, minCount: 0, split: split)
        let v = vocab.declared.vocabulary("tag_history")!
        // Counted only before each user's held-out click: `future` (100 > 40) and `after` (99 > 50) are not known.
        XCTAssertFalse(v.contains("future"))
        XCTAssertFalse(v.contains("after"))
        XCTAssertTrue(v.contains("funny"), "tokens are trimmed and lower-cased")
        let s = try SampleSet.build(log: log, vocab: vocab, split: split, options: ordered(.window(5)))
        let sTrain = s.train.materialized()
        XCTAssertEqual(s.feature("tag_history")?.kind, .multi)
        let keys = { (b: SampleBatch, k: Int) in b.ids("tag_history", k).map { v.key($0) } }
        // a's training targets x@10, y@20, z@30; b's x@5.
        let a = Int32(log.user(key: "a")!)
        let rows = (0..<s.train.count).filter { sTrain.users[$0] == a }
        XCTAssertEqual(rows.map { keys(sTrain, $0) }, [["early"], ["early", "funny"], ["early", "funny", "same"]])
        let b = (0..<s.train.count).first { sTrain.users[$0] != a }!
        XCTAssertEqual(keys(sTrain, b), ["<unk>"], "no token before b's first click")
        // Every training token is strictly older than the sample's target click.
        let stream = log.tokenStreams[0]
        for k in 0..<s.train.count {
            let u = Int(sTrain.users[k])
            // Each user clicks an item once here, so the label names the target click.
            guard let target = log.clicks(ofUser: u).first(where: { vocab.items.idOfRaw[Int(log.clickItems[$0])] == sTrain.labels[k] }) else {
                XCTFail("sample \(k) of user \(u): label \(sTrain.labels[k]) not among the user's clicks"); continue
            }
            let targetTime = log.time(ofClick: target)
            let visible = stream.tokens(ofUser: u).filter { stream.times[$0] < targetTime }.map { v.key(v.idOfRaw[Int(stream.ids[$0])]) }
            XCTAssertEqual(keys(sTrain, k), visible.isEmpty ? ["<unk>"] : visible)
        }
        // The test sample of a (held-out click at 40) sees `late` (35) but not `future` (100).
        let t = s.test.users.firstIndex(of: a)!
        XCTAssertEqual(keys(s.test, t), ["early", "funny", "same", "late"])
        // A window keeps the newest tokens.
        let (windowed, _) = try log0.withTokenStream(name: "tag_history", path: tags,
                                                    columns: TokenColumns(user: "user", token: "tag", time: "when"), window: 2)
        let s2 = try SampleSet.build(log: windowed, vocab: Vocabularies(log: windowed, minCount: 0, split: split),
                                     split: split, options: ordered(.window(5)))
        XCTAssertEqual(s2.test.ids("tag_history", t).count, 2)
        // A new user has no stream.
        XCTAssertEqual(try s.query(historyKeys: ["x"]).sample.ids("tag_history", 0), [0])
    }

    func testPaddleLogsHaveNoClockForStreams() throws {
        let dir = TempDir()
        let log = try ClickLog.loadPaddle(path: dir.write("p.txt", "U1\tP\tC\tM1:X:t1;M2:Y:t2\tPH\n"))
        let tags = dir.write("t.csv", "u,t,w\nU1,q,1\n")
        XCTAssertThrowsError(try log.withTokenStream(name: "q", path: tags, columns: TokenColumns(user: "u", token: "t", time: "w")))
    }
}
