/// Every command the language knows, by name. Built once from the command
/// declarations in Commands/; read by the parser (which words start a command
/// after `let x =`), the checker, the interpreter, help, completion and the
/// generated language reference.
public struct CommandRegistry: Sendable {
    public private(set) var commands: [CommandSpec] = []
    private var index: [String: Int] = [:]

    public init(_ specs: [CommandSpec] = []) {
        for s in specs { register(s) }
    }

    public mutating func register(_ spec: CommandSpec) {
        precondition(index[spec.name] == nil, "command '\(spec.name)' declared twice")
        precondition(!reservedWords.contains(spec.name), "'\(spec.name)' is a reserved word")
        index[spec.name] = commands.count
        commands.append(spec)
    }

    public subscript(name: String) -> CommandSpec? { index[name].map { commands[$0] } }

    public var names: [String] { commands.map(\.name) }

    /// The spec named by a full name such as "load csv".
    public func spec(fullName: String) -> CommandSpec? {
        let words = fullName.split(separator: " ").map(String.init)
        guard let first = words.first, let top = self[first] else { return nil }
        if words.count == 1 { return top }
        return top.forms.first { $0.formWord == words[1] }
    }
}

/// A command's arguments matched against its spec: values converted to the
/// declared types, defaults filled in.
public struct BoundArguments: Sendable {
    /// The spec after choosing the form (`load csv`, not `load`).
    public let spec: CommandSpec
    /// Values by parameter name; `nil` inside means "not known until run time".
    public var values: [String: Value?] = [:]
    public var rest: [Value?] = []
    public var spans: [String: Span] = [:]
    public var restSpans: [Span] = []
}

extension CommandRegistry {
    /// Matches a command statement against its spec. `evaluate` gives an
    /// expression's value, or nil when it is not known yet (at check time).
    /// Returns nil for the binding when the command itself is unknown.
    public func bind(_ command: CommandStatement, evaluate: (Expr) -> Value?) -> (BoundArguments?, [Diagnostic]) {
        var errors: [Diagnostic] = []
        guard var spec = self[command.name] else {
            var help: String? = closestMatch(to: command.name, in: names).map { "did you mean '\($0)'?" }
            if help == nil { help = "type 'help' for the list of commands" }
            return (nil, [Diagnostic("unknown command '\(command.name)'", at: command.nameSpan, help: help)])
        }
        var positionals = command.positionals

        if !spec.forms.isEmpty {
            let kinds = spec.forms.map(\.formWord)
            guard let first = positionals.first else {
                return (nil, [Diagnostic("'\(spec.name)' needs a kind: \(kinds.joined(separator: ", "))", at: command.nameSpan)])
            }
            positionals.removeFirst()
            guard let v = evaluate(first) else { return (nil, []) }  // chosen at run time
            let word: String
            switch v {
            case .symbol(let s), .string(let s): word = s
            default: word = v.description
            }
            guard let form = spec.forms.first(where: { $0.formWord == word }) else {
                let hint = closestMatch(to: word, in: kinds).map { "did you mean '\($0)'?" } ?? "kinds: \(kinds.joined(separator: ", "))"
                return (nil, [Diagnostic("unknown kind '\(word)' for '\(spec.name)'", at: first.span, help: hint)])
            }
            spec = form
        }

        var bound = BoundArguments(spec: spec)
        func convert(_ expr: Expr, to param: Param) -> Value?? {
            guard let v = evaluate(expr) else { return .some(nil) }
            switch param.type.coerce(v) {
            case .success(let c): return .some(c)
            case .failure(let e):
                let isPositional = spec.positionals.contains { $0.name == param.name } || spec.rest?.name == param.name
                let label = isPositional ? param.name.uppercased() : "'\(param.name)'"
                errors.append(Diagnostic("invalid value for \(label): \(e.message)", at: expr.span))
                return nil
            }
        }

        for option in command.options {
            let label = option.label!
            guard let param = spec.param(named: label) else {
                let known = spec.namedParams.map(\.name)
                let help = closestMatch(to: label, in: known).map { "did you mean '\($0)'?" }
                    ?? (known.isEmpty ? "'\(spec.name)' takes no options" : "options: \(known.joined(separator: ", "))")
                errors.append(Diagnostic("unknown option '\(label)' for '\(spec.name)'", at: option.labelSpan!, help: help))
                continue
            }
            if bound.spans[label] != nil {
                errors.append(Diagnostic("'\(label)' is given twice", at: option.labelSpan!))
                continue
            }
            bound.spans[label] = option.span
            if let v = convert(option.value, to: param) { bound.values[label] = v }
        }

        var queue = positionals[...]
        for param in spec.positionals where bound.spans[param.name] == nil {
            guard let expr = queue.popFirst() else { break }
            bound.spans[param.name] = expr.span
            if let v = convert(expr, to: param) { bound.values[param.name] = v }
        }
        if let rest = spec.rest {
            for expr in queue {
                bound.restSpans.append(expr.span)
                if let v = convert(expr, to: rest) { bound.rest.append(v) }
            }
        } else if let extra = queue.first {
            let n = spec.positionals.count
            let expects = n == 0 ? "takes no positional arguments" : "takes \(n) positional argument\(n == 1 ? "" : "s")"
            errors.append(Diagnostic("too many arguments: '\(spec.name)' \(expects)", at: extra.span.to(queue.last!.span),
                                     help: "usage: \(spec.usage)"))
        }

        for param in spec.namedParams where bound.spans[param.name] == nil {
            if param.required {
                errors.append(Diagnostic("'\(spec.name)' needs \(param.name.uppercased()) (\(param.doc))",
                                         at: command.span, help: "usage: \(spec.usage)"))
            } else if let d = param.defaultValue {
                bound.values[param.name] = .some(d)
            }
        }
        if spec.rest?.required == true, bound.restSpans.isEmpty {
            errors.append(Diagnostic("'\(spec.name)' needs at least one \(spec.rest!.name.uppercased())", at: command.span,
                                     help: "usage: \(spec.usage)"))
        }

        if spec.takesBlock, command.block == nil {
            errors.append(Diagnostic("'\(spec.name)' needs a { ... } block", at: command.span))
        } else if !spec.takesBlock, let block = command.block {
            errors.append(Diagnostic("'\(spec.name)' does not take a block", at: block.span))
        }
        return (bound, errors)
    }
}
