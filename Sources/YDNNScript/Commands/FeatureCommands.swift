import YDNN

/// Feature inputs by name: `embed` checks its feature against the loaded data's
/// declared ones, `continuous` feeds a number as its training quantile and powers.

extension ContinuousTransform: ChoiceArgument {}

extension CommandContext {
    /// The inputs the loaded data offers, or nil when nothing is loaded yet (the
    /// spec is then checked against the data at `train`).
    func dataFeatures() -> [FeatureInfo]? {
        guard session.data.hasData, let v = try? session.data.vocabularies() else { return nil }
        return v.featureInfos(exampleAge: session.data.sampleOptions.exampleAge != nil)
    }

    /// Continuous features of the loaded data (by name, not by transform column).
    func continuousFeatures() -> [String] {
        guard let log = session.data.log else { return [] }
        return log.declared.filter { $0.kind == .continuous }.map(\.name)
    }

    /// Throws unless `name` is a sparse input of the loaded data; suggests the
    /// nearest name, or `continuous` for a number.
    func requireSparseFeature(_ name: String, at argument: ArgumentInfo) throws {
        guard let features = dataFeatures() else { return }
        let sparse = features.filter { $0.kind != .dense }.map(\.name)
        if sparse.contains(name) { return }
        if continuousFeatures().contains(name) {
            throw argument.failure("'\(name)' is a continuous feature", help: "continuous \(name) transforms=[x, x2, sqrt]")
        }
        let hint = closestMatch(to: name, in: sparse + continuousFeatures()).map { "did you mean '\($0)'? " } ?? ""
        throw argument.failure("the data has no feature '\(name)'", help: hint + "features: " + sparse.joined(separator: ", "))
    }

    /// The lines `help embed` and `help continuous` add about the loaded data.
    func featureHelp() -> String? {
        guard let log = session.data.log, let features = dataFeatures() else { return nil }
        let sparse = features.filter { $0.kind != .dense }.map { f -> String in
            let scope = log.declaredColumn(f.name).map { " \($0.scope.rawValue)" } ?? ""
            return "\(f.name) (\(f.kind.rawValue)\(scope), \(f.vocabularySize) ids)"
        }
        var lines = ["features of the loaded data: " + sparse.joined(separator: ", ")]
        let numbers = continuousFeatures()
        if !numbers.isEmpty { lines.append("continuous features: " + numbers.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }
}

struct ContinuousCommand: ScriptCommand {
    static let name = "continuous"
    static let topic = Topic.model
    static let summary = "Feed a continuous feature as its training quantile in [0, 1], with chosen powers (x, x2, sqrt)"
    static let examples = ["continuous age transforms=[x, x2, sqrt]", "continuous age"]
    @Argument("the continuous feature") var feature: Name
    @Option("powers of the quantile fed to the network (the paper: x, x2, sqrt)") var transforms: [ContinuousTransform] = [.x]

    func validate() throws {
        if transforms.isEmpty { throw $transforms.failure("give at least one transform", help: "transforms=[x, x2, sqrt]") }
        if Set(transforms).count != transforms.count { throw $transforms.failure("a transform is listed twice") }
    }

    func run(_ context: CommandContext) throws -> Value {
        let name = feature.text
        if context.session.data.hasData {
            let known = context.continuousFeatures()
            if !known.contains(name) {
                let hint = closestMatch(to: name, in: known).map { "did you mean '\($0)'?" }
                    ?? (known.isEmpty ? "the loaded data declares no continuous feature" : "continuous features: " + known.joined(separator: ", "))
                throw $feature.failure("the data has no continuous feature '\(name)'", help: hint)
            }
        }
        // Re-running replaces the feature's earlier transforms.
        let columns = Set(ContinuousTransform.allCases.map { $0.column(name) })
        context.session.spec.denseInputs.removeAll { columns.contains($0) }
        context.session.spec.denseInputs += transforms.map { $0.column(name) }
        return .none
    }
}
