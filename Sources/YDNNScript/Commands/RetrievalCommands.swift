import Foundation
import YDNN

/// Retrieval commands: item indexes, recommendations for one user, similar and
/// popular items, vector export and offline mining. Evaluation is in
/// EvaluateCommand.swift.

func itemVectorSet(_ model: Model) throws -> VectorSet {
    try VectorSet(count: model.itemCount, dimension: model.vectorDimension, values: model.itemVectors())
}

func userVectorSet(_ model: Model, _ batch: SampleBatch) throws -> VectorSet {
    try VectorSet(count: batch.count, dimension: model.vectorDimension,
                  values: model.userVectors(for: batch, denseOverrides: ["example_age": 0]))
}

extension CommandContext {
    /// The index to search with: the one `index` built, if it is still current, else exact.
    func searchIndex(_ model: Model) throws -> VectorIndex {
        try session.currentIndex ?? ExactIndex(items: itemVectorSet(model))
    }

    /// Prints a recommendation list as a table and returns it as a list of records.
    func show(_ results: [ScoredItem], _ samples: SampleSet) -> Value {
        var table = TextTable(["rank", "item", "category", "tags", "score"])
        var rows: [Value] = []
        for (r, s) in results.enumerated() {
            let id = Int32(s.item)
            let name = samples.items.title(id).map { "\(samples.items.key(id)) \($0)" } ?? samples.items.key(id)
            table.add([String(r + 1), name, samples.items.category(id), samples.items.tags(id).joined(separator: ","),
                       String(format: "%.4f", s.score)])
            rows.append(.record([("item", .string(samples.items.key(id))), ("score", .float(Double(s.score)))]))
        }
        console.table(table)
        return .list(rows)
    }

    /// Builds an index over the current model's item vectors and, with check=on,
    /// measures it against exact search on the test users.
    func buildIndex(check: Bool, _ make: (VectorSet, UInt64) throws -> VectorIndex) throws -> Value {
        let (model, samples) = try session.servingState()
        let items = try itemVectorSet(model)
        let start = Date()
        let index = try make(items, session.seed)
        let seconds = Date().timeIntervalSince(start)
        session.index = BuiltIndex(index: index, modelVersion: session.modelVersion)
        console.print("index \(index.summary), built in \(String(format: "%.2f", seconds)) s")
        guard check else { return .none }
        let users = try userVectorSet(model, samples.test)
        let k = min(10, items.count)
        let truth = try IndexEvaluation.groundTruth(items: items, queries: users, k: k, threads: session.settings.threads,
                                                    token: .process)
        let q = IndexEvaluation.evaluate(index, queries: users, truth: truth, k: k)
        var table = TextTable(["index", "recall@\(k)", "queries/s (1 thread)", "queries"])
        table.add([index.kind, String(format: "%.4f", q.recall), String(Int(q.queriesPerSecond)), String(q.queries)])
        console.table(table)
        return .record([("recall", .float(q.recall)), ("qps", .float(q.queriesPerSecond))])
    }
}

private func excludeSet(_ samples: SampleSet, user: Int32?, _ on: Bool) -> Set<Int> {
    var out: Set<Int> = [0]   // the pad / <unk> item is never a recommendation
    if on, let u = user { out.formUnion(samples.seenItems[Int(u)].map(Int.init)) }
    return out
}

private let checkDoc = "report recall@10 against exact search and queries/s"

struct IndexExactCommand: ScriptCommand {
    static let name = "index exact"
    static let topic = Topic.retrieval
    static let summary = "Exact inner-product search (blocked matrix products)"
    @Option(checkDoc) var check = false

    func run(_ context: CommandContext) throws -> Value {
        try context.buildIndex(check: check) { items, _ in ExactIndex(items: items) }
    }
}

struct IndexLSHCommand: ScriptCommand {
    static let name = "index lsh"
    static let topic = Topic.retrieval
    static let summary = "Random-hyperplane LSH over SIMPLE-LSH vectors"
    @Option("hash tables", .integer(1...1024)) var tables = 8
    @Option("bits per table", .integer(1...64)) var bits = 8
    @Option("also probe buckets one bit away", .integer(0...1)) var probes = 1
    @Option(checkDoc) var check = false

    func run(_ context: CommandContext) throws -> Value {
        try context.buildIndex(check: check) { items, seed in
            try LSHIndex(items: items, tables: tables, bits: bits, seed: seed, probes: probes)
        }
    }
}

/// `index hnsw metric=`.
enum HNSWMetric: String, ChoiceArgument { case ip, cosine }

struct IndexHNSWCommand: ScriptCommand {
    static let name = "index hnsw"
    static let topic = Topic.retrieval
    static let summary = "HNSW graph for inner-product or cosine search"
    @Option("links per node", .integer(2...1024)) var m = 16
    @Option("search breadth while building", .integer(1...100_000)) var ef_construction = 200
    @Option("search breadth when querying", .integer(1...100_000)) var ef = 100
    @Option("inner product (through the SIMPLE-LSH transform) or cosine") var metric = HNSWMetric.ip
    @Option(checkDoc) var check = false

    func run(_ context: CommandContext) throws -> Value {
        let threads = context.session.settings.threads
        return try context.buildIndex(check: check) { items, seed in
            let parameters = HNSWParameters(m: m, efConstruction: ef_construction, ef: ef, seed: seed)
            if metric == .cosine {
                return try HNSWIndex.build(items: items, metric: .cosine, parameters: parameters, threads: threads)
            }
            return try AugmentedInnerProductIndex(items: items) {
                try HNSWIndex.build(items: $0, metric: .innerProduct, parameters: parameters, threads: threads)
            }
        }
    }
}

struct RecallCommand: ScriptCommand {
    static let name = "recall"
    static let topic = Topic.retrieval
    static let summary = "Recommend items for a known user, or for a new user given a click history"
    static let examples = ["recall U15 top=10", "recall history=[M50, M181, M172] top=5"]
    @Argument("a user key from the data (e.g. U15)") var user: Name?
    @Option("clicked item keys, oldest first, for a user not in the data") var history: [Name]?
    @Option("how many items", .integer(1...100_000)) var top = 10
    @Option("leave out items the user already clicked") var exclude_seen = true

    func validate() throws {
        if user != nil, $history.isGiven { throw $history.failure("give a user or a history, not both") }
        if user == nil, !$history.isGiven { throw CommandFailure("'recall' needs a user or history=[...]", help: "recall U15 top=10") }
    }

    func run(_ context: CommandContext) throws -> Value {
        let (model, samples) = try context.session.servingState()
        let query: SampleBatch
        var userIndex: Int32?
        if let key = user?.text {
            guard let u = samples.users.index(ofKey: key) else {
                let hint = closestMatch(to: key, in: (0..<min(samples.users.count, 50_000)).map { samples.users.key(Int32($0)) })
                throw $user.failure("unknown user '\(key)'", help: hint.map { "did you mean '\($0)'?" } ?? "for a new user, give history=[...]")
            }
            query = try samples.servingBatch(users: [u])
            userIndex = u
        } else {
            let (q, unknown) = try samples.query(historyKeys: (history ?? []).map(\.text))
            if !unknown.isEmpty { context.console.print("note: not in the vocabulary, left out: \(unknown.joined(separator: ", "))") }
            query = q
        }
        let vector = try userVectorSet(model, query).row(0)
        let excluded = excludeSet(samples, user: userIndex, exclude_seen)
        let results = try context.searchIndex(model).search(vector, k: top, excluding: excluded)
        let value = context.show(results, samples)
        if let why = shortListReason(found: results.count, wanted: top, catalogue: model.itemCount, excluded: excluded.count,
                                     finite: vector.allSatisfy(\.isFinite)) {
            context.console.print("note: \(why)")
        }
        return value
    }
}

struct SimilarCommand: ScriptCommand {
    static let name = "similar"
    static let topic = Topic.retrieval
    static let summary = "Items whose item vectors score highest against an item's vector"
    @Argument("an item key (e.g. M50)") var item: Name
    @Option("how many items", .integer(1...100_000)) var top = 10

    func run(_ context: CommandContext) throws -> Value {
        let (model, samples) = try context.session.servingState()
        guard let id = samples.items.id(ofKey: item.text) else {
            throw $item.failure("unknown item '\(item)' (not in the data, or rarer than vocab min_count)")
        }
        let items = try itemVectorSet(model)
        let results = ExactIndex(items: items, metric: .cosine).search(items.row(Int(id)), k: top, excluding: [0, Int(id)])
        return context.show(results, samples)
    }
}

struct PopularCommand: ScriptCommand {
    static let name = "popular"
    static let topic = Topic.retrieval
    static let summary = "The most clicked items in the training data"
    @Option("how many items", .integer(1...100_000)) var top = 10

    func run(_ context: CommandContext) throws -> Value {
        let samples = try context.samplesShowingProgress()
        return context.show(PopularityRanker(itemCounts: samples.itemCounts).top(top, excluding: [0]), samples)
    }
}

/// `vectors WHICH`.
enum VectorOwner: String, ChoiceArgument { case users, items }
extension VectorFileFormat: ChoiceArgument {}

struct VectorsCommand: ScriptCommand {
    static let name = "vectors"
    static let topic = Topic.retrieval
    static let summary = "Export user or item vectors for numpy, Faiss and other tools"
    static let examples = ["vectors items \"out/items.npy\"", "vectors users \"out/users.fvecs\" lsh=on"]
    @Argument("users (at serving time, after all their clicks) or items") var which: VectorOwner
    @Argument("the output file") var path: OutputPath
    @Option("file format (default: from the extension, else tsv)") var format: VectorFileFormat?
    @Option("apply the SIMPLE-LSH transform first") var lsh = false

    func run(_ context: CommandContext) throws -> Value {
        let (model, samples) = try context.session.servingState()
        let format = self.format ?? VectorFileFormat(path: path.text) ?? .tsv
        var vectors: VectorSet
        var keys: [String]
        switch which {
        case .items:
            vectors = try itemVectorSet(model)
            if lsh { vectors = SimpleLSH.transformItems(vectors).vectors }
            keys = (0..<vectors.count).map { samples.items.key(Int32($0)) }
        case .users:
            let batch = try samples.servingBatch()
            vectors = try userVectorSet(model, batch)
            if lsh { vectors = SimpleLSH.transformUsers(vectors) }
            keys = batch.users.map { samples.users.key($0) }
        }
        try VectorExport.write(vectors, to: path.text, format: format, keys: keys)
        context.console.print("wrote \(vectors.count) \(which.rawValue) x \(vectors.dimension) to \(path) (\(format.rawValue))")
        return .integer(vectors.count)
    }
}

struct MineCommand: ScriptCommand {
    static let name = "mine"
    static let topic = Topic.retrieval
    static let summary = "Offline mining: every user's top items after all their clicks, as TSV (user, rank, item, score)"
    static let examples = ["mine \"out/recs.tsv\" top=100"]
    @Argument("the output file") var path: OutputPath
    @Option("items per user", .integer(1...100_000)) var top = 100
    @Option("only these user keys (default: every user)") var users: [Name]?
    @Option("leave out items the user already clicked") var exclude_seen = true

    func run(_ context: CommandContext) throws -> Value {
        let (model, samples) = try context.session.servingState()
        var chosen = (0..<Int32(samples.users.count)).map { $0 }
        if let users {
            chosen = try users.map { key in
                guard let u = samples.users.index(ofKey: key.text) else { throw $users.failure("unknown user '\(key)'") }
                return u
            }
        }
        let batch = try samples.servingBatch(users: chosen)
        let vectors = try userVectorSet(model, batch)
        let seen = batch.users.map { u in Array(excludeSet(samples, user: u, exclude_seen)).sorted() }
        var bar = ProgressBar(context.interpreter)
        let summary = try Mining.mine(
            index: try context.searchIndex(model), users: vectors, top: top, to: path.text,
            userKeys: batch.users.map { samples.users.key($0) },
            itemKeys: (0..<model.itemCount).map { samples.items.key(Int32($0)) },
            seen: seen, threads: context.session.settings.threads,
            progress: { done, total in bar.update(fraction: Double(done) / Double(max(total, 1)), "\(done)/\(total) users") })
        bar.clear()
        context.console.print("mined top \(top) for \(summary.users) users: \(summary.rows) rows in \(path)")
        if summary.rows == 0 {
            let finite = (0..<vectors.count).allSatisfy { vectors.row($0).allSatisfy(\.isFinite) }
            let why = summary.users == 0 ? "there are no users to mine"
                : shortListReason(found: 0, wanted: top, catalogue: model.itemCount,
                                  excluded: seen.map(\.count).min() ?? 0, finite: finite) ?? "no item scored"
            context.console.print("note: no rows: \(why)")
        }
        if summary.rows > 0 { context.console.table(try Self.preview(path.text, rows: min(top, 5)), title: "first rows of \(path)") }
        return .integer(summary.rows)
    }

    /// The first rows of the file just written, as a table (the REPL, reports and
    /// notebooks show what the file holds without opening it).
    static func preview(_ path: String, rows: Int) throws -> TextTable {
        var table = TextTable(["user", "rank", "item", "score"])
        guard let handle = FileHandle(forReadingAtPath: path) else { return table }
        defer { try? handle.close() }
        let head = String(decoding: try handle.read(upToCount: 64 * 1024) ?? Data(), as: UTF8.self)
        for line in head.split(separator: "\n").prefix(rows) {
            table.add(line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init))
        }
        return table
    }
}

var retrievalCommands: [CommandType] { [
    IndexExactCommand.self, IndexLSHCommand.self, IndexHNSWCommand.self,
    RecallCommand.self, SimilarCommand.self, PopularCommand.self, VectorsCommand.self, MineCommand.self,
] }

/// Why a list came back shorter than asked (nil: it did not, or the catalogue
/// is simply smaller): said out loud, so an empty table is never a silent answer.
func shortListReason(found: Int, wanted: Int, catalogue: Int, excluded: Int, finite: Bool) -> String? {
    guard found < wanted else { return nil }
    if !finite { return "the user vector is not finite (NaN or infinite weights?), so no item can score" }
    let candidates = catalogue - excluded   // `excluded` counts id 0, the padding / <unk> item
    if found == 0 && candidates <= 0 {
        return "every item is excluded: the user has clicked all \(catalogue - 1) items (exclude_seen=off shows them)"
    }
    if found >= candidates { return nil }
    return "only \(found) of \(wanted) items have a finite score"
}
