/// Expression evaluation, shared by the checker (where a variable's value may be
/// unknown until run time) and the interpreter (where every value is known).
///
/// `lookup` answers: `nil` = no such variable; `.some(nil)` = defined, value not
/// known yet; `.some(v)` = the value. `known` lists the defined names, for
/// "did you mean" on a typo.
func evaluate(_ expr: Expr, lookup: (String) -> Value??, known: () -> [String] = { [] }, errors: inout [Diagnostic]) -> Value? {
    switch expr {
    case .integer(let i, _): return .integer(i)
    case .float(let d, _): return .float(d)
    case .symbol(let s, _): return .symbol(s)
    case .metric(let name, let k, _): return .metric(MetricName(name, k: k))
    case .variable(let ref): return resolve(ref, lookup: lookup, known: known, errors: &errors)
    case .string(let parts, _):
        var text = ""
        var isKnown = true
        let knownNames = known
        for part in parts {
            switch part {
            case .text(let t): text += t
            case .variable(let ref):
                if let v = resolve(ref, lookup: lookup, known: knownNames, errors: &errors) { text += v.description } else { isKnown = false }
            }
        }
        return isKnown ? .string(text) : nil
    case .list(let items, _):
        var values: [Value] = []
        var isKnown = true
        for item in items {
            if let v = evaluate(item, lookup: lookup, known: known, errors: &errors) { values.append(v) } else { isKnown = false }
        }
        return isKnown ? .list(values) : nil
    }
}

/// `$name.field...`: reports undefined variables (with a suggestion) and missing fields.
func resolve(_ ref: VariableRef, lookup: (String) -> Value??, known: () -> [String], errors: inout [Diagnostic]) -> Value? {
    guard let found = lookup(ref.name) else {
        let help = closestMatch(to: ref.name, in: known()).map { "did you mean '$\($0)'?" }
            ?? "define it first with 'let \(ref.name) = ...'"
        errors.append(Diagnostic("undefined variable '$\(ref.name)'", at: ref.span, help: help))
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
