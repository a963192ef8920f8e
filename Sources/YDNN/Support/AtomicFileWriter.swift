import Foundation

/// Why a file could not be written: the path and the system's reason.
/// Support's own error, so Support depends on no other part of the library.
public struct FileWriteError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "cannot write \(path): \(reason)" }
}

/// The one way ydnn writes a file (models, indexes, vectors, mining, reports,
/// `generate out=`, `:save`, runs.jsonl). Readers see either the old contents
/// or the complete new ones, never a half-written file: the bytes go to a
/// temporary file beside the target, which is flushed to disk and renamed over
/// the target (atomic within one file system). A kill -9 at any moment leaves
/// the old file or the new one, plus at worst a stale `.NAME.tmp-PID-N`, which
/// the next write to the same target removes.
///
/// Before anything is created the target is judged by the sandbox
/// (`WriteSandbox.current` unless the caller names one): outside it, through
/// a symbolic link, or onto a read-only file, the writer refuses. Missing
/// folders are created only inside the sandbox. A file that is replaced keeps
/// its permission bits.
///
/// With a `token`, every write checks it between chunks of at most `chunkSize`
/// bytes, and so does `commit`; once it is cancelled the writer removes its
/// temporary file and throws `Cancelled`, and the target is left as it was.
public final class AtomicFileWriter {
    /// The target as named by the caller (for messages).
    public let path: String
    /// The resolved target.
    public let resolvedPath: String
    public let token: CancellationToken?
    private let tempPath: String
    private var file: UnsafeMutablePointer<FILE>?

    /// Most bytes handed to the system between two looks at the token.
    public static let chunkSize = 4 << 20

    public init(path: String, token: CancellationToken? = nil, sandbox: WriteSandbox = .current) throws {
        self.path = path
        self.token = token
        let target: WriteSandbox.Target
        do { target = try sandbox.authorize(path) } catch {
            throw FileWriteError(path: path, reason: error.reason + (error.help.map { " (\($0))" } ?? ""))
        }
        resolvedPath = target.path
        for folder in target.missingFolders where mkdir(folder, 0o777) != 0 && errno != EEXIST {
            throw FileWriteError(path: path, reason: "cannot create folder \(folder): \(String(cString: strerror(errno)))")
        }
        let dir = (resolvedPath as NSString).deletingLastPathComponent
        let name = (resolvedPath as NSString).lastPathComponent
        Self.removeStaleTemporaries(of: name, in: dir)

        // An existing file: keep its mode, and respect a read-only one.
        var mode: mode_t = 0o666   // less the umask, as any new file
        var st = stat()
        if lstat(resolvedPath, &st) == 0 {
            // The bits, not access(2): root may write anything, but a file with no
            // write bit says its owner wants it kept.
            if st.st_mode & 0o222 == 0 || access(resolvedPath, W_OK) != 0 {
                throw FileWriteError(path: path, reason: "the file is read-only")
            }
            mode = st.st_mode & 0o7777
        }
        var temp = ""
        var fd: Int32 = -1
        for _ in 0..<8 {
            temp = dir + "/." + name + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
            fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        if st.st_mode != 0 { fchmod(fd, mode) }   // exactly the old bits, whatever the umask
        tempPath = temp
        file = fdopen(fd, "wb")
    }

    deinit { abort() }

    /// `.NAME.tmp-PID-N` files whose process is gone: a killed run's leftovers.
    static func removeStaleTemporaries(of name: String, in dir: String) {
        let prefix = "." + name + ".tmp-"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for entry in entries where entry.hasPrefix(prefix) {
            let rest = entry.dropFirst(prefix.count)
            guard let pid = rest.split(separator: "-").first.flatMap({ pid_t($0) }), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(dir + "/" + entry) }
        }
    }

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

    /// Flushes, closes and renames the temporary file over the target.
    public func commit() throws {
        try checkToken()
        guard let f = file else { throw FileWriteError(path: path, reason: "file already closed") }
        file = nil
        let flushed = fflush(f) == 0 && fsync(fileno(f)) == 0
        fclose(f)
        guard flushed, rename(tempPath, resolvedPath) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tempPath)
            throw FileWriteError(path: path, reason: "cannot finish writing: \(reason)")
        }
    }

    /// Drops the temporary file; the target is untouched.
    public func abort() {
        if let f = file { fclose(f); unlink(tempPath); file = nil }
    }

    public static func write(_ bytes: [UInt8], to path: String, token: CancellationToken? = nil,
                             sandbox: WriteSandbox = .current) throws {
        let w = try AtomicFileWriter(path: path, token: token, sandbox: sandbox)
        try w.write(bytes)
        try w.commit()
    }

    public static func write(_ text: String, to path: String, token: CancellationToken? = nil,
                             sandbox: WriteSandbox = .current) throws {
        try write(Array(text.utf8), to: path, token: token, sandbox: sandbox)
    }

    /// Appends `text` to the file (created if missing) by writing the old
    /// contents and the new together and renaming them over it, so a kill
    /// leaves the old file or the longer one. Appenders serialise on a lock of
    /// the folder, so two runs finishing together each add their lines. A last
    /// line left without its newline gets one before ours.
    public static func append(_ text: String, to path: String, sandbox: WriteSandbox = .current) throws {
        let target: WriteSandbox.Target
        do { target = try sandbox.authorize(path) } catch {
            throw FileWriteError(path: path, reason: error.reason + (error.help.map { " (\($0))" } ?? ""))
        }
        let dir = (target.path as NSString).deletingLastPathComponent
        let lock = open(target.missingFolders.isEmpty ? dir : "/", O_RDONLY | O_CLOEXEC)
        if lock >= 0 { flock(lock, LOCK_EX) }
        defer { if lock >= 0 { flock(lock, LOCK_UN); close(lock) } }
        var old = FileManager.default.contents(atPath: target.path).map { [UInt8]($0) } ?? []
        if let last = old.last, last != UInt8(ascii: "\n") { old.append(UInt8(ascii: "\n")) }
        try write(old + Array(text.utf8), to: path, sandbox: sandbox)
    }
}
