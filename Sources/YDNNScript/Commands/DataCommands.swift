import Foundation
import YDNN

/// Data commands: loading and generating click logs, vocabularies, splits and
/// the way samples are cut. Each changes the session's data pipeline; samples
/// are built (and cached) when training or evaluation first needs them.

let onErrorDoc = "skip malformed lines (counted, first few shown) or stop at the first; default: the on_error setting"

extension CommandContext {
    /// Installs a freshly loaded log and prints what came in.
    func install(_ log: ClickLog, source: String, files: [String] = [], record: String? = nil) -> Value {
        session.data.setLog(log)
        session.dataSource = source
        let provenance = record ?? source
        if !interpreter.dataSources.contains(provenance) { interpreter.dataSources.append(provenance) }
        for f in files where !interpreter.dataFiles.contains(f) { interpreter.dataFiles.append(f) }
        let r = log.loadReport
        var line = "loaded \(source): \(log.numUsers) users, \(log.numItems) items, \(log.numClicks) clicks"
        if r.malformedCount > 0 { line += ", \(r.malformedCount) malformed lines skipped" }
        console.print(line)
        for m in r.firstMalformed { console.print("  malformed: \(m)") }
        if r.malformedCount > r.firstMalformed.count { console.print("  ... (\(r.malformedCount - r.firstMalformed.count) more)") }
        for w in r.warnings { console.print("  warning: \(w)") }
        return .record([("users", .integer(log.numUsers)), ("items", .integer(log.numItems)),
                        ("clicks", .integer(log.numClicks)), ("malformed", .integer(r.malformedCount))])
    }

    /// A load's `on_error=`, else the session's setting.
    func onError(_ given: OnError?) -> OnError { given ?? session.settings.on_error }
}

/// Every parameter of a generated log, so a report says how to make it again:
/// "generator users=2000 items=1000 ... seed=7" (the library's names). Optional
/// column groups are left out when off (nil) and spelled field by field when on
/// ("demographics.occupations=21 ..."), so a log without them is recorded as before.
func generatorRecord(_ o: GeneratorOptions) -> String {
    func fields(_ value: Any, _ prefix: String) -> [String] {
        Mirror(reflecting: value).children.flatMap { c -> [String] in
            guard let label = c.label else { return [] }
            let m = Mirror(reflecting: c.value)
            guard m.displayStyle == .optional else { return ["\(prefix)\(label)=\(c.value)"] }
            guard let wrapped = m.children.first?.value else { return [] }
            let inner = Mirror(reflecting: wrapped)
            return inner.displayStyle == .struct ? fields(wrapped, prefix + label + ".") : ["\(prefix)\(label)=\(wrapped)"]
        }
    }
    return "generator " + fields(o, "").joined(separator: " ")
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

struct LoadPaddleCommand: ScriptCommand {
    static let name = "load paddle"
    static let topic = Topic.data
    static let summary = "Load PaddlePaddle youtube_recall text: user, province, city, item:category:tags;..., phone"
    static let examples = ["load paddle \"../shared/data/ml-100k-paddle/test.txt\""]
    @Argument("the file") var path: ScriptPath
    @Option(onErrorDoc) var on_error: OnError?

    func run(_ context: CommandContext) throws -> Value {
        let log = try ClickLog.loadPaddle(path: path.text, onError: context.onError(on_error))
        return context.install(log, source: "paddle \(path)", files: [path.text])
    }
}

struct LoadMovieLensCommand: ScriptCommand {
    static let name = "load movielens"
    static let topic = Topic.data
    static let summary = "Load MovieLens ml-100k (u.data ...), ml-1m (ratings.dat ...) or ml-latest (ratings.csv, movies.csv, tags.csv as `tokens`): every rating is a click"
    static let examples = ["load movielens \"../shared/data/ml-100k\""]
    @Argument("the folder") var path: ScriptPath
    @Option("keep ratings of at least this", .number(0...10)) var min_rating: Double?
    @Option(onErrorDoc) var on_error: OnError?

    func run(_ context: CommandContext) throws -> Value {
        let log = try ClickLog.loadMovieLens(path: path.text, minRating: min_rating, onError: context.onError(on_error))
        return context.install(log, source: "movielens \(path)", files: filesIn(path.text))
    }
}

struct LoadCSVCommand: ScriptCommand {
    static let name = "load csv"
    static let topic = Topic.data
    static let summary = "Load a generic event log with a header row"
    static let examples = ["load csv \"events.csv\" user=user_id item=video_id time=ts category=genre",
                           "load csv \"ratings.csv\" user=userId item=movieId time=timestamp rating=rating item_features=[genres] items_file=\"movies.csv\"",
                           "load csv \"events.csv\" user=u item=i time=t user_features=[gender, country] user_continuous=[age] event_features=[device]"]
    @Argument("the file") var path: ScriptPath
    @Option("column of the user id") var user: String
    @Option("column of the item id") var item: String
    @Option("column of the event time (integer)") var time: String
    @Option("column of the item's category") var category: String?
    @Option("column of the item's tags (split by tag_separator)") var tags: String?
    @Option("separator inside the tags column") var tag_separator = "|"
    @Option("column of a user feature used as province") var province: String?
    @Option("column of a user feature used as city") var city: String?
    @Option("column of a user feature used as phone") var phone: String?
    @Option("column of the item's title") var title: String?
    @Option("column of a rating (with min_rating)") var rating: String?
    @Option("keep events whose rating is at least this") var min_rating: Double?
    @Option("field separator (default: detected from the header: tab, comma or ';')") var delimiter: String?
    @Option("divide times by this (e.g. 1000 for milliseconds)", .integer(1...Int.max)) var time_divisor = 1
    @Option("categorical (or |-separated bag) user columns, e.g. [gender, country]") var user_features: [Name]?
    @Option("numeric user columns, fed as quantiles (continuous NAME)") var user_continuous: [Name]?
    @Option("categorical or bag item columns, e.g. [genres]") var item_features: [Name]?
    @Option("numeric item columns") var item_continuous: [Name]?
    @Option("categorical columns of each event (context), e.g. [device]") var event_features: [Name]?
    @Option("numeric columns of each event") var event_continuous: [Name]?
    @Option("a per-user table (header row) holding user feature columns the event file lacks") var users_file: ScriptPath?
    @Option("its user key column (default: the user= column's name)") var users_key: String?
    @Option("a per-item table (header row) holding item feature columns; its items join the catalogue") var items_file: ScriptPath?
    @Option("its item key column (default: the item= column's name)") var items_key: String?
    @Option(onErrorDoc) var on_error: OnError?

    /// The declared features in option order: user, item, event; categorical before continuous.
    private var features: [CSVFeature] {
        let groups: [([Name]?, FeatureScope, Bool)] = [
            (user_features, .user, false), (user_continuous, .user, true), (item_features, .item, false),
            (item_continuous, .item, true), (event_features, .event, false), (event_continuous, .event, true),
        ]
        return groups.flatMap { names, scope, continuous in (names ?? []).map { CSVFeature($0.text, scope: scope, continuous: continuous) } }
    }

    /// `\t` as typed in a recipe means a tab.
    private var delimiterCharacter: Character? {
        delimiter.map { $0 == "\\t" ? "\t" : $0 }.flatMap { $0.count == 1 ? $0.first : nil }
    }

    func validate() throws {
        if tag_separator.count != 1 { throw $tag_separator.failure("tag_separator must be one character") }
        if delimiter != nil, delimiterCharacter == nil { throw $delimiter.failure("delimiter must be one character") }
        var seen = Set<String>()
        for f in features where !seen.insert(f.name).inserted {
            throw CommandFailure("feature '\(f.name)' is declared twice")
        }
        if users_key != nil && users_file == nil { throw $users_key.failure("users_key needs users_file") }
        if items_key != nil && items_file == nil { throw $items_key.failure("items_key needs items_file") }
    }

    func run(_ context: CommandContext) throws -> Value {
        var c = CSVColumns(user: user, item: item, time: time)
        c.category = category; c.tags = tags
        c.province = province; c.city = city; c.phone = phone
        c.title = title; c.rating = rating
        c.minRating = min_rating
        c.timeDivisor = Int64(time_divisor)
        if let separator = tag_separator.first { c.tagSeparator = separator }
        if let d = delimiterCharacter { c.delimiter = d }
        c.features = features
        c.userTable = users_file.map { CSVTable(path: $0.text, key: users_key ?? user) }
        c.itemTable = items_file.map { CSVTable(path: $0.text, key: items_key ?? item) }
        let log = try ClickLog.loadCSV(path: path.text, columns: c, onError: context.onError(on_error))
        return context.install(log, source: "csv \(path)", files: [path.text] + [users_file, items_file].compactMap { $0?.text })
    }
}

/// `load auto`'s source: the word "synthetic" or a path (checked like any input).
struct DataSource: ArgumentValue, FileArgument, CustomStringConvertible {
    let path: ScriptPath
    static var argumentType: ParamType { .path }
    init?(argument: Value) {
        guard let p = ScriptPath(argument: argument) else { return nil }
        path = p
    }
    var argument: Value { path.argument }
    var description: String { path.written }
    var isSynthetic: Bool { path.written == "synthetic" }
    var fileToCheck: (path: String, role: FileRole)? { isSynthetic ? nil : path.fileToCheck }
}

struct LoadAutoCommand: ScriptCommand {
    static let name = "load auto"
    static let topic = Topic.data
    static let summary = "Load by looking: \"synthetic\" generates the built-in data, a folder is MovieLens, a file is Paddle format"
    static let examples = ["let data = \"synthetic\"   # ydnn run recipe.ydnn --set data=../shared/data/ml-100k\nload auto $data",
                           "load auto $data demographics=on searches=on"]
    @Argument("\"synthetic\", a MovieLens folder or a Paddle-format file") var source: DataSource
    @Option("synthetic only: the generator's user columns gender, occupation, age (generate demographics=on; ml-100k has its own)")
    var demographics = false
    @Option("synthetic only: the generator's search-token stream `tokens` (generate searches=on; ml-latest-small's is tags.csv)")
    var searches = false
    @Option(onErrorDoc) var on_error: OnError?

    func validate() throws {
        if source.path.text.lowercased().hasSuffix(".csv") {
            throw $source.failure("a CSV file needs its columns named", help: "load csv \"\(source)\" user=... item=... time=...")
        }
    }

    func run(_ context: CommandContext) throws -> Value {
        let source = self.source.path.text
        if self.source.isSynthetic {
            var o = GeneratorOptions()
            o.seed = context.session.seed
            if demographics { o.demographics = .init() }
            if searches { o.searches = .init() }
            return context.install(try ClickLog.generate(o), source: "generated (seed \(o.seed))", record: generatorRecord(o))
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDir) else {
            throw $source.failure("no such file or folder: \(source)", help: "\"synthetic\" generates the built-in data")
        }
        if isDir.boolValue {
            return context.install(try ClickLog.loadMovieLens(path: source, onError: context.onError(on_error)),
                                   source: "movielens \(source)", files: filesIn(source))
        }
        return context.install(try ClickLog.loadPaddle(path: source, onError: context.onError(on_error)),
                               source: "paddle \(source)", files: [source])
    }
}

struct GenerateCommand: ScriptCommand {
    static let name = "generate"
    static let topic = Topic.data
    static let summary = "Generate a synthetic click log (deterministic for the seed)"
    static let examples = ["generate users=2000 items=1000 categories=20", "generate users=500 out=\"clicks.txt\"",
                           "generate demographics=on occupation_signal=0.8 searches=on search_rate=0.3"]
    @Option("number of users", .integer(1...10_000_000)) var users = 2000
    @Option("number of items", .integer(2...10_000_000)) var items = 1000
    @Option("number of item categories", .integer(1...100_000)) var categories = 20
    @Option("number of distinct tags", .integer(1...1_000_000)) var tags = 100
    @Option("mean clicks per user", .number(2...100_000)) var clicks_per_user = 30.0
    @Option("length of the log in days", .number(0.001...100_000)) var days = 60.0
    @Option("Zipf exponent of item popularity (0: all equal)", .number(0...5)) var popularity = 1.0
    @Option("days for an item's freshness to halve", .number(0.001...100_000)) var half_life = 7.0
    @Option("share of an item's appeal that decays with age", .number(0...1)) var freshness = 0.8
    @Option("share of clicks in the user's favourite categories", .number(0...1)) var focus = 0.8
    @Option("chance a click stays in the previous click's category", .number(0...1)) var stickiness = 0.5
    @Option("chance a user's favourite category is their province's", .number(0...1)) var province_bias = 0.5
    @Option("the generator's seed (default: the session seed)", .integer(0...Int.max)) var seed: Int?
    @Option("declare user columns gender, occupation, age, each tied to the user's main favourite category") var demographics = false
    @Option("distinct occupations (with demographics)", .integer(1...100_000)) var occupations = Demographics().occupations
    @Option("chance gender tells the main favourite's parity (else a coin)", .number(0...1)) var gender_signal = Demographics().genderSignal
    @Option("chance occupation is O(m mod occupations + 1) for the main favourite m (else Zipf-random)", .number(0...1)) var occupation_signal = Demographics().occupationSignal
    @Option("chance age lies in the main favourite's age band (else uniform 16-63)", .number(0...1)) var age_signal = Demographics().ageSignal
    @Option("add a search-token stream `tokens`: searches naming the next click's category, shortly before it") var searches = false
    @Option("chance a click is preceded by a search (with searches)", .number(0...1)) var search_rate = Searches().rate
    @Option("chance the search names the click's category (else a random word)", .number(0...1)) var search_accuracy = Searches().accuracy
    @Option("newest search tokens each sample sees (with searches)", .integer(1...1_000_000)) var search_window = Searches().window ?? TokenStream.builtInWindow
    @Option("also write the log in Paddle format to this file") var out: OutputPath?

    typealias Demographics = GeneratorOptions.Demographics
    typealias Searches = GeneratorOptions.Searches

    func validate() throws {
        for option in [$occupations, $gender_signal, $occupation_signal, $age_signal] where option.isGiven && !demographics {
            throw option.failure("\(option.name) goes with demographics=on", help: "generate demographics=on \(option.name)=...")
        }
        for option in [$search_rate, $search_accuracy, $search_window] where option.isGiven && !searches {
            throw option.failure("\(option.name) goes with searches=on", help: "generate searches=on \(option.name)=...")
        }
    }

    func run(_ context: CommandContext) throws -> Value {
        var o = GeneratorOptions()
        o.users = users; o.items = items; o.categories = categories
        o.tags = tags; o.clicksPerUser = clicks_per_user; o.days = days
        o.popularity = popularity; o.halfLifeDays = half_life
        o.freshness = freshness; o.focus = focus
        o.stickiness = stickiness; o.provinceBias = province_bias
        o.seed = seed.map(UInt64.init) ?? context.session.seed
        if demographics {
            var d = Demographics()
            d.occupations = occupations
            d.genderSignal = gender_signal; d.occupationSignal = occupation_signal; d.ageSignal = age_signal
            o.demographics = d
        }
        if searches {
            var s = Searches()
            s.rate = search_rate; s.accuracy = search_accuracy; s.window = search_window
            o.searches = s
        }
        var stage = StageProgress(context.interpreter, "generate")
        let log = try ClickLog.generate(o) { done, total in stage.update(Double(done) / Double(total), "\(done)/\(total) users") }
        stage.finish()
        let result = context.install(log, source: "generated (seed \(o.seed))", record: generatorRecord(o))
        if let out {
            let bytes = try log.writePaddle(to: out.text)
            context.console.print("wrote \(out) (\(bytes) bytes, Paddle format)")
        }
        return result
    }
}

struct StatsCommand: ScriptCommand {
    static let name = "stats"
    static let topic = Topic.data
    static let summary = "Describe the data: sizes, history lengths, popularity, vocabularies, samples"

    func run(_ context: CommandContext) throws -> Value {
        let stats = try context.session.data.stats()
        context.console.print(stats.description)
        let vocab = try context.session.data.vocabularies()
        var table = TextTable(["feature", "kept", "distinct", "clicks covered"])
        for v in vocab.all {
            let total = v.counts.reduce(0, +)
            let covered = total - (v.counts.first ?? 0)
            table.add([v.name, String(v.size - 1), String(v.idOfRaw.count),
                       total > 0 ? String(format: "%.1f%%", 100 * Double(covered) / Double(total)) : "-"])
        }
        context.console.print("vocabulary (min_count=\(vocab.minCount), <unk> not counted):")
        context.console.table(table, indent: "  ")
        // Describing data that yields no samples (every item below min_count) is
        // still a description: say why there are none, and do not fail.
        var train = 0, test = 0
        do {
            let samples = try context.samplesShowingProgress()
            context.console.print("samples     \(samples.report)")
            (train, test) = (samples.report.trainSamples, samples.report.testSamples)
        } catch let error as DataError {
            context.console.print("samples     none: \(error)")
        }
        return .record([("users", .integer(stats.users)), ("items", .integer(stats.items)),
                        ("clicks", .integer(stats.clicks)), ("malformed", .integer(stats.malformedLines)),
                        ("train_samples", .integer(train)), ("test_users", .integer(test))])
    }
}

struct VocabCommand: ScriptCommand {
    static let name = "vocab"
    static let topic = Topic.data
    static let summary = "Keep feature values clicked more than min_count times; the rest become <unk>"
    @Option("keep a value when its count is strictly greater (Paddle's feat_appear_limit)", .integer(0...Int.max))
    var min_count = Vocabularies.defaultMinCount
    @Option("frequent: items under min_count become <unk>; all: every catalogue item keeps an id, even never clicked in training (for item_tower)")
    var items = ItemVocabulary.frequent

    func run(_ context: CommandContext) throws -> Value {
        context.session.data.minCount = min_count
        context.session.data.allItems = items == .all
        guard context.session.data.hasData else { return .none }
        let v = try context.session.data.vocabularies()
        context.console.print("vocab min_count=\(v.minCount): " + v.all.map { "\($0.name) \($0.size - 1)" }.joined(separator: ", "))
        return .none
    }
}

/// `vocab items=`: which items the catalogue (the output layer's rows) holds.
enum ItemVocabulary: String, ChoiceArgument { case frequent, all }

/// `split holdout=`: the kinds of test set.
enum HoldoutKind: String, ChoiceArgument { case last, time, none }

struct SplitCommand: ScriptCommand {
    static let name = "split"
    static let topic = Topic.data
    static let summary = "Choose the test targets: each user's last click, or the first click after a time"
    static let examples = ["split holdout=last", "split holdout=time cutoff=0.9", "split holdout=time cutoff=\"1998-03-01\""]
    @Option("last: each user's last click; time: the first click at or after cutoff; none: no test set")
    var holdout = HoldoutKind.last
    @Option("for holdout=time: a fraction of the clicks by time (0.9, \"90%\"), a date (\"2024-03-01\"), or a time in the log's units")
    var cutoff: Value?
    @Option("with holdout=last: hold this share of the items out of training entirely (item cold start; pair with vocab items=all and evaluate targets=cold)",
            .number(0...0.99)) var cold_items = 0.0

    func validate() throws {
        if cold_items > 0, holdout != .last {
            throw $cold_items.failure("cold_items= goes with holdout=last", help: "split holdout=last cold_items=\(Value.format(cold_items))")
        }
        switch holdout {
        case .time where cutoff == nil:
            throw CommandFailure("holdout=time needs cutoff=...", help: "split holdout=time cutoff=0.9", at: $holdout)
        case .last, .none:
            if $cutoff.isGiven { throw $cutoff.failure("cutoff goes with holdout=time", help: "split holdout=time cutoff=\(cutoff?.literal ?? "0.9")") }
        default: break
        }
    }

    func run(_ context: CommandContext) throws -> Value {
        switch holdout {
        case .last: context.session.data.holdout = .last
        case .none: context.session.data.holdout = .none
        case .time:
            guard let log = context.session.data.log else { throw $cutoff.failure("holdout=time needs data: load or generate first") }
            do {
                context.session.data.holdout = .time(cutoff: try Split.cutoff(from: cutoff?.description ?? "", log: log))
            } catch {
                throw $cutoff.failure("\(error)")
            }
        }
        context.session.data.coldItems = cold_items > 0 ? ColdItemHoldout(share: cold_items, seed: context.session.seed) : nil
        guard context.session.data.hasData else { return .none }
        let s = try context.session.data.split()
        var line = "split \(s.holdout): \(s.trainingClicks) training clicks, \(s.testUsers) test users"
        if let cold = try context.session.data.coldItemSummary() {
            line += "; \(cold.items.count) items held out of training (cold), \(cold.removedClicks) of their clicks removed"
        }
        context.console.print(line)
        return .none
    }
}

struct WindowCommand: ScriptCommand {
    static let name = "window"
    static let topic = Topic.data
    static let summary = "Paddle's sliding window: each click's history is the N clicks before it (a pad starts it)"
    @Argument("clicks of history", .integer(1...10_000)) var n: Int

    func run(_ context: CommandContext) throws -> Value {
        context.session.data.sampleOptions.history = .window(n)
        return .none
    }
}

struct HistoryCommand: ScriptCommand {
    static let name = "history"
    static let topic = Topic.data
    static let summary = "DeepMatch style: each click's history is up to max earlier clicks (no pad)"
    @Option("most recent clicks kept", .integer(1...10_000)) var max = 50

    func run(_ context: CommandContext) throws -> Value {
        context.session.data.sampleOptions.history = .recent(max: max)
        return .none
    }
}

/// `shuffle MODE`: the orders of training samples.
enum ShuffleMode: String, ChoiceArgument { case full, buffer, none }

struct ShuffleCommand: ScriptCommand {
    static let name = "shuffle"
    static let topic = Topic.data
    static let summary = "How training samples are ordered: fully shuffled, through a buffer, or in log order"
    @Argument("the shuffle") var mode = ShuffleMode.full
    @Option("buffer size, for mode buffer", .integer(2...100_000_000)) var size = 10_000

    func validate() throws {
        if $size.isGiven, mode != .buffer { throw $size.failure("size goes with mode buffer", help: "shuffle buffer size=\(size)") }
    }

    func run(_ context: CommandContext) throws -> Value {
        switch mode {
        case .none: context.session.data.sampleOptions.shuffle = .none
        case .buffer: context.session.data.sampleOptions.shuffle = .buffer(size)
        case .full: context.session.data.sampleOptions.shuffle = .full
        }
        return .none
    }
}

extension SampleOptions.AgeUnit: ChoiceArgument {}

struct ExampleAgeCommand: ScriptCommand {
    static let name = "example_age"
    static let topic = Topic.data
    static let summary = "Feed the example's age (t_max - t, normalised; 0 at serving time) to the model"
    static let examples = ["example_age on unit=days", "example_age off"]
    @Argument("on or off") var state = true
    @Option("resolution of the age") var unit = SampleOptions.AgeUnit.hours

    func run(_ context: CommandContext) throws -> Value {
        context.session.data.sampleOptions.exampleAge = state ? unit : nil
        return .none
    }
}

struct DampingCommand: ScriptCommand {
    static let name = "damping"
    static let topic = Topic.data
    static let summary = "Subsample popular positives: keep with p = (sqrt(f/t) + 1) t/f (f: the item's click share)"
    static let examples = ["damping positives=1e-3", "damping off"]
    @Argument("on or off") var state = true
    @Option("the threshold t", .number(1e-12...1)) var positives = 1e-3

    func run(_ context: CommandContext) throws -> Value {
        context.session.data.sampleOptions.dampingThreshold = state ? positives : nil
        return .none
    }
}

struct CapCommand: ScriptCommand {
    static let name = "cap"
    static let topic = Topic.data
    static let summary = "At most per_user training samples per user, chosen at random"
    @Argument("on or off") var state = true
    @Option("samples kept per user", .integer(1...Int.max)) var per_user = 100

    func run(_ context: CommandContext) throws -> Value {
        context.session.data.sampleOptions.capPerUser = state ? per_user : nil
        return .none
    }
}

var dataCommands: [CommandType] { [
    LoadPaddleCommand.self, LoadMovieLensCommand.self, LoadCSVCommand.self, LoadEventsCommand.self, LoadAutoCommand.self, LoadModelCommand.self, LoadIndexCommand.self,
    GenerateCommand.self, StatsCommand.self, VocabCommand.self, SplitCommand.self, WindowCommand.self, HistoryCommand.self, ShuffleCommand.self,
    ExampleAgeCommand.self, DampingCommand.self, CapCommand.self, NegativesCommand.self,
] }
