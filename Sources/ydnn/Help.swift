import ArgumentParser
import Foundation
import YDNNScript

/// `ydnn help [NAME [KIND]]`: the CLI's subcommands and the language's commands.
enum CLIHelp {
    static func run(_ args: [String]) -> Int32 {
        let reference = Reference(registry: .standard)
        guard let topic = args.first else {
            print(Ydnn.helpMessage())
            print("")
            print(reference.overview())
            return 0
        }
        switch topic {
        case "run": print(Ydnn.helpMessage(for: Run.self)); return 0
        case "check": print(Ydnn.helpMessage(for: Check.self)); return 0
        case "notebook": print(Ydnn.helpMessage(for: NotebookCommand.self)); return 0
        case "kernel": print(Ydnn.helpMessage(for: KernelCommand.self)); return 0
        case "syntax": print(Reference.syntax); return 0
        case "--markdown": print(reference.markdown()); return 0
        default: break
        }
        if let spec = CommandRegistry.standard.spec(fullName: args.prefix(2).joined(separator: " ")) {
            print(reference.detail(spec))
            return 0
        }
        let all = CommandRegistry.standard.names + ["run", "check", "notebook", "kernel", "syntax"]
        let hint = closestMatch(to: topic, in: all).map { "; did you mean '\($0)'?" } ?? ""
        FileHandle.standardError.write(Data("error: no help for '\(args.joined(separator: " "))'\(hint)\n".utf8))
        return 2
    }
}
