import Foundation
import XCTest
import YDNN

/// The one interrupt protocol: a token, `try token.check()`, `Cancelled`, and
/// writers that leave no partial file.
final class SupportCancellationTests: XCTestCase {
    private func cancelled() -> CancellationToken {
        let t = CancellationToken()
        t.cancel()
        return t
    }

    private func assertCancelled<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) {
            XCTAssertEqual($0 as? Cancelled, Cancelled(), "\($0)", file: file, line: line)
        }
    }

    func testTokenStatesAndTheOldWrappers() throws {
        let t = CancellationToken()
        XCTAssertFalse(t.isCancelled)
        XCTAssertNoThrow(try t.check())
        t.cancel(); t.cancel()
        XCTAssertTrue(t.isCancelled)
        assertCancelled(try t.check())
        XCTAssertTrue(t.reset())
        XCTAssertFalse(t.reset())
        XCTAssertNoThrow(try t.check())
        XCTAssertEqual("\(Cancelled())", "interrupted")

        XCTAssertFalse(CancellationToken.process.isCancelled)
        CancellationToken.process.cancel()
        XCTAssertTrue(CancellationToken.process.isCancelled)
        XCTAssertTrue(CancellationToken.process.reset())
        XCTAssertFalse(CancellationToken.process.isCancelled)
        XCTAssertFalse(CancellationToken.process.reset())
    }

    func testSIGINTCancelsTheProcessToken() {
        CancellationToken.installInterruptHandler()
        defer { signal(SIGINT, SIG_DFL); CancellationToken.process.reset() }
        raise(SIGINT)
        XCTAssertTrue(CancellationToken.process.isCancelled)
    }

    func testWriterDropsItsTempFileAndKeepsTheTarget() throws {
        let dir = TempDir()
        let path = dir.write("target.txt", "old\n")
        let token = CancellationToken()
        let w = try AtomicFileWriter(path: path, token: token)
        try w.write("new part\n")
        token.cancel()
        assertCancelled(try w.write("more\n"))
        assertCancelled(try w.commit())
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["target.txt"])

        // Between the chunks of one large write, and before the rename.
        assertCancelled(try AtomicFileWriter.write([UInt8](repeating: 65, count: AtomicFileWriter.chunkSize + 1),
                                                   to: dir.path + "/big.bin", token: cancelled()))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["target.txt"])

        // Without a token, or with one never cancelled, nothing changes.
        try AtomicFileWriter.write("fine\n", to: path, token: CancellationToken())
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "fine\n")
    }

    func testWriterErrorsAreSupportErrors() {
        let dir = TempDir()
        let file = dir.write("plain", "")
        XCTAssertThrowsError(try AtomicFileWriter(path: file + "/inside/x.txt")) {
            XCTAssertEqual(($0 as? FileWriteError)?.path, file + "/inside/x.txt")
        }
    }

    func testDataCallsThrowCancelled() throws {
        let dir = TempDir()
        var g = GeneratorOptions()
        g.users = 300; g.items = 200
        assertCancelled(try ClickLog.generate(g, token: cancelled()))
        let log = try ClickLog.generate(g, token: CancellationToken())

        let paddle = dir.path + "/log.txt"
        assertCancelled(try log.writePaddle(to: paddle, token: cancelled()))
        XCTAssertFalse(FileManager.default.fileExists(atPath: paddle), "no partial file")
        try log.writePaddle(to: paddle, token: CancellationToken())
        assertCancelled(try ClickLog.loadPaddle(path: paddle, token: cancelled()))
        XCTAssertEqual(try ClickLog.loadPaddle(path: paddle, token: CancellationToken()).numClicks, log.numClicks)
        let csv = dir.write("log.csv", "u,i,t\na,x,1\nb,y,2\n")
        assertCancelled(try ClickLog.loadCSV(path: csv, columns: CSVColumns(user: "u", item: "i", time: "t"), token: cancelled()))

        var p = DataPipeline()
        p.setLog(log)
        assertCancelled(try p.samples(token: cancelled()))
        XCTAssertGreaterThan(try p.samples(token: CancellationToken()).train.count, 0)
    }

    func testRetrievalBuildsAndExportThrowCancelled() throws {
        let dir = TempDir()
        let items = VectorSet.randomUnit(count: 200, dimension: 8, seed: 1)
        assertCancelled(try LSHIndex(items: items, tables: 4, bits: 6, token: cancelled()))
        assertCancelled(try HNSWIndex.build(items: items, token: cancelled()))
        assertCancelled(try IndexEvaluation.groundTruth(items: items, queries: items, k: 3, token: cancelled()))
        for format in [VectorFileFormat.tsv, .npy, .fvecs] {
            let path = dir.path + "/v.\(format.rawValue)"
            assertCancelled(try VectorExport.write(items, to: path, format: format, token: cancelled()))
            XCTAssertFalse(FileManager.default.fileExists(atPath: path), "\(format)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }
}
