import Foundation

/// Where a session's output goes: stdout and stderr for the CLI and REPL, a
/// buffer in tests (and, later, the notebook report).
public final class Console {
    public let isTerminal: Bool
    private let writeOut: (String) -> Void
    private let writeErr: (String) -> Void

    public init(isTerminal: Bool, out: @escaping (String) -> Void, err: @escaping (String) -> Void) {
        self.isTerminal = isTerminal; self.writeOut = out; self.writeErr = err
    }

    /// stdout/stderr; a terminal when stdout is one.
    public static func standard() -> Console {
        Console(isTerminal: isatty(1) == 1, out: { writeAll(1, $0) }, err: { writeAll(2, $0) })
    }

    /// Collects everything in memory (tests).
    public static func capture() -> (Console, () -> (out: String, err: String)) {
        final class Buffer { var out = "", err = "" }
        let b = Buffer()
        return (Console(isTerminal: false, out: { b.out += $0 }, err: { b.err += $0 }), { (b.out, b.err) })
    }

    /// Where SVG charts go when a report is being written (nil: nowhere; the
    /// terminal shows its own Unicode rendering).
    public var chartSink: ((_ svg: String, _ title: String) -> Void)?

    public func chart(_ svg: String, title: String) { chartSink?(svg, title) }

    /// Where tables go when a rich client records them (the notebook report, the
    /// Jupyter kernel); nil: they are printed as text. A sink that also wants the
    /// text (a report teeing a terminal) prints `table.render()` itself.
    public var tableSink: ((_ table: TextTable, _ title: String?, _ indent: String) -> Void)?

    /// A table of results: to the table sink when there is one, else as text.
    public func table(_ table: TextTable, title: String? = nil, indent: String = "") {
        if let tableSink { tableSink(table, title, indent) } else { print(table.render(indent: indent)) }
    }

    /// Progress of long work for a rich client (the kernel's updating display);
    /// when set, progress bars report here instead of drawing on the terminal.
    public var progressSink: ((ProgressEvent) -> Void)?

    /// A line of results.
    public func print(_ line: String) { writeOut(line + "\n") }
    /// Errors and warnings.
    public func error(_ text: String) { writeErr(text.hasSuffix("\n") ? text : text + "\n") }
    /// Raw text (progress bars redraw with \r).
    public func write(_ text: String) { writeOut(text) }
}

/// One step of a progress display: an update, or the end (the display is removed).
public enum ProgressEvent: Sendable {
    case update(fraction: Double, text: String)
    case end
}

/// Writes all of `text` to a file descriptor, unbuffered (every line shows at once,
/// and nothing is lost when the process is killed).
private func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n > 0 { bytes = bytes.dropFirst(n) } else if errno != EINTR { return }
    }
}
