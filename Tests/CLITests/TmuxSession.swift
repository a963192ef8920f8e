import Foundation
import XCTest

/// A program running in a real terminal: a detached tmux session on a private tmux
/// server, so tests can type keys (Tab, arrows, Ctrl-C) and read the screen as a user
/// would see it. Every wait polls the screen with a timeout instead of sleeping.
///
///     let tmux = try TmuxSession(command: [bin], environment: ["HOME": home])
///     defer { tmux.kill() }
///     try tmux.waitForText("ydnn> ")
///     tmux.type("print 1"); tmux.press("Enter")
final class TmuxSession {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The private server: its own socket, so a developer's tmux is never touched.
    let socket = "ydnn-test-\(getpid())-\(UUID().uuidString.prefix(8))"
    let target = "t"
    private let configURL: URL
    private let statusURL: URL
    private var killed = false

    /// Starts `command` (argv, no shell parsing of its words) in a `width`×`height`
    /// terminal with `environment` added to this process's environment.
    init(command: [String], environment: [String: String] = [:],
         width: Int = 120, height: Int = 40) throws {
        // remain-on-exit keeps the pane (and its exit status) after the program ends, so
        // a test can still read the last screen and check how it exited. It must be in
        // the config: set after start, it would race a program that exits at once.
        configURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket).conf")
        try Data("set -g remain-on-exit on\nset -g status off\nset -g history-limit 10000\n".utf8)
            .write(to: configURL)
        statusURL = configURL.deletingPathExtension().appendingPathExtension("status")
        let env = environment.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }
        // A small shell stays as the program's parent to record its exit status. It traps
        // SIGINT (a no-op handler, reset to default in the program by exec) because
        // Ctrl-C goes to the whole foreground process group and must not kill it.
        let wrapper = #"status=$1; shift; trap : INT; "$@"; echo $? > "$status""#
        let shellCommand = (["/bin/sh", "-c", wrapper, "sh", statusURL.path, "/usr/bin/env"] + env + command)
            .map(TmuxSession.shellQuote).joined(separator: " ")
        try tmux(["-f", configURL.path, "new-session", "-d", "-s", target,
                  "-x", String(width), "-y", String(height), shellCommand])
    }

    deinit { kill() }

    /// Types `text` literally (no key-name lookup: "Enter" would be five letters).
    func type(_ text: String) {
        _ = try? tmux(["send-keys", "-t", target, "-l", "--", text])
    }

    /// Presses keys by tmux name: "Enter", "Tab", "Up", "C-c", "C-d", "C-u".
    func press(_ keys: String...) {
        _ = try? tmux(["send-keys", "-t", target] + keys)
    }

    /// Everything the terminal has shown: scrollback then the visible screen, one string
    /// per row, trailing blanks and blank rows at the end trimmed. With the scrollback
    /// the row count only grows, so "a new row appeared" stays detectable after the
    /// screen starts scrolling.
    func screen() -> [String] {
        let text = (try? tmux(["capture-pane", "-p", "-S", "-", "-t", target])) ?? ""
        var rows = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.reversed().drop(while: { $0 == " " }).reversed())
        }
        while rows.last == "" { rows.removeLast() }
        return rows
    }

    /// Polls until `condition` holds for the screen; returns that screen or throws with
    /// the last screen seen, so a failure shows what the terminal looked like.
    @discardableResult
    func waitFor(_ what: String, timeout: TimeInterval = 10,
                 _ condition: ([String]) -> Bool) throws -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        var rows = screen()
        while !condition(rows) {
            guard Date() < deadline else {
                throw Failure(description: "timed out after \(timeout)s waiting for \(what); screen:\n"
                    + rows.joined(separator: "\n"))
            }
            usleep(50_000)
            rows = screen()
        }
        return rows
    }

    @discardableResult
    func waitForText(_ text: String, timeout: TimeInterval = 10) throws -> [String] {
        try waitFor("\"\(text)\" on screen", timeout: timeout) { $0.contains(where: { $0.contains(text) }) }
    }

    /// The program's exit status once it has ended (128 + N if signal N killed it),
    /// nil while it runs. Read from the file the wrapper shell writes: tmux 3.3's own
    /// `pane_dead_status` was measured to stay empty at random, though the pane had died.
    func exitStatus() -> Int32? {
        guard let text = try? String(contentsOf: statusURL, encoding: .utf8),
              text.hasSuffix("\n") else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func waitForExit(timeout: TimeInterval = 10) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let status = exitStatus() { return status }
            guard Date() < deadline else {
                throw Failure(description: "program still running after \(timeout)s; screen:\n"
                    + screen().joined(separator: "\n"))
            }
            usleep(50_000)
        }
    }

    /// Ends the program and the private server. Safe to call twice.
    func kill() {
        guard !killed else { return }
        killed = true
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(at: configURL)
        try? FileManager.default.removeItem(at: statusURL)
    }

    /// Runs one tmux client command against the private server; returns its stdout.
    ///
    /// Spawned and reaped by hand rather than with Foundation's `Process`: the client
    /// that starts the server forks it with the client's descriptors, and `Process`
    /// on Linux only notices the exit when every copy of its status socket closes, so
    /// `waitUntilExit` never returned. Output goes through temporary files for the
    /// same reason (a pipe would never reach EOF).
    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        let outURL = TmuxSession.scratchFile(), errURL = TmuxSession.scratchFile()
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        var env = ProcessInfo.processInfo.environment
        // Inside a developer's tmux, TMUX would point clients at the wrong server.
        env.removeValue(forKey: "TMUX")
        let status = try TmuxSession.spawnAndWait(
            ["/usr/bin/env", "tmux", "-L", socket] + arguments,
            environment: env.map { "\($0.key)=\($0.value)" },
            stdout: outURL.path, stderr: errURL.path)
        guard status == 0 else {
            let message = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw Failure(description: "tmux \(arguments.joined(separator: " ")) failed (\(status)): \(message)")
        }
        return (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
    }

    private static func spawnAndWait(_ argv: [String], environment: [String],
                                     stdout: String, stderr: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_TRUNC, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_TRUNC, 0)

        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, cEnv)
        guard rc == 0 else {
            throw Failure(description: "cannot start \(argv[0]): \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw Failure(description: "waitpid failed: errno \(errno)") }
        }
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    private static func scratchFile() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ydnn-tmux-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        return url
    }

    static func isInstalled() -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/tmux")
        }
    }

    private static func shellQuote(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
