/// One parameter of a command: positional (`embed user_id 64`) or option (`lr=0.001`).
public struct Param: Sendable {
    public let name: String
    public let type: ParamType
    /// Used when the argument is not given; `nil` with `required` false means "absent".
    public let defaultValue: Value?
    public let required: Bool
    public let doc: String

    public init(_ name: String, _ type: ParamType, default defaultValue: Value? = nil, required: Bool = false, _ doc: String) {
        self.name = name; self.type = type; self.defaultValue = defaultValue
        self.required = required; self.doc = doc
    }

    /// A required positional.
    public static func required(_ name: String, _ type: ParamType, _ doc: String) -> Param {
        Param(name, type, required: true, doc)
    }
}

public enum Topic: String, Sendable, CaseIterable {
    case language = "Language"
    case session = "Session"
    case data = "Data"
    case model = "Model"
    case training = "Training"
    case retrieval = "Retrieval and evaluation"
    case experiments = "Experiments"
}

/// A command, declared once: everything the checker, the interpreter, `help`,
/// completion and the README's reference know about it comes from here.
public struct CommandSpec: @unchecked Sendable {  // metatypes and immutable values only
    public let name: String
    public let topic: Topic
    public let summary: String
    public let positionals: [Param]
    /// A trailing positional that repeats (`evaluate hr@10 hr@50 ndcg@10`).
    public let rest: Param?
    public let options: [Param]
    public let takesBlock: Bool
    /// Kinds selected by the first word (`load paddle`, `load movielens`): each is
    /// a full spec of its own, named "load paddle".
    public let forms: [CommandSpec]
    public let examples: [String]
    /// The declared type that checks and runs this command (nil for a group such
    /// as `load`, whose forms have their own).
    public let command: CommandType?

    public init(_ name: String, topic: Topic, _ summary: String,
                positionals: [Param] = [], rest: Param? = nil, options: [Param] = [],
                takesBlock: Bool = false, forms: [CommandSpec] = [], examples: [String] = [],
                command: CommandType? = nil) {
        self.name = name; self.topic = topic; self.summary = summary
        self.positionals = positionals; self.rest = rest; self.options = options
        self.takesBlock = takesBlock; self.forms = forms; self.examples = examples
        self.command = command
    }

    /// The word that selects this form (`paddle` of `load paddle`).
    public var formWord: String { String(name.split(separator: " ").last ?? "") }

    /// Every parameter that may be written `name=value`: the options, and the
    /// positionals by name.
    public var namedParams: [Param] { options + positionals }

    public func param(named name: String) -> Param? { namedParams.first { $0.name == name } }

    /// `train [epochs=INT] [batch=INT] ...`
    public var usage: String {
        if !forms.isEmpty {
            return "\(name) \(forms.map(\.formWord).joined(separator: "|")) ..."
        }
        var parts = [name]
        for p in positionals {
            let word = p.name.uppercased()
            parts.append(p.required ? word : "[\(word)]")
        }
        if let rest { parts.append("[\(rest.name.uppercased()) ...]") }
        for o in options { parts.append("[\(o.name)=\(o.type.display)]") }
        if takesBlock { parts.append("{ ... }") }
        return parts.joined(separator: " ")
    }
}
