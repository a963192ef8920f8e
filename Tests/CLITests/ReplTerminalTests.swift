import Foundation
import XCTest

/// Drives the real `ydnn` REPL through a real terminal (tmux): completion, history
/// recall, errors that do not end the session, continuation prompts, Ctrl-C, Ctrl-D
/// and the history file. Needs YDNN_BIN (the CI sets it to the release binary).
final class ReplTerminalTests: XCTestCase {
    private var home: URL!
    private var historyPath: String { home.appendingPathComponent("history").path }

    override func setUpWithError() throws {
        home = FileManager.default.temporaryDirectory
            .appendingPathComponent("ydnn-repl-tty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let home { try? FileManager.default.removeItem(at: home) }
    }

    private func startRepl() throws -> TmuxSession {
        guard let bin = ProcessInfo.processInfo.environment["YDNN_BIN"], !bin.isEmpty else {
            throw XCTSkip("YDNN_BIN is not set (the CI sets it to the release ydnn)")
        }
        guard TmuxSession.isInstalled() else {
            // Not a skip: the CI must not pass without having looked at the terminal.
            throw TmuxSession.Failure(description: "tmux is not installed (scripts/setup.sh installs it)")
        }
        let tmux = try TmuxSession(command: [bin], environment: [
            "HOME": home.path,
            "YDNN_HISTORY": historyPath,
            // A fixed UTF-8 locale, whatever the CI machine exports.
            "LC_ALL": "C.UTF-8",
        ])
        try tmux.waitFor("the first prompt") { rows in rows.last == "ydnn>" }
        return tmux
    }

    /// Types `line`, presses Enter and waits for the next main prompt below it.
    private func submit(_ tmux: TmuxSession, _ line: String, prompt: String = "ydnn>") throws -> [String] {
        tmux.type(line)
        try tmux.waitFor("\(line) typed") { $0.last?.hasSuffix(line) == true }
        let before = tmux.screen().count
        tmux.press("Enter")
        return try tmux.waitFor("the prompt after \(line)") { rows in
            rows.count > before && rows.last == prompt
        }
    }

    /// The rows printed between the row showing `input` and the final prompt.
    private func output(of input: String, in rows: [String]) -> [String] {
        guard let at = rows.lastIndex(where: { $0.hasSuffix("> " + input) }) else { return [] }
        return Array(rows[(at + 1)..<(rows.count - 1)])
    }

    func testEditingCompletionHistoryInterruptAndExit() throws {
        let tmux = try startRepl()
        defer { tmux.kill() }

        // Tab with a single match completes inline.
        tmux.type("pri")
        try tmux.waitFor("pri typed") { $0.last == "ydnn> pri" }
        tmux.press("Tab")
        try tmux.waitFor("pri completed to print") { $0.last?.hasPrefix("ydnn> print") == true }
        tmux.press("C-u")
        try tmux.waitFor("the line cleared by C-u") { $0.last == "ydnn>" }

        _ = try submit(tmux, "let x = 5")

        // An error is reported and the session goes on.
        let bogus = "frobnicate the 42 widgets"
        let afterError = try submit(tmux, bogus)
        XCTAssertFalse(output(of: bogus, in: afterError).isEmpty, "no error message for \(bogus)")

        // Up recalls the previous entries, newest first.
        tmux.press("Up")
        try tmux.waitFor("Up recalling the erroneous line") { $0.last == "ydnn> " + bogus }
        tmux.press("Up")
        try tmux.waitFor("Up recalling let x = 5") { $0.last == "ydnn> let x = 5" }
        tmux.press("C-u")
        try tmux.waitFor("the recalled line cleared") { $0.last == "ydnn>" }

        // The variable survived the error.
        let vars = output(of: ":vars", in: try submit(tmux, ":vars"))
        XCTAssertTrue(vars.contains { $0.range(of: #"\bx\b.*5"#, options: .regularExpression) != nil },
                      ":vars shows no x = 5: \(vars)")

        // `$` belongs to the word, so a variable completes with its sigil. The non-ASCII
        // text before it checks that the engine gets the cursor as a UTF-8 offset
        // (libedit counts characters).
        _ = try submit(tmux, "let zebra_count = 7")
        tmux.type("print \"ééé→→→\" $zeb")
        try tmux.waitFor("$zeb typed") { $0.last == "ydnn> print \"ééé→→→\" $zeb" }
        tmux.press("Tab")
        try tmux.waitFor("$zeb completed to $zebra_count") { $0.last == "ydnn> print \"ééé→→→\" $zebra_count" }
        tmux.press("C-u")
        try tmux.waitFor("the line cleared by C-u") { $0.last == "ydnn>" }

        // An open bracket asks for more with the continuation prompt; the two lines
        // become one history entry.
        tmux.type("let v = [1,")
        try tmux.waitFor("the open bracket typed") { $0.last == "ydnn> let v = [1," }
        tmux.press("Enter")
        try tmux.waitFor("the continuation prompt") { $0.last == "  ...>" }
        _ = try submit(tmux, "2]")

        // Ctrl-C drops a half-typed line, and a pending continuation with it.
        tmux.type("let half = ")
        try tmux.waitFor("the half line typed") { $0.last == "ydnn> let half =" }
        tmux.press("C-c")
        try tmux.waitFor("a fresh prompt after C-c") { rows in
            rows.last == "ydnn>" && rows.dropLast().last == "ydnn> let half ="
        }
        tmux.type("let w = [")
        try tmux.waitFor("another open bracket") { $0.last == "ydnn> let w = [" }
        tmux.press("Enter")
        try tmux.waitFor("the continuation prompt") { $0.last == "  ...>" }
        tmux.press("C-c")
        try tmux.waitFor("the main prompt after C-c in a continuation") { $0.last == "ydnn>" }

        // Up shows the whole two-line statement, not just its last line.
        tmux.press("Up")
        try tmux.waitFor("the multi-line entry recalled") { rows in
            rows.count >= 2 && rows.last == "2]" && rows[rows.count - 2] == "ydnn> let v = [1,"
        }
        tmux.press("C-u")
        tmux.press("Down")

        // Ctrl-D on an empty line ends the session cleanly.
        try tmux.waitFor("an empty prompt") { $0.last == "ydnn>" }
        tmux.press("C-d")
        XCTAssertEqual(try tmux.waitForExit(), 0)

        let history = try String(contentsOfFile: historyPath, encoding: .utf8)
        let entries = history.split(separator: "\n").map(String.init)
        for expected in ["let x = 5", bogus, ":vars", #"let v = [1,\n2]"#] {
            XCTAssertTrue(entries.contains(expected), "history lacks \(expected):\n\(history)")
        }
        for dropped in ["let half", "let w", "pri"] {
            XCTAssertFalse(entries.contains { $0.hasPrefix(dropped) }, "history kept \(dropped):\n\(history)")
        }
    }

    func testHistoryPersistsIntoTheNextSession() throws {
        var tmux = try startRepl()
        _ = try submit(tmux, "let y = 7")
        tmux.type(":q")
        try tmux.waitFor(":q typed") { $0.last == "ydnn> :q" }
        tmux.press("Enter")
        XCTAssertEqual(try tmux.waitForExit(), 0)
        tmux.kill()

        tmux = try startRepl()
        defer { tmux.kill() }
        tmux.press("Up")
        try tmux.waitFor("Up recalling :q from the last session") { $0.last == "ydnn> :q" }
        tmux.press("Up")
        try tmux.waitFor("Up recalling let y = 7 from the last session") { $0.last == "ydnn> let y = 7" }
        tmux.press("C-u")
        try tmux.waitFor("an empty prompt") { $0.last == "ydnn>" }

        // `:history` numbers the entries, the last session's first.
        let listing = output(of: ":history", in: try submit(tmux, ":history"))
        XCTAssertEqual(listing.map { $0.trimmingCharacters(in: .whitespaces) },
                       ["1  let y = 7", "2  :q", "3  :history"])
        tmux.press("C-d")
        XCTAssertEqual(try tmux.waitForExit(), 0)
    }

    /// libedit reads ~/.editrc, with lines for this program prefixed `ydnn:`.
    func testEditrcIsRead() throws {
        // Ctrl-R is reverse search by default; rebound, it upper-cases the next word.
        try Data("ydnn:bind ^R em-upper-case\n".utf8).write(to: home.appendingPathComponent(".editrc"))
        let tmux = try startRepl()
        defer { tmux.kill() }
        tmux.type("abc def")
        try tmux.waitFor("abc def typed") { $0.last == "ydnn> abc def" }
        tmux.press("C-a", "C-r")
        try tmux.waitFor("the first word upper-cased by the .editrc binding") { $0.last == "ydnn> ABC def" }
        tmux.press("C-u")
        try tmux.waitFor("an empty prompt") { $0.last == "ydnn>" }
        tmux.press("C-d")
        XCTAssertEqual(try tmux.waitForExit(), 0)
    }
}
