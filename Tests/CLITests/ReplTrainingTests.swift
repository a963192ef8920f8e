import Foundation
import XCTest

/// Ctrl-C while training in the REPL: training stops after the current batch, the
/// session survives, and the model trained so far is kept and usable; `:save`
/// records what ran (`batches=K`), so the saved recipe replays the same numbers.
final class ReplTrainingTests: XCTestCase {
    func testCtrlCStopsTrainingAndKeepsTheModel() throws {
        guard let bin = ProcessInfo.processInfo.environment["YDNN_BIN"], !bin.isEmpty else {
            throw XCTSkip("YDNN_BIN is not set (the CI sets it to the release ydnn)")
        }
        guard TmuxSession.isInstalled() else {
            throw TmuxSession.Failure(description: "tmux is not installed (scripts/setup.sh installs it)")
        }
        let home = try Ydnn.tempDir()
        let tmux = try TmuxSession(command: [bin, "--allow-write", home.path], environment: [
            "HOME": home.path, "YDNN_HISTORY": home.appendingPathComponent("h").path, "LC_ALL": "C.UTF-8"])
        defer { tmux.kill() }
        try tmux.waitFor("the first prompt") { $0.last == "ydnn>" }
        for line in ["seed 1; generate users=3000 items=1000; window 5",
                     "embed user_id 16; lstm items 32; dense 31 relu; nce"] {
            tmux.type(line)
            tmux.press("Enter")
        }
        try tmux.waitFor("the data and network declared", timeout: 30) { rows in
            rows.filter { $0 == "ydnn>" || $0.hasPrefix("ydnn> embed") }.count >= 2 && rows.last == "ydnn>"
        }
        tmux.type("train epochs=500")
        tmux.press("Enter")
        // The progress bar shows on a terminal; wait until batches are running.
        try tmux.waitFor("training under way", timeout: 60) { $0.last?.contains("samples/s") == true }
        tmux.press("C-c")
        let rows = try tmux.waitFor("the prompt after Ctrl-C", timeout: 30) { rows in
            rows.last == "ydnn>" && rows.contains { $0.contains("training interrupted") }
        }
        XCTAssertTrue(rows.contains { $0.contains("weights kept") }, rows.joined(separator: "\n"))

        // The session and the partly trained model are still there.
        tmux.type("evaluate hr@10")
        tmux.press("Enter")
        let evaluated = try tmux.waitFor("an evaluation of the kept model", timeout: 60) { rows in
            rows.last == "ydnn>" && rows.contains { $0.hasPrefix("hr@10") }
        }
        let sessionRow = try XCTUnwrap(evaluated.last { $0.hasPrefix("hr@10") })

        let saved = home.appendingPathComponent("session.ydnn")
        tmux.type(":save \(saved.path)")
        tmux.press("Enter")
        try tmux.waitFor("the session saved", timeout: 30) { $0.contains { $0.hasPrefix("saved ") } && $0.last == "ydnn>" }
        tmux.press("C-d")
        XCTAssertEqual(try tmux.waitForExit(), 0)

        let text = try String(contentsOf: saved, encoding: .utf8)
        XCTAssertTrue(text.contains("train epochs=500 batches="), text)
        XCTAssertTrue(text.contains("# interrupted after "), text)
        let replay = try Ydnn.run(["run", saved.path, "--no-log"], in: home)
        XCTAssertEqual(replay.status, 0, replay.err)
        let replayRow = try XCTUnwrap(replay.out.split(separator: "\n").last { $0.hasPrefix("hr@10") }, replay.out)
        XCTAssertEqual(replayRow.split(separator: " ").filter { !$0.isEmpty }, sessionRow.split(separator: " ").filter { !$0.isEmpty },
                       "the replay of the saved session evaluates differently")
    }
}
