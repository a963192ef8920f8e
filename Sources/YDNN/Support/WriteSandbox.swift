import Foundation
import Synchronization

/// Where files may be written. A recipe is untrusted input (it may come from a
/// stranger), so `ydnn run` confines its writes to the working directory, the
/// recipe's own folder and the folders the user names with `--allow-write`.
/// Reading is not restricted.
///
/// A path is judged the way the kernel will open it: each existing component
/// is resolved (so a symbolic link to a folder elsewhere counts as elsewhere),
/// `..` climbs from the resolved folder, and what does not exist yet is what a
/// write would create. The target itself must not be a symbolic link: writers
/// never write through one.
///
/// What is not covered: a folder swapped for a link between the check and the
/// write (the window is one rename; the recipe cannot run code to race it).
public struct WriteSandbox: Sendable, Equatable {
    /// Resolved absolute folders; nil: anywhere.
    public let roots: [String]?

    public static let unrestricted = WriteSandbox(resolvedRoots: nil)

    private init(resolvedRoots: [String]?) { roots = resolvedRoots }

    /// A sandbox of `folders` (relative to the working directory; `~` expanded).
    /// Folders that do not exist are left out: nothing can be written in them.
    public init(allowing folders: [String]) {
        var roots: [String] = []
        for f in folders {
            guard let real = Self.realPath(Self.absolute(f)), !roots.contains(real) else { continue }
            roots.append(real)
        }
        self.init(resolvedRoots: roots)
    }

    /// The process-wide sandbox every `AtomicFileWriter` consults. `ydnn run`
    /// and the REPL set it once, from the command line, before any recipe runs;
    /// no command of the language can change it.
    public static var current: WriteSandbox {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
    private static let state = Mutex(WriteSandbox.unrestricted)

    /// Runs `body` with `self` as the current sandbox, then restores the old one.
    public func during<T>(_ body: () throws -> T) rethrows -> T {
        let saved = Self.current
        Self.current = self
        defer { Self.current = saved }
        return try body()
    }

    /// A sandbox that also allows `folder` (the REPL's `:load` of a recipe in another folder).
    public func adding(_ folder: String) -> WriteSandbox {
        guard let roots else { return self }
        return WriteSandbox(allowing: roots + [folder])
    }

    // MARK: - Judging a path

    /// A target that may be written, as the writer needs it.
    public struct Target: Sendable, Equatable {
        /// The resolved absolute path of the file.
        public let path: String
        /// Folders to create first, outermost first (all inside the sandbox).
        public let missingFolders: [String]
    }

    /// Why a path may not be written.
    public struct Violation: Error, Equatable, CustomStringConvertible {
        public let path: String
        public let reason: String
        /// How to allow it, when allowing it is the user's choice.
        public let help: String?
        public var description: String {
            "cannot write \(path): \(reason)" + (help.map { " (\($0))" } ?? "")
        }
    }

    /// Judges `path` (relative to the working directory, `~` expanded) and
    /// returns where the write lands, or throws `Violation`.
    public func authorize(_ path: String) throws(Violation) -> Target {
        let resolved = Self.resolve(Self.absolute(path))
        let shown = path
        if resolved.targetIsLink {
            throw Violation(path: shown, reason: "it is a symbolic link, and ydnn never writes through one",
                            help: "remove the link or name the file it points to")
        }
        if resolved.targetIsFolder {
            throw Violation(path: shown, reason: "it is a folder", help: "name a file inside it")
        }
        guard let roots else { return Target(path: resolved.path, missingFolders: resolved.missing) }
        let parent = (resolved.path as NSString).deletingLastPathComponent
        guard roots.contains(where: { Self.isInside(parent, $0) }) else {
            let allowed = roots.isEmpty ? "none" : roots.map(Self.tilded).joined(separator: ", ")
            throw Violation(
                path: shown,
                reason: "it is outside the folders this recipe may write (\(allowed))",
                help: "to allow it: ydnn run --allow-write \(Self.tilded(Self.firstExisting(parent))) ...")
        }
        return Target(path: resolved.path, missingFolders: resolved.missing)
    }

    /// Whether `path` may be written (for `check`, which reports instead of throwing).
    public func allows(_ path: String) -> Bool { (try? authorize(path)) != nil }

    // MARK: - Paths

    /// `~` and `~/...` from `$HOME`; the one expansion every reader, writer and
    /// completion uses. (`~user` is left as written.)
    public static func expandTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/"),
              let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty else { return path }
        return home + path.dropFirst()
    }

    /// Absolute, relative to the working directory, with `~` expanded (not resolved).
    public static func absolute(_ path: String) -> String {
        let p = expandTilde(path)
        return p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
    }

    static func realPath(_ path: String) -> String? {
        guard let r = Foundation.realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    static func isInside(_ path: String, _ root: String) -> Bool {
        root == "/" || path == root || path.hasPrefix(root + "/")
    }

    private static func tilded(_ path: String) -> String {
        guard let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty, isInside(path, home), path != home
        else { return path }
        return "~" + path.dropFirst(home.count)
    }

    private static func firstExisting(_ path: String) -> String {
        var p = path
        while !FileManager.default.fileExists(atPath: p), p != "/" { p = (p as NSString).deletingLastPathComponent }
        return p
    }

    private struct Resolution {
        var path: String
        var missing: [String]
        var targetIsLink: Bool
        var targetIsFolder: Bool
    }

    /// Walks `absolute` component by component as the kernel would: existing
    /// folders (and links to folders) are resolved, `..` climbs from the
    /// resolved folder, and the rest is what a write would create.
    private static func resolve(_ absolute: String) -> Resolution {
        let parts = absolute.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var current = "/"
        var missing: [String] = []     // components below `current` that do not exist
        func join(_ a: String, _ b: String) -> String { a == "/" ? "/" + b : a + "/" + b }
        func here() -> String { missing.reduce(current, join) }
        for (i, part) in parts.enumerated() {
            let isLast = i == parts.count - 1
            if part == "." { continue }
            if part == ".." {
                if !missing.isEmpty { missing.removeLast() } else { current = (current as NSString).deletingLastPathComponent }
                continue
            }
            if !missing.isEmpty || isLast { missing.append(part); continue }
            let candidate = join(current, part)
            var st = stat()
            if lstat(candidate, &st) != 0 { missing.append(part); continue }
            if (st.st_mode & S_IFMT) == S_IFLNK {
                guard let real = realPath(candidate) else { missing.append(part); continue }  // dangling link
                current = real
            } else {
                current = candidate
            }
        }
        let last = missing.popLast() ?? ""
        let parent = here()
        var folders: [String] = []
        var f = current
        for m in missing { f = join(f, m); folders.append(f) }
        let target = join(parent, last)
        var st = stat()
        let exists = lstat(target, &st) == 0
        return Resolution(path: target, missing: folders,
                          targetIsLink: exists && (st.st_mode & S_IFMT) == S_IFLNK,
                          targetIsFolder: exists && (st.st_mode & S_IFMT) == S_IFDIR || last.isEmpty)
    }
}
