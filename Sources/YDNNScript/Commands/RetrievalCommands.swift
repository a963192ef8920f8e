import Foundation
import YDNN

/// Retrieval commands: item indexes, recommendations for one user, similar and
/// popular items, vector export and offline mining. Evaluation is in
/// EvaluateCommand.swift.

/// The trained model and the samples it serves, or a clear error.
func servingState(_ inv: Invocation) throws -> (model: Model, samples: SampleSet) {
    let interp = inv.interpreter
    let samples = try interp.workspace.samples(seed: interp.seed)
    guard let model = interp.workspace.model else {
        throw inv.failure("there is no model yet", help: "declare a network (embed, lstm, dense, nce ...) and run 'train' first")
    }
    try model.checkCompatible(features: samples.features, itemCount: samples.items.count)
    if let saved = interp.workspace.modelVocabularies { try checkVocabularies(saved, against: try interp.workspace.data.vocabularies()) }
    return (model, samples)
}

func itemVectorSet(_ model: Model) throws -> VectorSet {
    try VectorSet(count: model.itemCount, dimension: model.vectorDimension, values: model.itemVectors())
}

func userVectorSet(_ model: Model, _ batch: SampleBatch) throws -> VectorSet {
    try VectorSet(count: batch.count, dimension: model.vectorDimension,
                  values: model.userVectors(for: batch, denseOverrides: ["example_age": 0]))
}

/// The index to search with: the one `index` built, if it is still current, else exact.
private func searchIndex(_ inv: Invocation, _ model: Model) throws -> VectorIndex {
    let ws = inv.interpreter.workspace
    if let (index, version) = ws.index, version == ws.modelVersion { return index }
    return ExactIndex(items: try itemVectorSet(model))
}

/// Prints a recommendation list as a table and returns it as a list of records.
private func show(_ results: [ScoredItem], _ samples: SampleSet, _ inv: Invocation) -> Value {
    var table = TextTable(["rank", "item", "category", "tags", "score"])
    var rows: [Value] = []
    for (r, s) in results.enumerated() {
        let id = Int32(s.item)
        let name = samples.items.title(id).map { "\(samples.items.key(id)) \($0)" } ?? samples.items.key(id)
        table.add([String(r + 1), name, samples.items.category(id), samples.items.tags(id).joined(separator: ","),
                   String(format: "%.4f", s.score)])
        rows.append(.record([("item", .string(samples.items.key(id))), ("score", .float(Double(s.score)))]))
    }
    inv.console.table(table)
    return .list(rows)
}

private func excludeSet(_ samples: SampleSet, user: Int32?, _ on: Bool) -> Set<Int> {
    var out: Set<Int> = [0]   // the pad / <unk> item is never a recommendation
    if on, let u = user { out.formUnion(samples.seenItems[Int(u)].map(Int.init)) }
    return out
}

let retrievalCommands: [CommandSpec] = [
    CommandSpec(
        "index", topic: .retrieval, "Build an item index over the model's item vectors",
        forms: [
            CommandSpec("index exact", topic: .retrieval, "Exact inner-product search (blocked matrix products)",
                        options: [Param("check", .bool, default: .symbol("off"), "report recall@10 against exact search and queries/s")],
                        handler: { inv in try buildIndex(inv) { items, _ in ExactIndex(items: items) } }),
            CommandSpec("index lsh", topic: .retrieval, "Random-hyperplane LSH over SIMPLE-LSH vectors",
                        options: [Param("tables", .integer(1...1024), default: .integer(8), "hash tables"),
                                  Param("bits", .integer(1...64), default: .integer(8), "bits per table"),
                                  Param("probes", .integer(0...1), default: .integer(1), "also probe buckets one bit away"),
                                  Param("check", .bool, default: .symbol("off"), "report recall@10 against exact search and queries/s")],
                        handler: { inv in
                            try buildIndex(inv) { items, seed in
                                try LSHIndex(items: items, tables: inv.int("tables"), bits: inv.int("bits"), seed: seed, probes: inv.int("probes"))
                            }
                        }),
            CommandSpec("index hnsw", topic: .retrieval, "HNSW graph for inner-product or cosine search",
                        options: [Param("m", .integer(2...1024), default: .integer(16), "links per node"),
                                  Param("ef_construction", .integer(1...100_000), default: .integer(200), "search breadth while building"),
                                  Param("ef", .integer(1...100_000), default: .integer(100), "search breadth when querying"),
                                  Param("metric", .choice(["ip", "cosine"]), default: .symbol("ip"), "inner product (through the SIMPLE-LSH transform) or cosine"),
                                  Param("check", .bool, default: .symbol("off"), "report recall@10 against exact search and queries/s")],
                        handler: { inv in
                            try buildIndex(inv) { items, seed in
                                let parameters = HNSWParameters(m: inv.int("m"), efConstruction: inv.int("ef_construction"),
                                                                ef: inv.int("ef"), seed: seed)
                                let threads = inv.interpreter.threads
                                if inv.string("metric") == "cosine" {
                                    return try HNSWIndex.build(items: items, metric: .cosine, parameters: parameters, threads: threads)
                                }
                                return try AugmentedInnerProductIndex(items: items) {
                                    try HNSWIndex.build(items: $0, metric: .innerProduct, parameters: parameters, threads: threads)
                                }
                            }
                        }),
        ]),
    CommandSpec(
        "recall", topic: .retrieval, "Recommend items for a known user, or for a new user given a click history",
        positionals: [Param("user", .word, "a user key from the data (e.g. U15)")],
        options: [Param("history", .list(.word), "clicked item keys, oldest first, for a user not in the data"),
                  Param("top", .integer(1...100_000), default: .integer(10), "how many items"),
                  Param("exclude_seen", .bool, default: .symbol("on"), "leave out items the user already clicked")],
        examples: ["recall U15 top=10", "recall history=[M50, M181, M172] top=5"],
        handler: { inv in
            let (model, samples) = try servingState(inv)
            let query: SampleBatch
            var userIndex: Int32?
            if let key = inv.string("user") {
                if inv.given("history") { throw inv.failure("give a user or a history, not both", at: "history") }
                guard let u = samples.users.index(ofKey: key) else {
                    let hint = closestMatch(to: key, in: (0..<min(samples.users.count, 50_000)).map { samples.users.key(Int32($0)) })
                    throw inv.failure("unknown user '\(key)'", at: "user", help: hint.map { "did you mean '\($0)'?" } ?? "for a new user, give history=[...]")
                }
                query = try samples.servingBatch(users: [u])
                userIndex = u
            } else if inv.given("history") {
                let keys = inv.list("history").map(\.description)
                let (q, unknown) = try samples.query(historyKeys: keys)
                if !unknown.isEmpty { inv.console.print("note: not in the vocabulary, left out: \(unknown.joined(separator: ", "))") }
                query = q
            } else {
                throw inv.failure("'recall' needs a user or history=[...]", help: "recall U15 top=10")
            }
            let vector = try userVectorSet(model, query).row(0)
            let index = try searchIndex(inv, model)
            let results = index.search(vector, k: inv.int("top"), excluding: excludeSet(samples, user: userIndex, inv.bool("exclude_seen")))
            return show(results, samples, inv)
        }),
    CommandSpec(
        "similar", topic: .retrieval, "Items whose item vectors score highest against an item's vector",
        positionals: [.required("item", .word, "an item key (e.g. M50)")],
        options: [Param("top", .integer(1...100_000), default: .integer(10), "how many items")],
        handler: { inv in
            let (model, samples) = try servingState(inv)
            let key = inv.string("item")!
            guard let id = samples.items.id(ofKey: key) else {
                throw inv.failure("unknown item '\(key)' (not in the data, or rarer than vocab min_count)", at: "item")
            }
            let items = try itemVectorSet(model)
            let results = ExactIndex(items: items, metric: .cosine).search(items.row(Int(id)), k: inv.int("top"), excluding: [0, Int(id)])
            return show(results, samples, inv)
        }),
    CommandSpec(
        "popular", topic: .retrieval, "The most clicked items in the training data",
        options: [Param("top", .integer(1...100_000), default: .integer(10), "how many items")],
        handler: { inv in
            let interp = inv.interpreter
            let samples = try interp.workspace.samples(seed: interp.seed)
            return show(PopularityRanker(itemCounts: samples.itemCounts).top(inv.int("top"), excluding: [0]), samples, inv)
        }),
    CommandSpec(
        "vectors", topic: .retrieval, "Export user or item vectors for numpy, Faiss and other tools",
        positionals: [.required("which", .choice(["users", "items"]), "users (at serving time, after all their clicks) or items"),
                      .required("path", .path, "the output file")],
        options: [Param("format", .choice(["tsv", "npy", "fvecs"]), "file format (default: from the extension, else tsv)"),
                  Param("lsh", .bool, default: .symbol("off"), "apply the SIMPLE-LSH transform first")],
        examples: ["vectors items \"out/items.npy\"", "vectors users \"out/users.fvecs\" lsh=on"],
        handler: { inv in
            let (model, samples) = try servingState(inv)
            let path = inv.string("path")!
            let format = inv.string("format").flatMap(VectorFileFormat.init(rawValue:)) ?? VectorFileFormat(path: path) ?? .tsv
            var vectors: VectorSet
            var keys: [String]
            if inv.string("which") == "items" {
                vectors = try itemVectorSet(model)
                if inv.bool("lsh") { vectors = SimpleLSH.transformItems(vectors).vectors }
                keys = (0..<vectors.count).map { samples.items.key(Int32($0)) }
            } else {
                let batch = try samples.servingBatch()
                vectors = try userVectorSet(model, batch)
                if inv.bool("lsh") { vectors = SimpleLSH.transformUsers(vectors) }
                keys = batch.users.map { samples.users.key($0) }
            }
            try VectorExport.write(vectors, to: path, format: format, keys: keys)
            inv.console.print("wrote \(vectors.count) \(inv.string("which")!) x \(vectors.dimension) to \(path) (\(format.rawValue))")
            return .integer(vectors.count)
        }),
    CommandSpec(
        "mine", topic: .retrieval, "Offline mining: every user's top items after all their clicks, as TSV (user, rank, item, score)",
        positionals: [.required("path", .path, "the output file")],
        options: [Param("top", .integer(1...100_000), default: .integer(100), "items per user"),
                  Param("users", .list(.word), "only these user keys (default: every user)"),
                  Param("exclude_seen", .bool, default: .symbol("on"), "leave out items the user already clicked")],
        examples: ["mine \"out/recs.tsv\" top=100"],
        handler: { inv in
            let (model, samples) = try servingState(inv)
            var chosen = (0..<Int32(samples.users.count)).map { $0 }
            if inv.given("users") {
                chosen = try inv.list("users").map { v in
                    let key = v.description
                    guard let u = samples.users.index(ofKey: key) else { throw inv.failure("unknown user '\(key)'", at: "users") }
                    return u
                }
            }
            let batch = try samples.servingBatch(users: chosen)
            let users = try userVectorSet(model, batch)
            let excludeSeen = inv.bool("exclude_seen")
            let seen = batch.users.map { u in Array(excludeSet(samples, user: u, excludeSeen)).sorted() }
            var bar = ProgressBar(inv.interpreter)
            let summary = try Mining.mine(
                index: try searchIndex(inv, model), users: users, top: inv.int("top"), to: inv.string("path")!,
                userKeys: batch.users.map { samples.users.key($0) },
                itemKeys: (0..<model.itemCount).map { samples.items.key(Int32($0)) },
                seen: seen, threads: inv.interpreter.threads,
                progress: { done, total in bar.update(fraction: Double(done) / Double(max(total, 1)), "\(done)/\(total) users") })
            bar.clear()
            inv.console.print("mined top \(inv.int("top")) for \(summary.users) users: \(summary.rows) rows in \(inv.string("path")!)")
            return .integer(summary.rows)
        }),
]

/// Builds an index over the current model's item vectors and, with check=on,
/// measures it against exact search on the test users.
private func buildIndex(_ inv: Invocation, _ make: (VectorSet, UInt64) throws -> VectorIndex) throws -> Value {
    let (model, samples) = try servingState(inv)
    let ws = inv.interpreter.workspace
    let items = try itemVectorSet(model)
    let start = Date()
    let index = try make(items, inv.interpreter.seed)
    let seconds = Date().timeIntervalSince(start)
    ws.index = (index, ws.modelVersion)
    inv.console.print("index \(index.summary), built in \(String(format: "%.2f", seconds)) s")
    if inv.bool("check") {
        let users = try userVectorSet(model, samples.test)
        let k = min(10, items.count)
        let truth = IndexEvaluation.groundTruth(items: items, queries: users, k: k, threads: inv.interpreter.threads)
        let q = IndexEvaluation.evaluate(index, queries: users, truth: truth, k: k)
        var table = TextTable(["index", "recall@\(k)", "queries/s (1 thread)", "queries"])
        table.add([index.kind, String(format: "%.4f", q.recall), String(Int(q.queriesPerSecond)), String(q.queries)])
        inv.console.table(table)
        return .record([("recall", .float(q.recall)), ("qps", .float(q.queriesPerSecond))])
    }
    return .none
}
