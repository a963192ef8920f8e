import Foundation
import XCTest

/// `ydnn kernel` spoken to directly, as docs/kernel-protocol.md describes it
/// (python/tests does the same through Jupyter).
final class KernelProtocolTests: XCTestCase {
    final class Kernel {
        let process = Process()
        let stdin = Pipe(), stdout = Pipe()
        var buffer = Data()

        init(in directory: URL) throws {
            guard let path = Ydnn.path else { throw XCTSkip("no ydnn binary") }
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = ["kernel"]
            process.currentDirectoryURL = directory
            process.standardInput = stdin
            process.standardOutput = stdout
            process.standardError = FileHandle.nullDevice
            try process.run()
            // A watchdog: a reply that never comes must fail the test, not hang it.
            let p = process
            DispatchQueue.global().asyncAfter(deadline: .now() + 120) { if p.isRunning { p.terminate() } }
        }

        func send(_ object: [String: Any]) throws {
            stdin.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: object) + Data("\n".utf8))
        }

        func next() throws -> [String: Any] {
            while true {
                if let nl = buffer.firstIndex(of: 0x0A) {
                    let line = buffer[buffer.startIndex..<nl]
                    buffer = Data(buffer[buffer.index(after: nl)...])
                    return try XCTUnwrap(try JSONSerialization.jsonObject(with: line) as? [String: Any])
                }
                let chunk = stdout.fileHandleForReading.availableData
                if chunk.isEmpty { throw CocoaError(.fileReadUnknown) }
                buffer += chunk
            }
        }

        /// Sends a request; returns every message for it, the reply last.
        func request(_ object: [String: Any]) throws -> [[String: Any]] {
            try send(object)
            var out: [[String: Any]] = []
            while true {
                let m = try next()
                guard (m["id"] as? Int) == (object["id"] as? Int) else { continue }
                out.append(m)
                if (m["type"] as? String)?.hasSuffix("_reply") == true { return out }
            }
        }
    }

    func testExecuteStreamsOutputAndReportsErrors() throws {
        let dir = try Ydnn.tempDir()
        let k = try Kernel(in: dir)
        defer { k.process.terminate() }
        let ready = try k.next()
        XCTAssertEqual(ready["type"] as? String, "ready")
        XCTAssertEqual(ready["protocol_version"] as? Int, 1)

        var msgs = try k.request(["type": "execute", "id": 1, "code": "let x = 2\nprint \"x=$x\""])
        XCTAssertEqual(msgs.first?["type"] as? String, "stream")
        XCTAssertEqual(msgs.first?["text"] as? String, "x=2\n")
        XCTAssertEqual(msgs.last?["status"] as? String, "ok")
        XCTAssertEqual(msgs.last?["execution_count"] as? Int, 1)

        msgs = try k.request(["type": "execute", "id": 2, "code": "print $y", "name": "cell[2]"])
        let error = try XCTUnwrap(msgs.first { $0["type"] as? String == "error" })
        let traceback = (error["traceback"] as? [String] ?? []).joined(separator: "\n")
        XCTAssertTrue(traceback.hasPrefix("cell[2]:1:7: error: undefined variable '$y'"), traceback)
        XCTAssertTrue(traceback.contains("print $y\n      ^~"), traceback)
        XCTAssertEqual(error["ename"] as? String, "CheckError")
        XCTAssertEqual(msgs.last?["status"] as? String, "error")

        // The session survives the error.
        msgs = try k.request(["type": "execute", "id": 3, "code": "print $x"])
        XCTAssertEqual(msgs.first?["text"] as? String, "2\n")

        // Tables are display data: HTML with the text beside it.
        msgs = try k.request(["type": "execute", "id": 4, "code": ":vars"])
        let data = try XCTUnwrap(msgs.first { $0["type"] as? String == "display_data" }?["data"] as? [String: String])
        XCTAssertTrue(data["text/html"]?.hasPrefix("<table>") == true)
        XCTAssertTrue(data["text/plain"]?.contains("$x") == true)

        let complete = try k.request(["type": "complete", "id": 5, "code": "train epo", "cursor_pos": 9]).last!
        XCTAssertEqual(complete["matches"] as? [String], ["epochs="])
        XCTAssertEqual(complete["cursor_start"] as? Int, 6)
        let inspect = try k.request(["type": "inspect", "id": 6, "code": "evaluate hr@10", "cursor_pos": 3]).last!
        XCTAssertEqual(inspect["found"] as? Bool, true)
        XCTAssertTrue((inspect["text"] as? String)?.hasPrefix("usage: evaluate") == true)
        let incomplete = try k.request(["type": "is_complete", "id": 7, "code": "for x in [1, 2] {"]).last!
        XCTAssertEqual(incomplete["status"] as? String, "incomplete")
        try k.send(["type": "executr", "id": 8])
        let unknown = try k.next()
        XCTAssertEqual(unknown["type"] as? String, "protocol_error")
        XCTAssertTrue((unknown["message"] as? String)?.contains("did you mean 'execute'") == true, "\(unknown)")
        try k.send(["type": "shutdown", "id": 9])
        k.process.waitUntilExit()
        XCTAssertEqual(k.process.terminationStatus, 0)
    }

    func testInterruptMessageStopsTrainingAndKeepsTheModel() throws {
        let dir = try Ydnn.tempDir()
        let k = try Kernel(in: dir)
        defer { k.process.terminate() }
        _ = try k.next()
        let setup = "seed 1\ngenerate users=600 items=200\nvocab min_count=2\nwindow 5\nembed user_id 8\nlstm items 16\ndense 16 relu\nnce"
        XCTAssertEqual(try k.request(["type": "execute", "id": 1, "code": setup]).last?["status"] as? String, "ok")
        try k.send(["type": "execute", "id": 2, "code": "train epochs=1000"])
        var sawProgress = false
        while !sawProgress {
            let m = try k.next()
            sawProgress = m["type"] as? String == "update_display_data"
        }
        try k.send(["type": "interrupt", "id": 3])
        var reply: [String: Any] = [:], text = ""
        while reply.isEmpty {
            let m = try k.next()
            if m["type"] as? String == "stream" { text += m["text"] as? String ?? "" }
            if m["type"] as? String == "execute_reply" { reply = m }
        }
        XCTAssertEqual(reply["status"] as? String, "error")
        XCTAssertEqual(reply["ename"] as? String, "Interrupted")
        XCTAssertTrue(text.contains("weights kept"), text)
        let after = try k.request(["type": "execute", "id": 4, "code": "evaluate hr@10"])
        XCTAssertEqual(after.last?["status"] as? String, "ok")
    }

    func testPipedRequestsAreAllAnsweredAndRuntimeErrorsAreNamed() throws {
        let input = [
            #"{"type":"execute","id":1,"code":"print 1\nrecall U1"}"#,
            #"not json"#,
            #"{"type":"execute","id":2,"code":"print 2"}"#,
        ].joined(separator: "\n") + "\n"
        let r = try Ydnn.run(["kernel"], input: input, in: try Ydnn.tempDir())
        XCTAssertEqual(r.status, 0, r.err)
        var msgs = try r.out.split(separator: "\n").map { line in
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        // The bad line is answered by the reader at once, so wherever it lands.
        XCTAssertEqual(msgs.filter { $0["type"] as? String == "protocol_error" }.count, 1)
        msgs.removeAll { $0["type"] as? String == "protocol_error" }
        let types = msgs.map { $0["type"] as? String ?? "?" }
        XCTAssertEqual(types, ["ready", "stream", "error", "execute_reply", "stream", "execute_reply"], "\(msgs)")
        // The first statement ran, the second failed at run time: a RuntimeError at its line.
        XCTAssertEqual(msgs[1]["text"] as? String, "1\n")
        XCTAssertEqual(msgs[2]["ename"] as? String, "RuntimeError")
        XCTAssertTrue((msgs[2]["traceback"] as? [String])?.first?.hasPrefix("In[1]:2:") == true, "\(msgs[2])")
        XCTAssertEqual(msgs[5]["status"] as? String, "ok")
    }
}
