import Foundation
import YDNN

/// Tab completion for the REPL, read from the registry: command names at the
/// start of a statement, the current command's options (`epo` → `epochs=`) and
/// kinds, an option's allowed values after `name=`, `$variables`, and file paths
/// inside strings.
public struct Completer {
    public let interpreter: Interpreter
    public init(interpreter: Interpreter) { self.interpreter = interpreter }

    /// Candidates that replace the word ending at `cursor` (a UTF-8 offset into `line`).
    public func completions(line: String, cursor: Int) -> [String] {
        let bytes = Array(line.utf8.prefix(cursor))
        let before = String(decoding: bytes, as: UTF8.self)

        // Inside a string: complete a file path.
        let quotes = before.filter { $0 == "\"" }.count
        if quotes % 2 == 1, let open = before.lastIndex(of: "\"") {
            return paths(matching: String(before[before.index(after: open)...]))
        }

        // The word being typed: back to a space, '=', '[', ',', '{', ';'.
        let stops: Set<Character> = [" ", "\t", "=", "[", ",", "{", "}", ";", "("]
        var wordStart = before.endIndex
        while wordStart > before.startIndex, !stops.contains(before[before.index(before: wordStart)]) {
            wordStart = before.index(before: wordStart)
        }
        let word = String(before[wordStart...])
        let head = String(before[..<wordStart])

        if word.hasPrefix("$") {
            let prefix = String(word.dropFirst())
            return interpreter.variables.keys.filter { $0.hasPrefix(prefix) }.sorted().map { "$" + $0 }
        }

        // Words of the current statement before the cursor.
        let separators: Set<Character> = [";", "{", "}"]
        let statement = head.split(omittingEmptySubsequences: false, whereSeparator: { separators.contains($0) }).last.map(String.init) ?? ""
        let words: [String] = statement.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let registry = interpreter.registry

        let atCommandStart = words.isEmpty || (words.count == 3 && words[0] == "let" && words[2] == "=")
        if atCommandStart {
            var names = registry.names
            if words.isEmpty { names += ["let", "for", "include"] }
            return names.filter { $0.hasPrefix(word) }.sorted()
        }
        var commandWords = words
        if commandWords.first == "let", commandWords.count >= 3 { commandWords.removeFirst(3) }
        guard let name = commandWords.first, let top = registry[name] else { return [] }
        var spec = top
        if !top.forms.isEmpty, commandWords.count >= 2, let form = top.forms.first(where: { $0.formWord == commandWords[1] }) {
            spec = form
        }

        // Right after `name=`: that option's allowed values.
        if head.hasSuffix("="), let last = words.last {
            let optionName = String(last.dropLast())
            let values = spec.param(named: optionName)?.type.completions ?? []
            return values.filter { $0.hasPrefix(word) }
        }
        if !top.forms.isEmpty && spec.name == top.name {
            return commandWords.count == 1 ? top.forms.map { $0.formWord }.filter { $0.hasPrefix(word) } : []
        }

        var used: Set<String> = []
        for w in words where w.contains("=") { used.insert(String(w.prefix { $0 != "=" })) }
        var candidates = spec.options.map { $0.name }.filter { !used.contains($0) }.map { $0 + "=" }
        // A positional that takes fixed words (`example_age on|off`): offer them too.
        let positionalIndex = commandWords.count - 1 - (spec.name == top.name ? 0 : 1)
        if positionalIndex >= 0, positionalIndex < spec.positionals.count {
            candidates += spec.positionals[positionalIndex].type.completions
        }
        return candidates.filter { $0.hasPrefix(word) }
    }

    func paths(matching partial: String) -> [String] {
        let expanded = WriteSandbox.expandTilde(partial)
        let dir: String, prefix: String
        if let slash = partial.lastIndex(of: "/") {
            dir = String(expanded[...(expanded.lastIndex(of: "/") ?? expanded.startIndex)])
            prefix = String(partial[partial.index(after: slash)...])
        } else {
            dir = ""
            prefix = partial
        }
        let listDir = dir.isEmpty ? "." : dir
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: listDir) else { return [] }
        let shownDir = partial.lastIndex(of: "/").map { String(partial[...$0]) } ?? ""
        return entries.filter { $0.hasPrefix(prefix) && (!$0.hasPrefix(".") || prefix.hasPrefix(".")) }.sorted().map { entry in
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: (listDir as NSString).appendingPathComponent(entry), isDirectory: &isDir)
            return shownDir + entry + (isDir.boolValue ? "/" : "")
        }
    }
}
