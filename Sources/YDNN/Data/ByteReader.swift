import Foundation

/// Line-by-line reading of big text files without `String`: POSIX `read` into a
/// large buffer, `memchr` for newlines, and lines handed out as raw bytes.
/// PLATFORM-NOTES measured this at ~30x the speed of `readLine()` + `split`.
enum ByteReader {
    static let chunkSize = 4 << 20

    /// Checks that `path` is a readable, non-empty regular file and returns its size.
    static func checkFile(_ path: String) throws -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { throw DataError.fileNotFound(path) }
            throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw DataError.notAFile(path) }
        guard st.st_size > 0 else { throw DataError.emptyFile(path) }
        return Int(st.st_size)
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Calls `body(line, lineNumber)` for every line (1-based numbers; the `\n` and
    /// a trailing `\r` removed). The bytes are only valid during the call. Returns
    /// the number of bytes and lines read. Checks `token` after every chunk read.
    @discardableResult
    static func forEachLine(
        _ path: String,
        token: CancellationToken,
        _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void
    ) throws -> (bytes: Int, lines: Int) {
        _ = try checkFile(path)
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DataError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }

        var capacity = chunkSize
        var buf = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buf.deallocate() }
        var filled = 0      // bytes of data in buf
        var totalBytes = 0
        var lineNo = 0

        func emit(_ start: UnsafeMutablePointer<UInt8>, _ len: Int) throws {
            var start = start, n = len
            if n > 0 && start[n - 1] == 13 { n -= 1 }  // CRLF files
            // A UTF-8 byte-order mark (editors on Windows write one) is not part of the first key.
            if lineNo == 0, n >= 3, start[0] == 0xEF, start[1] == 0xBB, start[2] == 0xBF { start += 3; n -= 3 }
            lineNo += 1
            try body(UnsafeBufferPointer(start: start, count: n), lineNo)
        }

        while true {
            if filled == capacity {
                // A single line longer than the buffer: grow rather than split it.
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                bigger.update(from: buf, count: filled)
                buf.deallocate()
                buf = bigger
                capacity *= 2
            }
            let got = read(fd, buf + filled, capacity - filled)
            if got < 0 {
                if errno == EINTR { continue }
                throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if got == 0 { break }
            try token.check()
            totalBytes += got
            let scanFrom = filled
            filled += got
            var lineStart = 0
            var p = scanFrom
            while p < filled {
                guard let hit = memchr(buf + p, 10, filled - p) else { break }
                let nl = buf.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                try emit(buf + lineStart, nl - lineStart)
                lineStart = nl + 1
                p = lineStart
            }
            if lineStart > 0 {
                // Move the partial last line to the front for the next read.
                let rest = filled - lineStart
                if rest > 0 { memmove(buf, buf + lineStart, rest) }
                filled = rest
            }
        }
        if filled > 0 { try emit(buf, filled) }
        return (totalBytes, lineNo)
    }
}

// Hand parsing of fields inside a line. All functions take the line's bytes and
// byte ranges, so no `String` is created on the hot path.
extension UnsafeBufferPointer where Element == UInt8 {
    /// Splits on a one-byte separator into `fields` (reused to avoid allocation).
    @inline(__always)
    func splitFields(_ sep: UInt8, into fields: inout [Range<Int>]) {
        fields.removeAll(keepingCapacity: true)
        var start = 0
        for i in 0..<count where self[i] == sep {
            fields.append(start..<i)
            start = i + 1
        }
        fields.append(start..<count)
    }

    /// Splits on a two-byte separator such as MovieLens-1M's `::`.
    func splitFields(_ a: UInt8, _ b: UInt8, into fields: inout [Range<Int>]) {
        fields.removeAll(keepingCapacity: true)
        var start = 0, i = 0
        while i + 1 < count {
            if self[i] == a && self[i + 1] == b {
                fields.append(start..<i)
                i += 2
                start = i
            } else { i += 1 }
        }
        fields.append(start..<count)
    }

    func slice(_ r: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: self[r])
    }

    /// The bytes as a String: UTF-8 when valid, else Latin-1 (MovieLens titles are
    /// ISO-8859-1).
    func decodedString() -> String {
        if let s = String(validating: self, as: UTF8.self) { return s }
        return String(String.UnicodeScalarView(self.map { Unicode.Scalar($0) }))
    }

    func trimmed() -> UnsafeBufferPointer<UInt8> {
        var lo = 0, hi = count
        while lo < hi && (self[lo] == 32 || self[lo] == 9) { lo += 1 }
        while hi > lo && (self[hi - 1] == 32 || self[hi - 1] == 9) { hi -= 1 }
        return slice(lo..<hi)
    }

    /// A decimal integer, optionally signed; a fractional part (`881250949.0`) is
    /// accepted and truncated. Nil for anything else.
    func parseInteger() -> Int64? {
        var i = 0
        var negative = false
        if i < count && (self[i] == 45 || self[i] == 43) { negative = self[i] == 45; i += 1 }
        var v: Int64 = 0
        var digits = 0
        while i < count, self[i] >= 48, self[i] <= 57 {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(self[i] - 48))
            if o1 || o2 { return nil }
            v = a; i += 1; digits += 1
        }
        if digits == 0 { return nil }
        if i < count && self[i] == 46 {
            i += 1
            while i < count, self[i] >= 48, self[i] <= 57 { i += 1 }
        }
        return i == count ? (negative ? -v : v) : nil
    }

    /// A plain decimal number (`3`, `4.5`, `-0.25`), no exponent. Nil otherwise.
    func parseDecimal() -> Double? {
        var i = 0
        var negative = false
        if i < count && (self[i] == 45 || self[i] == 43) { negative = self[i] == 45; i += 1 }
        var v = 0.0, scale = 1.0, digits = 0, fraction = false
        while i < count {
            let c = self[i]
            if c >= 48 && c <= 57 {
                if fraction { scale /= 10; v += Double(c - 48) * scale } else { v = v * 10 + Double(c - 48) }
                digits += 1
            } else if c == 46 && !fraction {
                fraction = true
            } else { return nil }
            i += 1
        }
        return digits == 0 ? nil : (negative ? -v : v)
    }

    func equals(_ ascii: StaticString) -> Bool {
        guard ascii.utf8CodeUnitCount == count else { return false }
        let p = ascii.utf8Start
        for i in 0..<count where p[i] != self[i] { return false }
        return true
    }
}

/// A short printable excerpt of a line for error messages, tabs shown as `\t`.
func excerpt(_ line: UnsafeBufferPointer<UInt8>, limit: Int = 60) -> String {
    let s = UnsafeBufferPointer(rebasing: line[0..<Swift.min(line.count, limit)]).decodedString()
        .replacingOccurrences(of: "\t", with: "\\t")
    return line.count > limit ? "'\(s)...'" : "'\(s)'"
}

/// Times (seconds) beyond ±10^15 (30 million years) are refused as malformed by
/// every loader: differences of huge times would overflow downstream.
let largestTime: Int64 = 1_000_000_000_000_000
