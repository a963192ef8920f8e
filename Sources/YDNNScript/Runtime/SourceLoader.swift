import Foundation
import YDNN

/// Reads and parses script files (includes), caching each by absolute path.
final class SourceLoader {
    let commandNames: Set<String>
    private var cache: [String: ParsedFile] = [:]

    init(commandNames: Set<String>) { self.commandNames = commandNames }

    /// `path` relative to the directory of the including file (or the working directory).
    func resolve(_ path: String, relativeTo file: SourceFile) -> String {
        let expanded = WriteSandbox.expandTilde(path)
        if expanded.hasPrefix("/") { return (expanded as NSString).standardizingPath }
        let base = file.path.map { ($0 as NSString).deletingLastPathComponent } ?? FileManager.default.currentDirectoryPath
        return ((base as NSString).appendingPathComponent(expanded) as NSString).standardizingPath
    }

    /// The largest recipe read (16 MB: the largest example is 2 KB).
    static let largestRecipe = 16 << 20

    struct ParsedFile {
        let file: SourceFile
        /// The statements that parsed; those with syntax errors are left out.
        let statements: [Statement]
        let syntaxErrors: [Diagnostic]
    }

    /// Reads and parses a file; throws `ScriptIOError` if it cannot be read.
    func load(_ absolutePath: String) throws -> ParsedFile {
        if let hit = cache[absolutePath] { return hit }
        // A recipe is a regular file of text: `include "/dev/zero"` or a FIFO
        // would never end, and a huge file is not a recipe.
        var st = stat()
        if stat(absolutePath, &st) == 0 {
            if (st.st_mode & S_IFMT) != S_IFREG {
                throw ScriptIOError(message: "\(Self.displayName(absolutePath)) is not a regular file")
            }
            if st.st_size > Self.largestRecipe {
                throw ScriptIOError(message: "\(Self.displayName(absolutePath)) is \(st.st_size) bytes: more than a recipe (\(Self.largestRecipe >> 20) MB)")
            }
        }
        guard let data = FileManager.default.contents(atPath: absolutePath) else {
            let shown = Self.displayName(absolutePath)
            throw ScriptIOError(message: FileManager.default.fileExists(atPath: absolutePath)
                                ? "cannot read \(shown)" : "no such file: \(shown)")
        }
        let name = Self.displayName(absolutePath)
        let file = SourceFile(name: name, text: String(decoding: data, as: UTF8.self), path: absolutePath)
        let (statements, errors) = Parser.parse(file, commandNames: commandNames)
        let parsed = ParsedFile(file: file, statements: statements, syntaxErrors: errors)
        cache[absolutePath] = parsed
        return parsed
    }

    /// Paths under the working directory are shown relative to it, like compilers do.
    static func displayName(_ absolutePath: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return absolutePath.hasPrefix(cwd) ? String(absolutePath.dropFirst(cwd.count)) : absolutePath
    }
}

public struct ScriptIOError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public var description: String { message }
    public var errorDescription: String? { message }
}
