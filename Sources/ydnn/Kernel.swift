import ArgumentParser
import Foundation
import YDNN
import YDNNScript

/// `ydnn kernel`: one interpreter session served over stdio as JSON lines, for
/// the Jupyter kernel (python/ydnn_kernel) and any other rich client. The
/// protocol is described in docs/kernel-protocol.md.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Serve one session over stdin/stdout as JSON lines (the Jupyter kernel's back end).",
        discussion: "Requests: execute, complete, inspect, is_complete, interrupt, kernel_info, shutdown. See docs/kernel-protocol.md.")

    @OptionGroup var write: WriteOptions

    mutating func run() throws {
        // A notebook is a recipe too: its cells write where the kernel was started.
        WriteSandbox.current = WriteSandbox(allowing: [FileManager.default.currentDirectoryPath] + write.allowWrite)
        let server = KernelServer()
        throw ExitCode(server.serve())
    }
}

/// The protocol's version, sent in the `ready` message and kernel_info replies.
let kernelProtocolVersion = 1

/// Writes protocol messages: one JSON object per line on the real stdout. Stray
/// output of any code (a library's `print`) goes to stderr instead, so it can
/// never corrupt the stream.
final class KernelTransport: @unchecked Sendable {  // writes are serialised by `lock`
    private let fd: Int32
    private let lock = NSLock()

    init() {
        fflush(nil)
        fd = dup(1)
        dup2(2, 1)
    }

    func send(_ message: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: message, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            FileHandle.standardError.write(Data("ydnn kernel: cannot encode a message of type \(message["type"] ?? "?")\n".utf8))
            return
        }
        var bytes = [UInt8](data)
        bytes.append(0x0A)
        lock.lock(); defer { lock.unlock() }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                // Nobody reads our output any more (the client died, say during a
                // long `train`): there is no one to work for.
                if errno == EPIPE { _exit(0) }
                return
            }
            written += n
        }
    }
}

/// Requests waiting for the session, filled by the reader thread.
final class RequestQueue: @unchecked Sendable {  // guarded by `condition`
    private var items: [[String: Any]] = []
    private var closed = false
    private let condition = NSCondition()

    func push(_ item: [String: Any]) { condition.lock(); items.append(item); condition.signal(); condition.unlock() }
    func close() { condition.lock(); closed = true; condition.broadcast(); condition.unlock() }

    /// The next request; nil once the input has ended and nothing is left.
    func pop() -> [String: Any]? {
        condition.lock(); defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        return items.isEmpty ? nil : items.removeFirst()
    }
}

/// The reader thread uses only `transport` and `queue` (both locked); the session
/// runs on the main thread alone.
final class KernelServer: @unchecked Sendable {
    let transport = KernelTransport()
    let queue = RequestQueue()
    let session: KernelSession

    init() {
        session = KernelSession(transport: transport)
    }

    /// Reads requests until `shutdown` or end of input; returns the exit status.
    func serve() -> Int32 {
        CancellationToken.installInterruptHandler()
        signal(SIGPIPE, SIG_IGN)
        transport.send(["type": "ready"].merging(session.kernelInfo()) { a, _ in a })
        let reader = Thread { [self] in self.readLoop() }
        reader.stackSize = 1 << 20
        reader.start()
        while let request = queue.pop() {
            if session.handle(request) { return 0 }
        }
        return 0
    }

    /// Reads lines from stdin. `interrupt` is handled here at once (the session
    /// may be busy); everything else is queued for the session, in order.
    private func readLoop() {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; break }
            if n == 0 { break }
            pending += buffer[0..<n]
            while let nl = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[..<nl])
                pending.removeSubrange(...nl)
                handleLine(line)
            }
        }
        if !pending.isEmpty { handleLine(pending) }
        // End of input: answer what was asked, then exit. (A client that died
        // mid-cell is noticed when its output pipe breaks: see KernelTransport.)
        queue.close()
    }

    private func handleLine(_ bytes: [UInt8]) {
        guard bytes.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) else { return }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)), let request = object as? [String: Any] else {
            transport.send(["type": "protocol_error", "message": "not a JSON object: \(String(decoding: bytes.prefix(200), as: UTF8.self))"])
            return
        }
        if request["type"] as? String == "interrupt" {
            CancellationToken.process.cancel()
            transport.send(["type": "interrupt_reply", "id": request["id"] ?? NSNull()])
            return
        }
        queue.push(request)
    }
}

/// The session behind the protocol: one interpreter whose state lasts across
/// cells, with its console's output turned into protocol messages.
final class KernelSession {
    let transport: KernelTransport
    var interpreter: Interpreter!
    private var executionCount = 0
    /// The request whose output is being produced.
    private var currentID: Any = NSNull()
    /// Text written to stderr, held back until the next output: when the cell
    /// fails, the last of it is the error (sent as an `error` message instead).
    private var heldError: String?
    /// This cell's progress display, and whether a table or chart came after its end.
    private var progressDisplay: String?
    private var progressEnded = false
    private var progressCount = 0

    init(transport: KernelTransport) {
        self.transport = transport
        let console = Console(isTerminal: false,
                              out: { [unowned self] text in self.stream("stdout", text) },
                              err: { [unowned self] text in self.errorText(text) })
        console.chartSink = { [unowned self] svg, title in self.display(Notebook.mimeBundle(chart: svg, title: title)) }
        console.tableSink = { [unowned self] table, title, indent in
            self.display(Notebook.mimeBundle(table: table, title: title, indent: indent))
        }
        console.progressSink = { [unowned self] event in self.progress(event) }
        interpreter = Interpreter(console: console)
    }

    func kernelInfo() -> [String: Any] {
        ["protocol_version": kernelProtocolVersion, "ydnn_version": ydnnVersion,
         "language_info": (NotebookDocument.ydnnMetadata(version: ydnnVersion)["language_info"] as? [String: Any]) ?? [:],
         "banner": "ydnn \(ydnnVersion): YouTube-DNN candidate-generation experiments. 'help' lists the commands."]
    }

    // MARK: - Output

    private func send(_ type: String, _ fields: [String: Any]) {
        var m = fields
        m["type"] = type
        m["id"] = currentID
        transport.send(m)
    }

    private func flushHeldError() {
        if let held = heldError { heldError = nil; send("stream", ["name": "stderr", "text": held]) }
    }

    private func stream(_ name: String, _ text: String) {
        flushHeldError()
        guard !text.isEmpty else { return }
        send("stream", ["name": name, "text": text])
    }

    private func errorText(_ text: String) {
        flushHeldError()
        heldError = text
    }

    private func display(_ data: [String: String]) {
        flushHeldError()
        if progressEnded { progressDisplay = nil; progressEnded = false }
        send("display_data", ["data": data, "metadata": [String: Any]()])
    }

    /// Progress goes to one display per cell, updated in place; a new one starts
    /// only after a table or chart followed the previous one's end.
    private func progress(_ event: ProgressEvent) {
        switch event {
        case .update(let fraction, let text):
            let data = Notebook.mimeBundle(progress: fraction, text: text)
            if let id = progressDisplay {
                progressEnded = false
                send("update_display_data", ["data": data, "metadata": [String: Any](), "display_id": id])
            } else {
                flushHeldError()
                progressCount += 1
                let id = "ydnn-progress-\(executionCount)-\(progressCount)"
                progressDisplay = id
                send("display_data", ["data": data, "metadata": [String: Any](), "display_id": id])
            }
        case .end:
            progressEnded = true
        }
    }

    // MARK: - Requests

    /// Handles one request; returns true when the kernel should exit.
    func handle(_ request: [String: Any]) -> Bool {
        currentID = request["id"] ?? NSNull()
        let type = request["type"] as? String ?? ""
        switch type {
        case "execute":
            execute(code: request["code"] as? String ?? "", name: request["name"] as? String)
        case "complete":
            let code = request["code"] as? String ?? ""
            let (matches, start, end) = complete(code: code, cursor: cursorPosition(request, code))
            send("complete_reply", ["matches": matches, "cursor_start": start, "cursor_end": end])
        case "inspect":
            let code = request["code"] as? String ?? ""
            if let text = inspect(code: code, cursor: cursorPosition(request, code)) {
                send("inspect_reply", ["found": true, "text": text])
            } else {
                send("inspect_reply", ["found": false, "text": ""])
            }
        case "is_complete":
            let code = request["code"] as? String ?? ""
            if isIncomplete(code) {
                send("is_complete_reply", ["status": "incomplete", "indent": "  "])
            } else {
                send("is_complete_reply", ["status": "complete"])
            }
        case "kernel_info":
            send("kernel_info_reply", kernelInfo())
        case "shutdown":
            send("shutdown_reply", ["restart": request["restart"] as? Bool ?? false])
            return true
        default:
            let known = ["execute", "complete", "inspect", "is_complete", "interrupt", "kernel_info", "shutdown"]
            let hint = closestMatch(to: type, in: known).map { "; did you mean '\($0)'?" } ?? ""
            send("protocol_error", ["message": "unknown request type '\(type)'\(hint)"])
        }
        return false
    }

    private func cursorPosition(_ request: [String: Any], _ code: String) -> Int {
        (request["cursor_pos"] as? Int) ?? code.unicodeScalars.count
    }

    /// Runs a cell in the session. Its output streams as it is produced; the
    /// reply says ok, or error with the diagnostic (file:line:col, the line, a
    /// caret, "did you mean").
    func execute(code: String, name: String?) {
        executionCount += 1
        progressDisplay = nil; progressEnded = false; progressCount = 0
        heldError = nil
        CancellationToken.process.reset()
        let cellName = name ?? "In[\(executionCount)]"
        let trimmed = code.trimmingCharacters(in: .whitespacesAndNewlines)
        var ok = true
        if trimmed.isEmpty {
            ok = true
        } else if trimmed.hasPrefix(":") && !trimmed.contains("\n") {
            ok = MetaCommands(interpreter: interpreter).run(trimmed)
        } else {
            ok = interpreter.run(source: code, name: cellName, firstLine: 1)
        }
        let interrupted = CancellationToken.process.reset()
        if ok && !interrupted {
            flushHeldError()
            send("execute_reply", ["status": "ok", "execution_count": executionCount])
            return
        }
        let text = (heldError ?? (interrupted ? "interrupted" : "error")).trimmingCharacters(in: .newlines)
        heldError = nil
        let (ename, evalue) = Self.describe(text, interrupted: interrupted)
        let traceback = interrupted && text == "interrupted"
            ? ["interrupted: the cell stopped; what ran before, and training up to the last batch, is kept"]
            : text.components(separatedBy: "\n")
        send("error", ["ename": ename, "evalue": evalue, "traceback": traceback])
        send("execute_reply", ["status": "error", "execution_count": executionCount,
                               "ename": ename, "evalue": evalue, "traceback": traceback])
    }

    /// The error's name and one-line value, from the diagnostic text: the first
    /// "error:" line's message; "CheckError" when the cell was rejected before
    /// it ran (the text ends with the error count), else "RuntimeError".
    static func describe(_ text: String, interrupted: Bool) -> (String, String) {
        if interrupted { return ("Interrupted", "interrupted") }
        let lines = text.components(separatedBy: "\n")
        var evalue = lines.first ?? text
        if let line = lines.first(where: { $0.contains(": error: ") }), let r = line.range(of: ": error: ") {
            evalue = String(line[r.upperBound...])
        } else if let first = lines.first, first.hasPrefix("error: ") {
            evalue = String(first.dropFirst("error: ".count))
        }
        let checked = lines.last.map { $0.range(of: #"^[0-9]+ errors?$"#, options: .regularExpression) != nil } ?? false
        return (checked ? "CheckError" : "RuntimeError", evalue)
    }

    // MARK: - Completion and help

    /// The cursor's line, the text before the cursor on it, and where that line starts (code points).
    static func lineAround(_ code: String, _ cursor: Int) -> (line: String, before: String, lineStart: Int, cursor: Int) {
        let scalars = Array(code.unicodeScalars)
        let c = min(max(0, cursor), scalars.count)
        var start = c
        while start > 0 && scalars[start - 1] != "\n" { start -= 1 }
        var end = c
        while end < scalars.count && scalars[end] != "\n" { end += 1 }
        func text(_ r: Range<Int>) -> String { var v = String.UnicodeScalarView(); v.append(contentsOf: scalars[r]); return String(v) }
        return (text(start..<end), text(start..<c), start, c)
    }

    static let wordStops: Set<Unicode.Scalar> = [" ", "\t", "=", "[", ",", "{", "}", ";", "("]

    /// How many code points before the cursor the completion replaces: after the
    /// opening quote inside a string (a path), else back to a separator (as the
    /// REPL's completer reads the word).
    static func replacedLength(_ before: String) -> Int {
        let scalars = Array(before.unicodeScalars)
        if scalars.filter({ $0 == "\"" }).count % 2 == 1, let open = scalars.lastIndex(of: "\"") {
            return scalars.count - open - 1
        }
        var n = 0
        while n < scalars.count, !wordStops.contains(scalars[scalars.count - 1 - n]) { n += 1 }
        return n
    }

    /// Candidates from the registry (commands, options, values), `$variables`,
    /// paths inside strings, and `:` meta commands.
    func complete(code: String, cursor: Int) -> ([String], Int, Int) {
        let (line, before, _, c) = Self.lineAround(code, cursor)
        let replaced = Self.replacedLength(before)
        let leading = before.drop(while: { $0 == " " || $0 == "\t" })
        if leading.hasPrefix(":") && !leading.contains(" ") {
            let matches = MetaCommands.all.map(\.name).filter { $0.hasPrefix(leading) && $0 != ":history" && $0 != ":quit" }
            return (matches, c - leading.unicodeScalars.count, c)
        }
        let matches = Completer(interpreter: interpreter).completions(line: line, cursor: before.utf8.count)
        return (matches, c - replaced, c)
    }

    /// Shift-Tab: the `help` text of the command under the cursor (or of its
    /// kind, `index hnsw`), or a variable's value for `$name`.
    func inspect(code: String, cursor: Int) -> String? {
        let (line, before, _, _) = Self.lineAround(code, cursor)
        let scalars = Array(line.unicodeScalars)
        let c = before.unicodeScalars.count
        // The word under the cursor, for $variables.
        var ws = c, we = c
        let stops = Self.wordStops.union(["\"", "]", ")"])
        while ws > 0, !stops.contains(scalars[ws - 1]) { ws -= 1 }
        while we < scalars.count, !stops.contains(scalars[we]) { we += 1 }
        var word = String.UnicodeScalarView(); word.append(contentsOf: scalars[ws..<we])
        let w = String(word)
        if w.hasPrefix("$") {
            let name = String(w.dropFirst().prefix { $0 != "." })
            if let v = interpreter.variables[name] { return "$\(name) = \(v.literal)   (\(v.typeName))" }
        }
        // The statement around the cursor: between ; { } on this line.
        var ss = c, se = c
        let statementStops: Set<Unicode.Scalar> = [";", "{", "}"]
        while ss > 0, !statementStops.contains(scalars[ss - 1]) { ss -= 1 }
        while se < scalars.count, !statementStops.contains(scalars[se]) { se += 1 }
        var statement = String.UnicodeScalarView(); statement.append(contentsOf: scalars[ss..<se])
        var words = String(statement).split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if words.first == "let", words.count >= 3, words[2] == "=" { words.removeFirst(3) }
        if words.first == "help", words.count >= 2 { words.removeFirst() }
        guard let first = words.first else { return nil }
        if first.hasPrefix("#") { return nil }
        let registry = interpreter.registry
        let reference = Reference(registry: registry)
        if words.count >= 2, let spec = registry.spec(fullName: first + " " + words[1]) { return reference.detail(spec) }
        if let spec = registry.spec(fullName: first) { return reference.detail(spec) }
        if ["let", "for", "include"].contains(first) { return Reference.syntax }
        return nil
    }
}
