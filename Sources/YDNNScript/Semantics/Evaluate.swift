/// Expression evaluation, shared by the checker (where a variable's value may be
/// unknown until run time) and the interpreter (where every value is known).
///
/// `lookup` answers: `nil` = no such variable; `.some(nil)` = defined, value not
/// known yet; `.some(v)` = the value.
func evaluate(_ expr: Expr, lookup: (String) -> Value??, errors: inout [Diagnostic]) -> Value? {
    switch expr {
    case .integer(let i, _): return .integer(i)
    case .float(let d, _): return .float(d)
    case .symbol(let s, _): return .symbol(s)
    case .metric(let name, let k, _): return .metric(MetricName(name, k: k))
    case .variable(let ref): return resolve(ref, lookup: lookup, errors: &errors)
    case .string(let parts, _):
        var text = ""
        var known = true
        for part in parts {
            switch part {
            case .text(let t): text += t
            case .variable(let ref):
                if let v = resolve(ref, lookup: lookup, errors: &errors) { text += v.description } else { known = false }
            }
        }
        return known ? .string(text) : nil
    case .list(let items, _):
        var values: [Value] = []
        var known = true
        for item in items {
            if let v = evaluate(item, lookup: lookup, errors: &errors) { values.append(v) } else { known = false }
        }
        return known ? .list(values) : nil
    }
}

/// `$name.field...`: reports undefined variables (with a suggestion) and missing fields.
func resolve(_ ref: VariableRef, lookup: (String) -> Value??, errors: inout [Diagnostic]) -> Value? {
    guard let found = lookup(ref.name) else {
        errors.append(Diagnostic("undefined variable '$\(ref.name)'", at: ref.span,
                                 help: "define it first with 'let \(ref.name) = ...'"))
        return nil
    }
    guard var value = found else { return nil }
    for field in ref.path {
        guard let next = value.field(field) else {
            let names = value.fieldNames
            let help = closestMatch(to: field, in: names).map { "did you mean '\($0)'?" }
                ?? (names.isEmpty ? "a \(value.typeName) has no fields" : "fields: \(names.joined(separator: ", "))")
            errors.append(Diagnostic("'$\(ref.name)' has no field '\(field)'", at: ref.span, help: help))
            return nil
        }
        value = next
    }
    return value
}
