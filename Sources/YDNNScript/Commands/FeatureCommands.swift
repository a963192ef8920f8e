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

    /// The sparse inputs of the loaded data, by name, read off the log (no
    /// vocabulary is built for it): the fixed seven, the declared categorical and
    /// bag features, and the token streams.
    func sparseFeatureNames() -> [String]? {
        guard let log = session.data.log else { return nil }
        return ClickLog.fixedSparseFeatures + log.declared.filter { $0.kind != .continuous }.map(\.name) + log.tokenStreams.map(\.name)
    }

    /// Throws unless `name` is a sparse input of the loaded data; suggests the
    /// nearest name, or `continuous` for a number.
    func requireSparseFeature(_ name: String, at argument: ArgumentInfo) throws {
        guard let sparse = sparseFeatureNames() else { return }
        if sparse.contains(name) { return }
        if continuousFeatures().contains(name) {
            throw argument.failure("'\(name)' is a continuous feature", help: "continuous \(name) transforms=[x, x2, sqrt]")
        }
        let hint = closestMatch(to: name, in: sparse + continuousFeatures()).map { "did you mean '\($0)'? " } ?? ""
        throw argument.failure("the data has no feature '\(name)'", help: hint + "features: " + sparse.joined(separator: ", "))
    }

    /// The features an item tower can read off the loaded log (nil: nothing loaded).
    func itemFeatureNames() -> [String]? { session.data.log?.itemFeatureNames }

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
        if let items = itemFeatureNames() { lines.append("item features (item_tower): " + items.joined(separator: ", ")) }
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

struct LoadEventsCommand: ScriptCommand {
    static let name = "load events"
    static let topic = Topic.data
    static let summary = "Attach a second history stream: per-user timestamped tokens (searches, tags); a sample sees those before its click"
    static let examples = ["load events \"../shared/data/ml-latest-small/tags.csv\" name=tag_history user=userId token=tag time=timestamp window=20"]
    @Argument("a CSV/TSV file with a header row") var path: ScriptPath
    @Option("the feature's name (embed NAME DIM pool=avg)") var name: Name
    @Option("column of the user key (as in the loaded log)") var user: String
    @Option("column of the token") var token: String
    @Option("column of the time (on the log's clock)") var time: String
    @Option("keep the newest N tokens before each click (default: all)", .integer(1...1_000_000)) var window: Int?
    @Option("field separator (default: detected from the header)") var delimiter: String?
    @Option("divide times by this (e.g. 1000 for milliseconds)", .integer(1...Int.max)) var time_divisor = 1
    @Option(onErrorDoc) var on_error: OnError?

    func validate() throws {
        if let d = delimiter, d != "\\t" && d.count != 1 { throw $delimiter.failure("delimiter must be one character") }
    }

    func run(_ context: CommandContext) throws -> Value {
        guard let log = context.session.data.log else {
            throw CommandFailure("load the click log first", help: "load csv ... then load events ...")
        }
        var c = TokenColumns(user: user, token: token, time: time)
        c.timeDivisor = Int64(time_divisor)
        c.delimiter = delimiter.map { $0 == "\\t" ? "\t" : Character($0) }
        let (withStream, skipped) = try log.withTokenStream(name: name.text, path: path.text, columns: c, window: window,
                                                            onError: context.onError(on_error))
        context.session.data.setLog(withStream)
        if !context.interpreter.dataFiles.contains(path.text) { context.interpreter.dataFiles.append(path.text) }
        let stream = withStream.tokenStreams.last!
        var line = "loaded events \(path) as \(name): \(stream.ids.count) tokens (\(stream.values.count) distinct) of \(withStream.numUsers) users"
        if skipped > 0 { line += "; \(skipped) tokens of users not in the log skipped" }
        context.console.print(line)
        return .record([("tokens", .integer(stream.ids.count)), ("distinct", .integer(stream.values.count)), ("skipped", .integer(skipped))])
    }
}

struct ItemTowerCommand: ScriptCommand {
    static let name = "item_tower"
    static let topic = Topic.model
    static let summary = "Build each item's vector from its features (categories, tags, genres ...) plus its free vector, so items never clicked in training can be recalled"
    static let examples = ["item_tower categories tags dim=16", "item_tower genres dim=16 hidden=64", "item_tower off"]
    @Rest("an item feature (categories, tags, or a declared per-item one such as genres), or off", required: true) var features: [Name]
    @Option("embedding width of each item feature", .integer(1...65_536)) var dim = 16
    @Option("how an item's list of values is pooled") var pool = ListPooling.avg
    @Option("width of a ReLU layer before the projection to the item vector (0: none)", .integer(0...65_536)) var hidden = 0
    @Option("training only: the chance an item is scored without its free vector, so the tower learns to place items by their features alone (DropoutNet)",
            .number(0...0.99)) var id_dropout = 0.5

    func validate() throws {
        let names = features.map(\.text)
        if names.count > 1, let i = names.firstIndex(of: "off") { throw failure(at: i, "off turns the item tower off; it takes no features") }
        for (i, name) in names.enumerated() where names[..<i].contains(name) { throw failure(at: i, "'\(name)' is listed twice") }
    }

    /// An error with its caret under the `i`th feature.
    private func failure(at i: Int, _ message: String, help: String? = nil) -> CommandFailure {
        var where_ = ArgumentInfo()
        where_.span = i < $features.count ? $features[i] : nil
        return CommandFailure(message, help: help, at: where_)
    }

    func run(_ context: CommandContext) throws -> Value {
        let names = features.map(\.text)
        if names == ["off"] {
            context.session.spec.itemTower = nil
            return .none
        }
        if let known = context.itemFeatureNames() {
            for (i, name) in names.enumerated() where !known.contains(name) {
                let hint = closestMatch(to: name, in: known).map { "did you mean '\($0)'? " } ?? ""
                throw failure(at: i, "items have no feature '\(name)'", help: hint + "item features: " + known.joined(separator: ", "))
            }
        }
        context.session.spec.itemTower = ItemTowerSpec(features: names, dim: dim, pool: pool.pooling,
                                                       hidden: hidden > 0 ? [DenseSpec(hidden)] : [], idDropout: id_dropout)
        return .none
    }
}
