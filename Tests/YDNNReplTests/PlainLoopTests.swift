// The redirection test touches the C globals `stdin`/`stdout`, which Swift 6
// accepts only through a @preconcurrency import; it runs on one thread.
@preconcurrency import Foundation
import XCTest
import YDNNRepl

/// The non-terminal loop (`ydnn < recipe.ydnn`): continuation accumulation, what
/// reaches `engine.run`, and the REPL's own meta commands.
final class PlainLoopTests: XCTestCase {
    private func run(_ text: String, engine: FakeEngine = FakeEngine()) -> (FakeEngine, LineFeed, Int32) {
        let feed = LineFeed(text)
        let repl = Repl(engine: engine, historyPath: nil, banner: "BANNER")
        let status = repl.run(lines: feed.next)
        return (engine, feed, status)
    }

    func testEachLineIsAStatementAndBlankLinesAreSkipped() {
        let (engine, _, status) = run("let x = 5\n\n   \nprint x\n")
        XCTAssertEqual(engine.ran, ["let x = 5", "print x"])
        XCTAssertEqual(status, 0)
    }

    func testOpenBraceAccumulatesLinesIntoOneStatement() {
        let (engine, _, _) = run("train {\n  epochs = 3\n\n  lr = 0.1\n}\nprint done\n")
        // The blank line inside the braces is part of the statement, not a separator.
        XCTAssertEqual(engine.ran, ["train {\n  epochs = 3\n\n  lr = 0.1\n}", "print done"])
        // The engine was asked about the growing text, one line at a time.
        XCTAssertEqual(engine.continuationQueries.prefix(3), [
            "train {", "train {\n  epochs = 3", "train {\n  epochs = 3\n",
        ])
    }

    func testOpenBracketAndStringContinueToo() {
        let (engine, _, _) = run("let v = [1,\n2]\nprint \"a\nb\"\n")
        XCTAssertEqual(engine.ran, ["let v = [1,\n2]", "print \"a\nb\""])
    }

    func testUnfinishedStatementAtEndOfInputStillReachesTheEngine() {
        // The engine must get the chance to report "unclosed {" rather than the
        // recipe silently doing nothing.
        let (engine, _, status) = run("print 1\ntrain {\n  epochs = 3\n")
        XCTAssertEqual(engine.ran, ["print 1", "train {\n  epochs = 3"])
        XCTAssertEqual(status, 0)
    }

    func testQuitCommandsStopReading() {
        for quit in [":quit", ":q", ":exit", "  :q  "] {
            let (engine, feed, status) = run("print 1\n\(quit)\nprint 2\n")
            XCTAssertEqual(engine.ran, ["print 1"], quit)
            XCTAssertEqual(feed.taken, 2, "read past \(quit)")
            XCTAssertEqual(status, 0)
        }
    }

    func testEngineQuitStopsReading() {
        let engine = FakeEngine()
        engine.quitOn = ["bye"]
        let (_, feed, _) = run("print 1\nbye\nprint 2\n", engine: engine)
        XCTAssertEqual(engine.ran, ["print 1", "bye"])
        XCTAssertEqual(feed.taken, 2)
    }

    func testOtherMetaCommandsGoToTheEngine() {
        let (engine, _, _) = run(":help\n:vars\n:save \"out.ydnn\"\n:load x\n:history\n:quitnow\n")
        // `:history` is the REPL's; the rest, even look-alikes, are the engine's.
        XCTAssertEqual(engine.ran, [":help", ":vars", ":save \"out.ydnn\"", ":load x", ":quitnow"])
    }

    func testQuitInsideAnUnfinishedStatementIsJustText() {
        let (engine, _, _) = run("let s = [\n:q\n]\nprint 2\n")
        XCTAssertEqual(engine.ran, ["let s = [\n:q\n]", "print 2"])
    }

    func testErrorsDoNotEndTheSession() {
        let engine = FakeEngine()
        engine.failOn = ["bogus", "}"]
        let (_, feed, _) = run("bogus\n}\nprint 3\n", engine: engine)
        XCTAssertEqual(engine.ran, ["bogus", "}", "print 3"])
        XCTAssertEqual(engine.errors, 2)
        XCTAssertEqual(feed.taken, 3)
    }

    /// The real entry point with stdin a pipe and stdout a file: it must pick the plain
    /// mode by itself, print no banner and no prompts, and leave no history file.
    func testRunOnPipedStdinPrintsOnlyTheEngineOutput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ydnn-plain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outPath = dir.appendingPathComponent("out").path
        let historyPath = dir.appendingPathComponent("hist").path

        let input = Pipe()
        input.fileHandleForWriting.write(Data("let x = 5\r\ntrain {\n  epochs = 1\n}\n:history\nprint x".utf8))
        try input.fileHandleForWriting.close()

        let engine = FakeEngine()
        engine.echo = true
        fflush(stdout)
        let savedIn = dup(STDIN_FILENO), savedOut = dup(STDOUT_FILENO)
        let outFD = open(outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(outFD, 0)
        dup2(input.fileHandleForReading.fileDescriptor, STDIN_FILENO)
        dup2(outFD, STDOUT_FILENO)
        clearerr(stdin)
        let status = Repl(engine: engine, historyPath: historyPath, banner: "BANNER").run()
        fflush(stdout)
        dup2(savedIn, STDIN_FILENO)
        dup2(savedOut, STDOUT_FILENO)
        close(savedIn); close(savedOut); close(outFD)
        clearerr(stdin)

        XCTAssertEqual(status, 0)
        // CRLF input is tolerated; the last line needs no newline.
        XCTAssertEqual(engine.ran, ["let x = 5", "train {\n  epochs = 1\n}", "print x"])
        let output = try String(contentsOfFile: outPath, encoding: .utf8)
        XCTAssertEqual(output, "ran: let x = 5\nran: train {\n  epochs = 1\n}\nran: print x\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: historyPath))
    }
}
