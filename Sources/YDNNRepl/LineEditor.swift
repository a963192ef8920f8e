@preconcurrency import CEditLine
import Foundation
import YDNNSignals

/// What one call to the line editor produced.
enum EditorInput {
    case line(String)
    /// Ctrl-C while editing: the caller drops the line and any pending continuation.
    case interrupted
    /// Ctrl-D on an empty line (or the terminal went away).
    case endOfInput
}

/// Supplies completion candidates: the whole line, the cursor as a UTF-8 offset,
/// and the word libedit will replace (the run of non-break characters before the cursor).
typealias CompletionProvider = (_ line: String, _ cursor: Int, _ word: String) -> [String]

/// libedit's readline-compatible API is one set of process globals, and its
/// completion hook is a plain C function pointer that cannot capture context.
/// So the editor is a process-wide singleton and the Swift state the hook needs
/// lives in these globals. One thread touches them: the hook runs inside `readline`,
/// on the thread running the REPL.
nonisolated(unsafe) private var activeProvider: CompletionProvider?
nonisolated(unsafe) private var offeredCandidates: [String] = []
nonisolated(unsafe) private var nextCandidateIndex = 0

final class LineEditor {
    nonisolated(unsafe) private static var initialized = false

    /// - Parameter programName: the name `~/.editrc` lines can be prefixed with
    ///   (`ydnn:bind ...`), as libedit's `el_source` matches it.
    init(programName: String, provider: @escaping CompletionProvider) {
        activeProvider = provider
        guard !LineEditor.initialized else { return }
        LineEditor.initialized = true
        // libedit keeps these pointers, so they must outlive the editor: leak them once.
        rl_readline_name = UnsafePointer(strdup(programName))
        rl_basic_word_break_characters = UnsafePointer(strdup(ReplCompletion.wordBreakCharacters))
        rl_completer_word_break_characters = strdup(ReplCompletion.wordBreakCharacters)
        rl_attempted_completion_function = attemptCompletion
        rl_attempted_completion_over = 1
        // rl_initialize reads ~/.editrc (or $EDITRC) and sets the emacs bindings.
        rl_initialize()
    }

    /// Reads one line. Ctrl-C arrives as SIGINT: libedit's own handler restores the
    /// terminal and re-raises it to our handler (`CancellationToken.installInterruptHandler`,
    /// without SA_RESTART), which cancels the process token; the read fails with EINTR
    /// and `readline` returns NULL just as it does for Ctrl-D. The token tells the two apart.
    func read(prompt: String) -> EditorInput {
        guard let raw = readline(prompt) else {
            return CancellationToken.process.reset() ? .interrupted : .endOfInput
        }
        defer { free(raw) }
        if CancellationToken.process.reset() { return .interrupted }
        return .line(String(cString: raw))
    }

    func addHistory(_ entry: String) {
        add_history(entry)
    }

    func limitHistory(to count: Int) {
        stifle_history(Int32(clamping: count))
    }
}

/// libedit's completion hook. Returning NULL (with `rl_attempted_completion_over`
/// set) means "no completion" rather than falling back to file names.
private func attemptCompletion(
    _ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32
) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    rl_attempted_completion_over = 1
    guard let provider = activeProvider else { return nil }
    let word = text.map { String(cString: $0) } ?? ""
    let line = rl_line_buffer.map { String(cString: $0) } ?? ""
    let cursor = utf8Offset(ofScalar: Int(rl_point), in: line)
    let candidates = ReplCompletion.usableCandidates(provider(line, cursor, word), for: word)
    guard !candidates.isEmpty else { return nil }
    rl_completion_append_character = Int32(
        ReplCompletion.appendCharacter(after: candidates, line: line, cursor: cursor) ?? 0)
    offeredCandidates = candidates
    // rl_completion_matches builds the array libedit expects (longest common prefix
    // first, NULL-terminated, sized the way libedit reads it) from our generator.
    return rl_completion_matches(word, nextCandidate)
}

/// The generator protocol: state 0 starts a new listing, later calls (whatever their
/// state number) continue it; return malloc'd strings until NULL.
private func nextCandidate(_ text: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
    if state == 0 { nextCandidateIndex = 0 }
    guard nextCandidateIndex < offeredCandidates.count else { return nil }
    defer { nextCandidateIndex += 1 }
    return strdup(offeredCandidates[nextCandidateIndex])
}

/// libedit counts `rl_point` in characters of its wide buffer (Unicode scalars on
/// Linux; measured: `print "é→" $ze` with the cursor at the end gave 14, not 17),
/// while the engine protocol promises a UTF-8 offset. Clamped, in case the two ever
/// disagree about the line.
func utf8Offset(ofScalar index: Int, in line: String) -> Int {
    let scalars = line.unicodeScalars
    let end = scalars.index(scalars.startIndex, offsetBy: max(0, index), limitedBy: scalars.endIndex)
        ?? scalars.endIndex
    return line.utf8.distance(from: line.utf8.startIndex, to: end)
}
