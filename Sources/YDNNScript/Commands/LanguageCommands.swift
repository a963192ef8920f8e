import Foundation
import YDNN

/// The commands of the language itself: output, seed, settings, help.

struct PrintCommand: ScriptCommand {
    static let name = "print"
    static let topic = Topic.language
    static let summary = "Print values, separated by spaces"
    static let examples = ["print \"lr is\" $lr", "print $r.hr@50"]
    @Rest("a value to print") var value: [Value]

    func run(_ context: CommandContext) throws -> Value {
        context.console.print(value.map(\.description).joined(separator: " "))
        return .none
    }
}

struct SeedCommand: ScriptCommand {
    static let name = "seed"
    static let topic = Topic.session
    static let summary = "Set the seed every random choice derives from"
    static let examples = ["seed 7"]
    @Argument("the seed", .integer(0...Int.max)) var n: Int

    func run(_ context: CommandContext) throws -> Value {
        context.session.seed = UInt64(n)
        return .none
    }
}

/// One option per field of `Settings`, of the same name and type.
struct SetCommand: ScriptCommand {
    static let name = "set"
    static let topic = Topic.session
    static let summary = "Change session settings"
    static let examples = ["set threads=2 precision=3"]
    @Option("threads for training, evaluation and mining (fixed, not the core count: results depend on it)", .integer(1...256))
    var threads: Int?
    @Option("progress bars: auto draws them only on a terminal") var progress: ProgressMode?
    @Option("digits after the point in metric tables", .integer(1...12)) var precision: Int?
    @Option("what loaders do with a malformed line, unless a load says otherwise") var on_error: OnError?
    @Option("print each statement before it runs") var echo: Bool?

    func validate() throws {
        if threads == nil, progress == nil, precision == nil, on_error == nil, echo == nil {
            throw CommandFailure("'set' needs at least one name=value", help: "see 'show' for the settings")
        }
    }

    func run(_ context: CommandContext) throws -> Value {
        if let threads { context.session.settings.threads = threads }
        if let progress { context.session.settings.progress = progress }
        if let precision { context.session.settings.precision = precision }
        if let on_error { context.session.settings.on_error = on_error }
        if let echo { context.session.settings.echo = echo }
        return .none
    }
}

struct ShowCommand: ScriptCommand {
    static let name = "show"
    static let topic = Topic.session
    static let summary = "Show session settings (all, or one)"
    @Argument("a setting", .choice(Settings().fields.map(\.name) + ["seed"])) var name: String?

    func run(_ context: CommandContext) throws -> Value {
        let session = context.session
        if name == "seed" {
            context.console.print(String(session.seed))
            return .integer(Int(session.seed))
        }
        let current = session.settings.fields
        if let name, let field = current.first(where: { $0.name == name }) {
            context.console.print(field.value.description)
            return field.value
        }
        let defaults = Settings().fields
        let docs = SetCommand.spec.options
        var table = TextTable(["setting", "value", "default", "description"])
        table.add(["seed", String(session.seed), "0", "the recipe's seed ('seed N')"])
        for (field, initial) in zip(current, defaults) {
            table.add([field.name, field.value.description, initial.value.description,
                       docs.first { $0.name == field.name }?.doc ?? ""])
        }
        context.console.table(table)
        return .none
    }
}

struct HelpCommand: ScriptCommand {
    static let name = "help"
    static let topic = Topic.language
    static let summary = "List the commands, or explain one (help train, help load csv, help syntax)"
    @Argument("a command name, or 'syntax'") var topic: Name?
    @Argument("a kind, for commands with kinds (help load csv)") var kind: Name?

    func run(_ context: CommandContext) throws -> Value {
        let registry = context.interpreter.registry
        let reference = Reference(registry: registry)
        guard let topic = topic?.text else {
            context.console.print(reference.overview())
            return .none
        }
        if topic == "syntax" { context.console.print(Reference.syntax); return .none }
        let name = [topic, kind?.text].compactMap { $0 }.joined(separator: " ")
        guard let spec = registry.spec(fullName: name) else {
            let help = closestMatch(to: topic, in: registry.names + ["syntax"]).map { "did you mean '\($0)'?" } ?? "type 'help' for the list"
            throw CommandFailure("no help for '\(name)'", help: help, at: kind == nil ? $topic : $kind)
        }
        context.console.print(reference.detail(spec))
        if name == "embed" || name == "continuous" || name == "item_tower", let features = context.featureHelp() { context.console.print(features) }
        return .none
    }
}

extension Interpreter {
    /// An interpreter with every command ydnn has.
    public convenience init(console: Console = .standard()) {
        self.init(console: console, registry: .standard)
    }
}

/// Commands with kinds (`load paddle`, `save model`): the group's own line in help.
struct CommandGroup {
    let name: String
    let topic: Topic
    let summary: String
}

extension CommandRegistry {
    /// Every command ydnn has, in the order help lists them.
    public static let standard: CommandRegistry = {
        let groups = [
            CommandGroup(name: "load", topic: .data, summary: "Load a click log, or a saved model or index"),
            CommandGroup(name: "save", topic: .training, summary: "Save the model or the item index to a file"),
            CommandGroup(name: "index", topic: .retrieval, summary: "Build an item index over the model's item vectors"),
            CommandGroup(name: "export", topic: .training, summary: "Hand the recipe to another engine (torchrec: TorchRec under torchrun)"),
            CommandGroup(name: "import", topic: .training, summary: "Read back what another engine trained (torchrec)"),
        ]
        let types: [CommandType] = languageCommands + dataCommands + modelCommands + checkpointCommands
            + exportCommands + [EvaluateCommand.self] + retrievalCommands + experimentCommands
        return CommandRegistry(types: types, groups: groups)
    }()

    /// Top-level commands in the order of `types`; a type named "load csv" becomes
    /// a form of the group "load", which takes the place of its first form.
    init(types: [CommandType], groups: [CommandGroup]) {
        var specs: [CommandSpec] = []
        var forms: [String: [CommandSpec]] = [:]
        var order: [String] = []
        for t in types {
            let spec = t.spec
            let words = spec.name.split(separator: " ")
            if words.count == 2 {
                let group = String(words[0])
                if forms[group] == nil { order.append(group); specs.append(CommandSpec(group, topic: spec.topic, "")) }
                forms[group, default: []].append(spec)
            } else {
                order.append(spec.name)
                specs.append(spec)
            }
        }
        self.init(specs.map { spec in
            guard let members = forms[spec.name], let group = groups.first(where: { $0.name == spec.name }) else { return spec }
            return CommandSpec(group.name, topic: group.topic, group.summary, forms: members)
        })
    }
}

var languageCommands: [CommandType] { [PrintCommand.self, SeedCommand.self, SetCommand.self, ShowCommand.self, HelpCommand.self] }
