import Foundation
import YDNN

/// The walker's look at the files a statement names, before it runs:
///
/// - an output must be inside the write sandbox (`WriteSandbox.current`): a
///   check error where the path is known statically, a run-time error before
///   the command starts otherwise; the writer itself judges it again;
/// - in `check`, an input must exist, unless an earlier statement of the same
///   walk writes it (`save model "m.bin"` ... `load model "m.bin"`).
extension Interpreter {
    func checkFiles(of command: any ScriptCommand, _ statement: CommandStatement, _ walk: Walk) throws {
        for file in command.files {
            let span = file.span ?? statement.span
            switch file.role {
            case .output, .outputFolder:
                // A folder is judged by a file inside it.
                let probe = file.role == .output ? file.path : file.path + "/.ydnn-probe"
                do {
                    let target = try WriteSandbox.current.authorize(probe).path
                    walk.plannedOutputs.insert(file.role == .output ? target : (target as NSString).deletingLastPathComponent)
                } catch {
                    try walk.fail(Diagnostic("cannot write '\(file.path)': \(error.reason)", at: span, help: error.help))
                }
            case .input:
                guard walk.mode == .check, !FileManager.default.fileExists(atPath: file.path) else { continue }
                if let target = try? WriteSandbox.unrestricted.authorize(file.path).path,
                   walk.plannedOutputs.contains(target) { continue }
                let help = Self.nearbyName(file.path)
                    ?? (file.path.hasPrefix("/") ? nil
                        : "paths are relative to the working directory, \(FileManager.default.currentDirectoryPath)")
                try walk.fail(Diagnostic("no such file: \(file.path)", at: span, help: help))
            }
        }
    }

    /// "did you mean ..." from the names in the file's folder.
    static func nearbyName(_ path: String) -> String? {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder),
              let best = closestMatch(to: name, in: names.filter { !$0.hasPrefix(".") }) else { return nil }
        return "did you mean \"\(folder.isEmpty ? best : (folder as NSString).appendingPathComponent(best))\"?"
    }
}
