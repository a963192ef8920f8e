import Foundation

/// Why a file could not be written: the path and the system's reason.
/// Support's own error, so Support depends on no other part of the library.
public struct FileWriteError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}

/// Writes a file so that readers see either the old contents or the complete new
/// ones, never a half-written file: write a temporary file beside the target, then
/// rename it over the target (atomic within one file system).
///
/// With a `token`, every write checks it between chunks of at most `chunkSize`
/// bytes, and so does `commit`; once it is cancelled the writer removes its
/// temporary file and throws `Cancelled`, and the target is left as it was.
public final class AtomicFileWriter {
    public let path: String
    public let token: CancellationToken?
    private let tempPath: String
    private var file: UnsafeMutablePointer<FILE>?

    /// Most bytes handed to the system between two looks at the token.
    public static let chunkSize = 4 << 20

    public init(path: String, token: CancellationToken? = nil) throws {
        self.path = path
        self.token = token
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: dir) {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw FileWriteError(path: path, reason: "cannot create directory \(dir)")
            }
        }
        tempPath = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        guard let f = fopen(tempPath, "wb") else {
            throw FileWriteError(path: path, reason: String(cString: strerror(errno)))
        }
        file = f
    }

    deinit { abort() }

    /// Throws `Cancelled`, after dropping the temporary file, if the token is cancelled.
    private func checkToken() throws {
        guard let token, token.isCancelled else { return }
        abort()
        throw Cancelled()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try checkToken()
        guard let f = file else { throw FileWriteError(path: path, reason: "file already closed") }
        if bytes.isEmpty { return }
        var offset = 0
        while offset < bytes.count {
            if offset > 0 { try checkToken() }
            let n = min(Self.chunkSize, bytes.count - offset)
            if fwrite(bytes.baseAddress! + offset, 1, n, f) != n {
                throw FileWriteError(path: path, reason: "write failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }
    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    /// Flushes, closes and renames the temporary file over `path`.
    public func commit() throws {
        try checkToken()
        guard let f = file else { throw FileWriteError(path: path, reason: "file already closed") }
        file = nil
        let flushed = fflush(f) == 0 && fsync(fileno(f)) == 0
        fclose(f)
        guard flushed, rename(tempPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tempPath)
            throw FileWriteError(path: path, reason: "cannot finish writing: \(reason)")
        }
    }

    /// Drops the temporary file; the target is untouched.
    public func abort() {
        if let f = file { fclose(f); unlink(tempPath); file = nil }
    }

    public static func write(_ bytes: [UInt8], to path: String, token: CancellationToken? = nil) throws {
        let w = try AtomicFileWriter(path: path, token: token)
        try w.write(bytes)
        try w.commit()
    }

    public static func write(_ text: String, to path: String, token: CancellationToken? = nil) throws {
        try write(Array(text.utf8), to: path, token: token)
    }
}
