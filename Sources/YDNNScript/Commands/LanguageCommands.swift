import Foundation

/// The commands of the language itself: output, seed, settings, help.
let languageCommands: [CommandSpec] = [
    CommandSpec(
        "print", topic: .language, "Print values, separated by spaces",
        rest: Param("value", .any, "a value to print"),
        examples: ["print \"lr is\" $lr", "print $r.hr@50"],
        handler: { inv in
            inv.console.print(inv.rest.map(\.description).joined(separator: " "))
            return .none
        }),
    CommandSpec(
        "seed", topic: .session, "Set the seed every random choice derives from",
        positionals: [.required("n", .integer(0...Int.max), "the seed")],
        examples: ["seed 7"],
        handler: { inv in
            inv.interpreter.seed = UInt64(inv.int("n"))
            return .none
        }),
    CommandSpec(
        "set", topic: .session, "Change session settings",
        options: sessionSettings.map { Param($0.name, $0.type, $0.doc) },
        examples: ["set threads=2 precision=3"],
        handler: { inv in
            let given = inv.spec.options.filter { inv.given($0.name) }
            if given.isEmpty { throw inv.failure("'set' needs at least one name=value", help: "see 'show' for the settings") }
            for p in given { inv.interpreter.settings[p.name] = inv.value(p.name) }
            return .none
        }),
    CommandSpec(
        "show", topic: .session, "Show session settings (all, or one)",
        positionals: [Param("name", .choice(sessionSettings.map(\.name) + ["seed"]), "a setting")],
        handler: { inv in
            let interp = inv.interpreter
            if let name = inv.string("name") {
                inv.console.print(name == "seed" ? String(interp.seed) : interp.setting(name).description)
                return name == "seed" ? .integer(Int(interp.seed)) : interp.setting(name)
            }
            var table = TextTable(["setting", "value", "default", "description"])
            table.add(["seed", String(interp.seed), "0", "the recipe's seed ('seed N')"])
            for p in sessionSettings {
                table.add([p.name, interp.setting(p.name).description, p.defaultValue?.description ?? "", p.doc])
            }
            inv.console.table(table)
            return .none
        }),
    CommandSpec(
        "help", topic: .language, "List the commands, or explain one (help train, help load csv, help syntax)",
        positionals: [Param("topic", .word, "a command name, or 'syntax'"),
                      Param("kind", .word, "a kind, for commands with kinds (help load csv)")],
        handler: { inv in
            let reference = Reference(registry: inv.interpreter.registry)
            guard let topic = inv.string("topic") else {
                inv.console.print(reference.overview())
                return .none
            }
            if topic == "syntax" { inv.console.print(Reference.syntax); return .none }
            let name = [topic, inv.string("kind")].compactMap { $0 }.joined(separator: " ")
            guard let spec = inv.interpreter.registry.spec(fullName: name) else {
                let all = inv.interpreter.registry.names + ["syntax"]
                let help = closestMatch(to: topic, in: all).map { "did you mean '\($0)'?" } ?? "type 'help' for the list"
                throw inv.failure("no help for '\(name)'", at: inv.given("kind") ? "kind" : "topic", help: help)
            }
            inv.console.print(reference.detail(spec))
            return .none
        }),
]

extension CommandRegistry {
    /// Every command ydnn has.
    public static let standard = CommandRegistry(languageCommands + dataCommands + modelCommands + [saveCommand, evaluateCommand] + retrievalCommands + experimentCommands)
}
