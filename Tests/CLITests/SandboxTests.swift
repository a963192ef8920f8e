import Foundation
import XCTest

/// A shared recipe writes only inside the working directory and its own
/// folder (plus what `--allow-write` names), through the one atomic writer:
/// every case here runs the real binary, as the hostile tester did.
final class SandboxTests: XCTestCase {
    /// root/proj holds the recipe; root/victim is somebody else's folder.
    struct Layout {
        let root: URL
        var proj: URL { root.appendingPathComponent("proj") }
        var victim: URL { root.appendingPathComponent("victim") }
        var secret: String { victim.appendingPathComponent("important.txt").path }

        init() throws {
            root = try Ydnn.tempDir()
            try FileManager.default.createDirectory(at: root.appendingPathComponent("proj"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: root.appendingPathComponent("victim"), withIntermediateDirectories: true)
            try "secret\n".write(toFile: secret, atomically: false, encoding: .utf8)
            chmod(secret, 0o600)
        }

        func recipe(_ name: String, _ text: String) throws -> String {
            try text.write(to: proj.appendingPathComponent(name), atomically: true, encoding: .utf8)
            return name
        }

        /// The victim's file is exactly as planted.
        func assertVictimUntouched(file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertEqual(try? String(contentsOfFile: secret, encoding: .utf8), "secret\n", file: file, line: line)
            XCTAssertEqual(mode(secret), 0o600, file: file, line: line)
            XCTAssertEqual(try? FileManager.default.contentsOfDirectory(atPath: victim.path), ["important.txt"], file: file, line: line)
        }
    }

    static func mode(_ path: String) -> mode_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & 0o7777 : nil
    }
    func mode(_ path: String) -> mode_t? { Self.mode(path) }

    static let data = "generate users=200 items=400\nvocab min_count=1\nsplit holdout=last\nwindow 5\nembed items 8\ntrain epochs=1\n"

    func testEscapesAreRefusedByCheckAndByRun() throws {
        let l = try Layout()
        let fresh = "/tmp/ydnn-sbx-\(UUID().uuidString)"
        let escapes: [(statement: String, message: String)] = [
            ("mine \"../victim/important.txt\"", "outside the folders this recipe may write"),
            ("mine \"\(l.secret)\"", "outside the folders this recipe may write"),
            ("mine \"\(fresh)/../../etc/ydnn-never\"", "outside the folders this recipe may write"),
            ("generate users=200 items=400 out=\"link.tsv\"", "symbolic link"),
            ("vectors items \"inner/up/../../../victim/v.tsv\"", "outside the folders this recipe may write"),
        ]
        symlink("../victim/important.txt", l.proj.appendingPathComponent("link.tsv").path)
        for (k, e) in escapes.enumerated() {
            let name = try l.recipe("escape\(k).ydnn", Self.data + e.statement + "\n")
            let check = try Ydnn.run(["check", name], in: l.proj)
            XCTAssertEqual(check.status, 1, "\(e.statement): \(check.err)")
            XCTAssertTrue(check.err.contains("\(name):7:") && check.err.contains(e.message) && check.err.contains("^"),
                          "\(e.statement): \(check.err)")
            // The statement is refused before anything runs (the check runs first).
            let run = try Ydnn.run(["run", name, "--no-log"], in: l.proj)
            XCTAssertEqual(run.status, 1, run.err)
            XCTAssertFalse(run.out.contains("trained"), run.out)
            l.assertVictimUntouched()
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: fresh), "a folder was created outside the sandbox")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: l.proj.appendingPathComponent("link.tsv").path),
                       "../victim/important.txt")
    }

    func testAPathKnownOnlyAtRunTimeIsJudgedBeforeTheWrite() throws {
        let l = try Layout()
        // The name comes from a command's result: the check cannot know it.
        let name = try l.recipe("late.ydnn", Self.data + "let r = popular top=1\nmine \"../victim/top$r.tsv\"\n")
        let run = try Ydnn.run(["run", name, "--no-log"], in: l.proj)
        XCTAssertEqual(run.status, 1, run.err)
        XCTAssertTrue(run.err.contains("outside the folders this recipe may write"), run.err)
        XCTAssertTrue(run.err.contains("--allow-write"), run.err)
        l.assertVictimUntouched()
    }

    func testAllowWriteWidensTheSandboxAndTheModeIsKept() throws {
        let l = try Layout()
        let name = try l.recipe("allowed.ydnn", Self.data + "mine \"../victim/important.txt\" top=3\n")
        let run = try Ydnn.run(["run", name, "--no-log", "--allow-write", "../victim"], in: l.proj)
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertNotEqual(try String(contentsOfFile: l.secret, encoding: .utf8), "secret\n")
        XCTAssertEqual(mode(l.secret), 0o600, "the replaced file keeps its mode")
        let missing = try Ydnn.run(["run", name, "--allow-write", "../nowhere"], in: l.proj)
        XCTAssertNotEqual(missing.status, 0, missing.err)
        XCTAssertTrue(missing.err.contains("--allow-write ../nowhere: no such folder"), missing.err)
    }

    func testIncludesAndStdinDoNotWiden() throws {
        let l = try Layout()
        // A recipe included from another folder cannot write in it.
        let evil = l.root.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: evil, withIntermediateDirectories: true)
        try "mine \"\(evil.path)/out.tsv\"\n".write(to: evil.appendingPathComponent("evil.ydnn"), atomically: true, encoding: .utf8)
        let name = try l.recipe("inc.ydnn", Self.data + "include \"../elsewhere/evil.ydnn\"\n")
        let check = try Ydnn.run(["check", name], in: l.proj)
        XCTAssertEqual(check.status, 1, check.err)
        XCTAssertTrue(check.err.contains("outside the folders this recipe may write"), check.err)
        // Piped on stdin: only the working directory.
        let piped = try Ydnn.run([], input: Self.data + "mine \"../victim/important.txt\"\nprint \"after\"\n", in: l.proj)
        XCTAssertTrue(piped.err.contains("outside the folders this recipe may write"), piped.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: evil.appendingPathComponent("out.tsv").path))
        l.assertVictimUntouched()
    }

    func testFoldersAreCreatedInsideAndTildeIsHome() throws {
        let l = try Layout()
        let home = l.proj.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let name = try l.recipe("made.ydnn", Self.data + "save model \"out/a/b/m.bin\"\nsave model \"~/m2.bin\"\nload model \"~/m2.bin\"\n")
        let check = try Ydnn.run(["check", name], in: l.proj, environment: ["HOME": home.path])
        XCTAssertEqual(check.status, 0, "a file saved earlier in the recipe may be loaded later: \(check.err)")
        let run = try Ydnn.run(["run", name, "--no-log"], in: l.proj, environment: ["HOME": home.path])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: l.proj.appendingPathComponent("out/a/b/m.bin").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: home.appendingPathComponent("m2.bin").path), run.out)
        // Onto something that is not a folder: the writer's own message, not "cannot load".
        try "x".write(to: l.proj.appendingPathComponent("plain"), atomically: true, encoding: .utf8)
        let bad = try l.recipe("bad.ydnn", Self.data + "save model \"plain/m.bin\"\n")
        let r = try Ydnn.run(["run", bad, "--no-log"], in: l.proj)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("cannot write plain/m.bin") && !r.err.contains("cannot load"), r.err)
    }

    /// kill -9 at any moment leaves the old file or the complete new one, and
    /// the next write to the same target removes the dead run's temporary file.
    func testKillNineDuringAWriteLeavesTheOldOrTheNewFile() throws {
        guard let binary = Ydnn.path else { return XCTFail("no ydnn binary") }
        let l = try Layout()
        let name = try l.recipe("big.ydnn", "generate users=60000 items=5000 out=\"big.txt\"\n")
        let target = l.proj.appendingPathComponent("big.txt").path
        XCTAssertEqual(try Ydnn.run(["run", name, "--no-log"], in: l.proj).status, 0)
        let complete = try Data(contentsOf: URL(fileURLWithPath: target))
        XCTAssertGreaterThan(complete.count, 1_000_000)
        let old = Data("old contents\n".utf8)
        var outcomes: Set<String> = []
        for delay in [0.05, 0.2, 0.4, 0.6, 0.8, 1.0, 1.3] {
            try old.write(to: URL(fileURLWithPath: target))
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["run", name, "--no-log"]
            p.currentDirectoryURL = l.proj
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: delay)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let now = try Data(contentsOf: URL(fileURLWithPath: target))
            XCTAssertTrue(now == old || now == complete, "after kill -9 at \(delay)s: \(now.count) bytes")
            outcomes.insert(now == old ? "old" : "new")
        }
        XCTAssertTrue(outcomes.contains("old"), "no kill landed before the rename; the test proves nothing")
        // A later write cleans what the killed runs left.
        XCTAssertEqual(try Ydnn.run(["run", name, "--no-log"], in: l.proj).status, 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: l.proj.path).filter { $0.hasPrefix(".big.txt.tmp-") }
        XCTAssertEqual(left, [])
    }

    func testReadOnlyRunLogIsAWarningAndStaysAsItWas() throws {
        let l = try Layout()
        let name = try l.recipe("logged.ydnn", Self.data + "experiment \"e\" repeat=1 {\n  train epochs=1\n  evaluate hr@10\n}\n")
        let log = l.proj.appendingPathComponent("runs.jsonl").path
        try "{}\n".write(toFile: log, atomically: false, encoding: .utf8)
        chmod(log, 0o444)
        let r = try Ydnn.run(["run", name], in: l.proj)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("warning: the results were not recorded") && r.err.contains("read-only"), r.err)
        XCTAssertFalse(r.err.contains("NSPOSIXErrorDomain"), r.err)
        XCTAssertEqual(try String(contentsOfFile: log, encoding: .utf8), "{}\n")
        chmod(log, 0o644)
        XCTAssertEqual(try Ydnn.run(["run", name], in: l.proj).status, 0)
        XCTAssertEqual(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").count, 2)
    }

    /// A recipe `:load`ed in the REPL may also write in its own folder, and no further.
    func testALoadedRecipeMayWriteInItsOwnFolder() throws {
        let l = try Layout()
        let other = l.root.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try (Self.data + "mine \"\(other.path)/own.tsv\" top=2\n")
            .write(to: other.appendingPathComponent("r.ydnn"), atomically: true, encoding: .utf8)
        try (Self.data + "mine \"\(l.victim.path)/x.tsv\"\n").write(to: other.appendingPathComponent("bad.ydnn"), atomically: true, encoding: .utf8)
        let r = try Ydnn.run([], input: ":load ../other/r.ydnn\n:load ../other/bad.ydnn\n", in: l.proj)
        XCTAssertTrue(FileManager.default.fileExists(atPath: other.appendingPathComponent("own.tsv").path), r.out + r.err)
        XCTAssertTrue(r.err.contains("outside the folders this recipe may write"), r.err)
        l.assertVictimUntouched()
    }
}
