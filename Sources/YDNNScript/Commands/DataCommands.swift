import Foundation
import YDNN

/// Data commands: loading and generating click logs, vocabularies, splits and
/// the way samples are cut. Each changes the workspace's data pipeline; samples
/// are built (and cached) when training or evaluation first needs them.

private let onErrorParam = Param("on_error", .choice(["skip", "fail"]),
                                 "skip malformed lines (counted, first few shown) or stop at the first; default: the on_error setting")

private func onError(_ inv: Invocation) -> OnError {
    let word = inv.string("on_error") ?? inv.interpreter.setting("on_error").description
    return OnError(rawValue: word) ?? .fail
}

/// Installs a freshly loaded log and prints what came in.
private func install(_ log: ClickLog, source: String, files: [String] = [], _ inv: Invocation) -> Value {
    let ws = inv.interpreter.workspace
    ws.data.setLog(log)
    ws.dataSource = source
    for f in files where !ws.dataFiles.contains(f) { ws.dataFiles.append(f) }
    let r = log.loadReport
    var line = "loaded \(source): \(log.numUsers) users, \(log.numItems) items, \(log.numClicks) clicks"
    if r.malformedCount > 0 { line += ", \(r.malformedCount) malformed lines skipped" }
    inv.console.print(line)
    for m in r.firstMalformed { inv.console.print("  malformed: \(m)") }
    if r.malformedCount > r.firstMalformed.count { inv.console.print("  ... (\(r.malformedCount - r.firstMalformed.count) more)") }
    for w in r.warnings { inv.console.print("  warning: \(w)") }
    return .record([("users", .integer(log.numUsers)), ("items", .integer(log.numItems)),
                    ("clicks", .integer(log.numClicks)), ("malformed", .integer(r.malformedCount))])
}

/// The regular files of a folder (sorted), or the path itself.
private func filesIn(_ path: String) -> [String] {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue,
          let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [path] }
    return names.sorted().map { (path as NSString).appendingPathComponent($0) }.filter {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue
    }
}

private let csvColumnOptions: [Param] = [
    Param("category", .string, "column of the item's category"),
    Param("tags", .string, "column of the item's tags (split by tag_separator)"),
    Param("tag_separator", .string, default: .string("|"), "separator inside the tags column"),
    Param("province", .string, "column of a user feature used as province"),
    Param("city", .string, "column of a user feature used as city"),
    Param("phone", .string, "column of a user feature used as phone"),
    Param("title", .string, "column of the item's title"),
    Param("rating", .string, "column of a rating (with min_rating)"),
    Param("min_rating", .number(nil), "keep events whose rating is at least this"),
    Param("delimiter", .string, "field separator (default: detected from the header: tab, comma or ';')"),
    Param("time_divisor", .integer(1...Int.max), default: .integer(1), "divide times by this (e.g. 1000 for milliseconds)"),
]

let dataCommands: [CommandSpec] = [
    CommandSpec(
        "load", topic: .data, "Load a click log, or a saved model or index",
        forms: [
            CommandSpec(
                "load paddle", topic: .data, "Load PaddlePaddle youtube_recall text: user, province, city, item:category:tags;..., phone",
                positionals: [.required("path", .path, "the file")],
                options: [onErrorParam],
                examples: ["load paddle \"../shared/data/ml-100k-paddle/test.txt\""],
                handler: { inv in
                    let path = inv.string("path")!
                    return install(try ClickLog.loadPaddle(path: path, onError: onError(inv)), source: "paddle \(path)", files: [path], inv)
                }),
            CommandSpec(
                "load movielens", topic: .data, "Load MovieLens ml-100k (u.data ...) or ml-1m (ratings.dat ...): every rating is a click",
                positionals: [.required("path", .path, "the folder")],
                options: [Param("min_rating", .number(0...10), "keep ratings of at least this"), onErrorParam],
                examples: ["load movielens \"../shared/data/ml-100k\""],
                handler: { inv in
                    let path = inv.string("path")!
                    let min = inv.given("min_rating") ? inv.double("min_rating") : nil
                    return install(try ClickLog.loadMovieLens(path: path, minRating: min, onError: onError(inv)),
                                   source: "movielens \(path)", files: filesIn(path), inv)
                }),
            CommandSpec(
                "load csv", topic: .data, "Load a generic event log with a header row",
                positionals: [.required("path", .path, "the file")],
                options: [Param("user", .string, required: true, "column of the user id"),
                          Param("item", .string, required: true, "column of the item id"),
                          Param("time", .string, required: true, "column of the event time (integer)")]
                    + csvColumnOptions + [onErrorParam],
                examples: ["load csv \"events.csv\" user=user_id item=video_id time=ts category=genre"],
                handler: { inv in
                    let path = inv.string("path")!
                    var c = CSVColumns(user: inv.string("user")!, item: inv.string("item")!, time: inv.string("time")!)
                    c.category = inv.string("category"); c.tags = inv.string("tags")
                    c.province = inv.string("province"); c.city = inv.string("city"); c.phone = inv.string("phone")
                    c.title = inv.string("title"); c.rating = inv.string("rating")
                    c.minRating = inv.given("min_rating") ? inv.double("min_rating") : nil
                    c.timeDivisor = Int64(inv.int("time_divisor"))
                    let sep = inv.string("tag_separator")!
                    guard sep.count == 1 else { throw inv.failure("tag_separator must be one character", at: "tag_separator") }
                    c.tagSeparator = sep.first!
                    if let d = inv.string("delimiter") {
                        let unescaped = d == "\\t" ? "\t" : d
                        guard unescaped.count == 1 else { throw inv.failure("delimiter must be one character", at: "delimiter") }
                        c.delimiter = unescaped.first!
                    }
                    return install(try ClickLog.loadCSV(path: path, columns: c, onError: onError(inv)), source: "csv \(path)", files: [path], inv)
                }),
            CommandSpec(
                "load auto", topic: .data, "Load by looking: \"synthetic\" generates the built-in data, a folder is MovieLens, a file is Paddle format",
                positionals: [.required("source", .path, "\"synthetic\", a MovieLens folder or a Paddle-format file")],
                options: [onErrorParam],
                examples: ["let data = \"synthetic\"   # ydnn run recipe.ydnn --set data=../shared/data/ml-100k\nload auto $data"],
                handler: { inv in
                    let source = inv.string("source")!
                    if source == "synthetic" {
                        var o = GeneratorOptions()
                        o.seed = inv.interpreter.seed
                        return install(try ClickLog.generate(o), source: "generated (seed \(o.seed))", inv)
                    }
                    var isDir: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: source, isDirectory: &isDir) else {
                        throw inv.failure("no such file or folder: \(source)", at: "source", help: "\"synthetic\" generates the built-in data")
                    }
                    if isDir.boolValue {
                        return install(try ClickLog.loadMovieLens(path: source, onError: onError(inv)),
                                       source: "movielens \(source)", files: filesIn(source), inv)
                    }
                    if source.lowercased().hasSuffix(".csv") {
                        throw inv.failure("a CSV file needs its columns named", at: "source", help: "load csv \"\(source)\" user=... item=... time=...")
                    }
                    return install(try ClickLog.loadPaddle(path: source, onError: onError(inv)), source: "paddle \(source)", files: [source], inv)
                }),
            loadModelForm,
            loadIndexForm,
        ]),
    CommandSpec(
        "generate", topic: .data, "Generate a synthetic click log (deterministic for the seed)",
        options: [
            Param("users", .integer(1...10_000_000), default: .integer(2000), "number of users"),
            Param("items", .integer(2...10_000_000), default: .integer(1000), "number of items"),
            Param("categories", .integer(1...100_000), default: .integer(20), "number of item categories"),
            Param("tags", .integer(1...1_000_000), default: .integer(100), "number of distinct tags"),
            Param("clicks_per_user", .number(2...100_000), default: .float(30), "mean clicks per user"),
            Param("days", .number(0.001...100_000), default: .float(60), "length of the log in days"),
            Param("popularity", .number(0...5), default: .float(1), "Zipf exponent of item popularity (0: all equal)"),
            Param("half_life", .number(0.001...100_000), default: .float(7), "days for an item's freshness to halve"),
            Param("freshness", .number(0...1), default: .float(0.8), "share of an item's appeal that decays with age"),
            Param("focus", .number(0...1), default: .float(0.8), "share of clicks in the user's favourite categories"),
            Param("stickiness", .number(0...1), default: .float(0.5), "chance a click stays in the previous click's category"),
            Param("province_bias", .number(0...1), default: .float(0.5), "chance a user's favourite category is their province's"),
            Param("seed", .integer(0...Int.max), "the generator's seed (default: the session seed)"),
            Param("out", .path, "also write the log in Paddle format to this file"),
        ],
        examples: ["generate users=2000 items=1000 categories=20", "generate users=500 out=\"clicks.txt\""],
        handler: { inv in
            var o = GeneratorOptions()
            o.users = inv.int("users"); o.items = inv.int("items"); o.categories = inv.int("categories")
            o.tags = inv.int("tags"); o.clicksPerUser = inv.double("clicks_per_user"); o.days = inv.double("days")
            o.popularity = inv.double("popularity"); o.halfLifeDays = inv.double("half_life")
            o.freshness = inv.double("freshness"); o.focus = inv.double("focus")
            o.stickiness = inv.double("stickiness"); o.provinceBias = inv.double("province_bias")
            o.seed = inv.optionalInt("seed").map(UInt64.init) ?? inv.interpreter.seed
            let log = try ClickLog.generate(o)
            let result = install(log, source: "generated (seed \(o.seed))", inv)
            if let out = inv.string("out") {
                let bytes = try log.writePaddle(to: out)
                inv.console.print("wrote \(out) (\(bytes) bytes, Paddle format)")
            }
            return result
        }),
    CommandSpec(
        "stats", topic: .data, "Describe the data: sizes, history lengths, popularity, vocabularies, samples",
        handler: { inv in
            let ws = inv.interpreter.workspace
            let stats = try ws.data.stats()
            inv.console.print(stats.description)
            let vocab = try ws.data.vocabularies()
            var table = TextTable(["feature", "kept", "distinct", "clicks covered"])
            for v in vocab.all {
                let total = v.counts.reduce(0, +)
                let covered = total - (v.counts.first ?? 0)
                table.add([v.name, String(v.size - 1), String(v.idOfRaw.count),
                           total > 0 ? String(format: "%.1f%%", 100 * Double(covered) / Double(total)) : "-"])
            }
            inv.console.print("vocabulary (min_count=\(vocab.minCount), <unk> not counted):")
            inv.console.table(table, indent: "  ")
            let samples = try ws.samples(seed: inv.interpreter.seed)
            inv.console.print("samples     \(samples.report)")
            return .record([("users", .integer(stats.users)), ("items", .integer(stats.items)),
                            ("clicks", .integer(stats.clicks)), ("malformed", .integer(stats.malformedLines)),
                            ("train_samples", .integer(samples.report.trainSamples)),
                            ("test_users", .integer(samples.report.testSamples))])
        }),
    CommandSpec(
        "vocab", topic: .data, "Keep feature values clicked more than min_count times; the rest become <unk>",
        options: [Param("min_count", .integer(0...Int.max), default: .integer(Vocabularies.defaultMinCount),
                        "keep a value when its count is strictly greater (Paddle's feat_appear_limit)")],
        handler: { inv in
            let ws = inv.interpreter.workspace
            ws.data.minCount = inv.int("min_count")
            guard ws.data.hasData else { return .none }
            let v = try ws.data.vocabularies()
            inv.console.print("vocab min_count=\(v.minCount): " + v.all.map { "\($0.name) \($0.size - 1)" }.joined(separator: ", "))
            return .none
        }),
    CommandSpec(
        "split", topic: .data, "Choose the test targets: each user's last click, or the first click after a time",
        options: [Param("holdout", .choice(["last", "time", "none"]), default: .symbol("last"),
                        "last: each user's last click; time: the first click at or after cutoff; none: no test set"),
                  Param("cutoff", .any, "for holdout=time: a fraction of the clicks by time (0.9, \"90%\"), a date (\"2024-03-01\"), or a time in the log's units")],
        examples: ["split holdout=last", "split holdout=time cutoff=0.9", "split holdout=time cutoff=\"1998-03-01\""],
        handler: { inv in
            let ws = inv.interpreter.workspace
            switch inv.string("holdout")! {
            case "last":
                if inv.given("cutoff") { throw inv.failure("cutoff goes with holdout=time", at: "cutoff") }
                ws.data.holdout = .last
            case "none": ws.data.holdout = .none
            default:
                guard inv.given("cutoff") else { throw inv.failure("holdout=time needs cutoff=...", help: "split holdout=time cutoff=0.9") }
                guard let log = ws.data.log else { throw inv.failure("holdout=time needs data: load or generate first", at: "cutoff") }
                do {
                    ws.data.holdout = .time(cutoff: try Split.cutoff(from: inv.string("cutoff")!, log: log))
                } catch {
                    throw inv.failure("\(error)", at: "cutoff")
                }
            }
            guard ws.data.hasData else { return .none }
            let s = try ws.data.split()
            inv.console.print("split \(s.holdout): \(s.trainingClicks) training clicks, \(s.testUsers) test users")
            return .none
        }),
    CommandSpec(
        "window", topic: .data, "Paddle's sliding window: each click's history is the N clicks before it (a pad starts it)",
        positionals: [.required("n", .integer(1...10_000), "clicks of history")],
        handler: { inv in
            inv.interpreter.workspace.data.sampleOptions.history = .window(inv.int("n"))
            return .none
        }),
    CommandSpec(
        "history", topic: .data, "DeepMatch style: each click's history is up to max earlier clicks (no pad)",
        options: [Param("max", .integer(1...10_000), default: .integer(50), "most recent clicks kept")],
        handler: { inv in
            inv.interpreter.workspace.data.sampleOptions.history = .recent(max: inv.int("max"))
            return .none
        }),
    CommandSpec(
        "shuffle", topic: .data, "How training samples are ordered: fully shuffled, through a buffer, or in log order",
        positionals: [Param("mode", .choice(["full", "buffer", "none"]), default: .symbol("full"), "the shuffle")],
        options: [Param("size", .integer(2...100_000_000), default: .integer(10_000), "buffer size, for mode buffer")],
        handler: { inv in
            let ws = inv.interpreter.workspace
            switch inv.string("mode")! {
            case "none": ws.data.sampleOptions.shuffle = .none
            case "buffer": ws.data.sampleOptions.shuffle = .buffer(inv.int("size"))
            default: ws.data.sampleOptions.shuffle = .full
            }
            return .none
        }),
    CommandSpec(
        "example_age", topic: .data, "Feed the example's age (t_max - t, normalised; 0 at serving time) to the model",
        positionals: [Param("state", .bool, default: .symbol("on"), "on or off")],
        options: [Param("unit", .choice(["seconds", "hours", "days"]), default: .symbol("hours"), "resolution of the age")],
        examples: ["example_age on unit=days", "example_age off"],
        handler: { inv in
            let unit = SampleOptions.AgeUnit(rawValue: inv.string("unit")!)!
            inv.interpreter.workspace.data.sampleOptions.exampleAge = inv.bool("state") ? unit : nil
            return .none
        }),
    CommandSpec(
        "damping", topic: .data, "Subsample popular positives: keep with p = (sqrt(f/t) + 1) t/f (f: the item's click share)",
        positionals: [Param("state", .bool, default: .symbol("on"), "on or off")],
        options: [Param("positives", .number(1e-12...1), default: .float(1e-3), "the threshold t")],
        examples: ["damping positives=1e-3", "damping off"],
        handler: { inv in
            inv.interpreter.workspace.data.sampleOptions.dampingThreshold = inv.bool("state") ? inv.double("positives") : nil
            return .none
        }),
    CommandSpec(
        "cap", topic: .data, "At most per_user training samples per user, chosen at random",
        positionals: [Param("state", .bool, default: .symbol("on"), "on or off")],
        options: [Param("per_user", .integer(1...Int.max), default: .integer(100), "samples kept per user")],
        handler: { inv in
            inv.interpreter.workspace.data.sampleOptions.capPerUser = inv.bool("state") ? inv.int("per_user") : nil
            return .none
        }),
    CommandSpec(
        "negatives", topic: .data, "The distribution negatives are drawn from: uniform, frequency^power, or damped",
        positionals: [.required("distribution", .choice(["uniform", "frequency", "damped"]), "the distribution")],
        options: [Param("power", .number(0...2), default: .float(1), "exponent of the frequency (0.75 as in word2vec)"),
                  Param("threshold", .number(1e-12...1), default: .float(1e-3), "damping threshold, for damped")],
        examples: ["negatives frequency power=0.75", "negatives uniform"],
        handler: { inv in
            let ws = inv.interpreter.workspace
            switch inv.string("distribution")! {
            case "uniform": ws.data.negatives = .uniform
            case "damped": ws.data.negatives = .damped(threshold: inv.double("threshold"))
            default: ws.data.negatives = .frequency(power: inv.double("power"))
            }
            return .none
        }),
]
