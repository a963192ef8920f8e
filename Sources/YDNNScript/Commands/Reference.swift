/// Help text and the language reference, generated from the registry so they
/// cannot drift from what the checker accepts.
public struct Reference {
    public let registry: CommandRegistry
    public init(registry: CommandRegistry) { self.registry = registry }

    /// `help`: every command by topic, one line each.
    public func overview() -> String {
        var lines = ["Commands (help NAME for details, help syntax for the language):"]
        for topic in Topic.allCases {
            let specs = registry.commands.filter { $0.topic == topic }
            if specs.isEmpty { continue }
            lines.append("")
            lines.append(topic.rawValue)
            let width = specs.map { $0.name.count }.max() ?? 0
            for s in specs {
                lines.append("  " + s.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + s.summary)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `help NAME`: usage, summary, parameters, kinds, examples.
    public func detail(_ spec: CommandSpec) -> String {
        var lines = ["usage: \(spec.usage)", "", spec.summary]
        if !spec.forms.isEmpty {
            lines.append("")
            lines.append("kinds:")
            let width = spec.forms.map(\.usage.count).max() ?? 0
            for f in spec.forms {
                lines.append("  " + f.usage.padding(toLength: width + 2, withPad: " ", startingAt: 0) + f.summary)
            }
            lines.append("")
            lines.append("help \(spec.name) KIND for a kind's options")
        }
        let table = parameterTable(spec)
        if !table.rows.isEmpty {
            lines.append("")
            lines.append(table.render())
        }
        if !spec.examples.isEmpty {
            lines.append("")
            lines.append("examples:")
            lines += spec.examples.map { "  " + $0.replacingOccurrences(of: "\n", with: "\n  ") }
        }
        return lines.joined(separator: "\n")
    }

    func parameterTable(_ spec: CommandSpec) -> TextTable {
        var table = TextTable(["argument", "type", "default", "allowed", "description"])
        for p in spec.positionals {
            table.add([p.name.uppercased(), p.type.display, p.required ? "(required)" : (p.defaultValue?.description ?? "-"),
                       p.type.constraint ?? "", p.doc])
        }
        if let r = spec.rest {
            table.add([r.name.uppercased() + " ...", r.type.display, r.required ? "(one or more)" : "-", r.type.constraint ?? "", r.doc])
        }
        for p in spec.options {
            table.add([p.name + "=", p.type.display, p.defaultValue?.description ?? "-", p.type.constraint ?? "", p.doc])
        }
        return table
    }

    /// The command reference in Markdown, for the README (kept identical by a test).
    public func markdown() -> String {
        var out: [String] = []
        for topic in Topic.allCases {
            let specs = registry.commands.filter { $0.topic == topic }
            if specs.isEmpty { continue }
            out.append("### \(topic.rawValue)")
            out.append("")
            for s in specs {
                for spec in s.forms.isEmpty ? [s] : s.forms {
                    out.append("**`\(spec.usage)`** — \(spec.summary)")
                    out.append("")
                    let table = parameterTable(spec)
                    if !table.rows.isEmpty {
                        out.append(table.markdown())
                        out.append("")
                    }
                }
            }
        }
        return out.joined(separator: "\n")
    }

    /// `help syntax`: the language in one screen.
    public static let syntax = """
    A script is a list of statements, one per line (or separated by ';').

      train epochs=3 lr=0.001      a command: positional arguments, then name=value options
      let dims = [256, 31]         bind a variable; use it as $dims, or "$dims" inside strings
      let r = evaluate hr@50       bind a command's result; read fields as $r.hr@50
      for x in [1, 2] { ... }      repeat a block for each value of a list
      include "base.ydnn"          run another file (relative to this one)
      experiment "name" { ... }    a named block (see help experiment)
      # comment                    to the end of the line

    Values: integers 42, numbers 0.5 1e-3, strings "a\\tb $x ${r.hr@50}", words adam max,
    booleans on off true false, lists [1, 2], metrics hr@10 ndcg@50 mrr.
    A line ending in '\\' continues on the next; so does an open '{' or '['.
    """
}
