import ArgumentParser
import Foundation
import YDNN
import YDNNRepl
import YDNNScript

// Exit codes: 0 success, 1 script error, 2 usage error (130 after Ctrl-C).
// `ydnn help ...` is handled before the argument parser because it explains the
// language's commands, not only the CLI's.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "help" {
    exit(CLIHelp.run(Array(arguments.dropFirst())))
}
do {
    var command = try Ydnn.parseAsRoot(arguments)
    try command.run()
} catch let code as ExitCode {
    exit(code.rawValue)
} catch {
    if Ydnn.exitCode(for: error) == .validationFailure {
        FileHandle.standardError.write(Data((Ydnn.fullMessage(for: error) + "\n").utf8))
        exit(2)
    }
    Ydnn.exit(withError: error)
}
