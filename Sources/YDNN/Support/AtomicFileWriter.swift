import Foundation

/// Writes a file so that readers see either the old contents or the complete new
/// ones, never a half-written file: write a temporary file beside the target, then
/// rename it over the target (atomic within one file system).
public final class AtomicFileWriter {
    public let path: String
    private let tempPath: String
    private var file: UnsafeMutablePointer<FILE>?

    public init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: dir) {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw RetrievalError.io(path: path, reason: "cannot create directory \(dir)")
            }
        }
        tempPath = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        guard let f = fopen(tempPath, "wb") else {
            throw RetrievalError.io(path: path, reason: String(cString: strerror(errno)))
        }
        file = f
    }

    deinit { abort() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let f = file else { throw RetrievalError.io(path: path, reason: "file already closed") }
        if bytes.isEmpty { return }
        if fwrite(bytes.baseAddress!, 1, bytes.count, f) != bytes.count {
            throw RetrievalError.io(path: path, reason: "write failed: \(String(cString: strerror(errno)))")
        }
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }
    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    /// Flushes, closes and renames the temporary file over `path`.
    public func commit() throws {
        guard let f = file else { throw RetrievalError.io(path: path, reason: "file already closed") }
        file = nil
        let flushed = fflush(f) == 0 && fsync(fileno(f)) == 0
        fclose(f)
        guard flushed, rename(tempPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tempPath)
            throw RetrievalError.io(path: path, reason: "cannot finish writing: \(reason)")
        }
    }

    /// Drops the temporary file; the target is untouched.
    public func abort() {
        if let f = file { fclose(f); unlink(tempPath); file = nil }
    }

    public static func write(_ bytes: [UInt8], to path: String) throws {
        let w = try AtomicFileWriter(path: path)
        try w.write(bytes)
        try w.commit()
    }

    public static func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }
}
