/// How Tab completion splits the line, shared with engines so their candidates fit.
///
/// libedit replaces the *word* before the cursor: the longest run of characters
/// not in `wordBreakCharacters`. The engine's candidates are whole replacements for
/// that word (`$va` → `$var`, `data/tr` → `data/train.tsv`).
public enum ReplCompletion {
    /// `$` is absent so `$va` is one word; `:` so `:he` completes to `:help`; `/`,
    /// `.`, `-` and `~` so a file path inside a string is one word. The quote is a
    /// break, so inside `"data/tr` the word is `data/tr`.
    public static let wordBreakCharacters = " \t\n\"'`=[](){},;+*<>|&!@^%"

    /// The word Tab would replace: `line`'s text before `cursor` (a UTF-8 offset)
    /// back to the nearest break character.
    public static func word(in line: String, cursor: Int) -> String {
        let before = line.utf8.prefix(max(0, cursor))
        let breaks = Set(wordBreakCharacters.utf8)
        let start = before.lastIndex(where: { breaks.contains($0) }).map { before.index(after: $0) }
            ?? before.startIndex
        return String(decoding: before[start...], as: UTF8.self)
    }

    /// The candidates libedit can use: each must extend `word`, or libedit would
    /// delete what the user typed. Sorted and unique, as libedit lists them.
    public static func usableCandidates(_ raw: [String], for word: String) -> [String] {
        Array(Set(raw.filter { !$0.isEmpty && $0.hasPrefix(word) })).sorted()
    }

    /// What to type after a single completed match: a space so the user can type on,
    /// but nothing where the match itself asks for more (`data/`, `epochs=`, `f(`) or
    /// inside a string (`"data/tr` → the user closes the quote). Nil when there is
    /// nothing to append (several matches).
    public static func appendCharacter(after candidates: [String], line: String, cursor: Int) -> UInt8? {
        guard candidates.count == 1, let only = candidates.first,
              let last = only.unicodeScalars.last, !"/=([{,.".unicodeScalars.contains(last)
        else { return nil }
        let before = Array(line.utf8.prefix(max(0, cursor)))
        let start = before.count - word(in: line, cursor: cursor).utf8.count
        if start > 0, before[start - 1] == UInt8(ascii: "\"") || before[start - 1] == UInt8(ascii: "'") {
            return nil
        }
        return UInt8(ascii: " ")
    }
}
