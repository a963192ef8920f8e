import Foundation
import YDNN

/// Records a `ydnn run` for the notebook report (`--report`) and the results log
/// (`runs.jsonl`): every top-level statement with what it printed and the charts
/// it drew, then the manifest (version, recipe and data hashes, seed, threads,
/// wall time).
public final class RunRecorder {
    public private(set) var notebook: Notebook
    private let recipePath: String
    private let version: String
    private let start = Date()

    public init(recipePath: String, version: String) throws {
        self.recipePath = recipePath
        self.version = version
        let manifest = try RunManifest.forRecipe(at: recipePath, version: version, threads: defaultThreads)
        notebook = Notebook(title: "ydnn run \((recipePath as NSString).lastPathComponent)", manifest: manifest)
    }

    /// A console that writes to `base` and into the notebook.
    public func console(teeing base: Console) -> Console {
        let console = Console(isTerminal: base.isTerminal,
                              out: { [unowned self] text in base.write(text); self.notebook.appendOutput(text) },
                              err: { [unowned self] text in base.error(text); self.notebook.appendOutput(text) })
        console.chartSink = { [unowned self] svg, title in self.notebook.appendChart(svg, title: title) }
        // Tables reach the terminal as text and the report as tables (HTML there).
        console.tableSink = { [unowned self] table, title, indent in
            base.print(table.render(indent: indent))
            self.notebook.appendTable(table, title: title)
        }
        return console
    }

    /// Starts a notebook cell at each top-level statement. The `let` a `--set`
    /// replaces is shown with the value that ran, and the recipe's own after it.
    public func attach(to interpreter: Interpreter) {
        var replaced: Set<String> = []
        interpreter.onTopLevelStatement = { [unowned self, unowned interpreter] statement in
            var text = statement.span.text
            if case .binding(let name, _, let bound, _) = statement, let o = interpreter.overrides[name],
               replaced.insert(name).inserted {
                var ignored: [Diagnostic] = []
                let original: Value? = if case .expression(let e) = bound {
                    evaluate(e, lookup: { _ in nil }, errors: &ignored)
                } else { nil }
                let shown = (try? o.value(replacing: original))?.literal ?? o.text
                text = "let \(name) = \(shown)   # --set \(name)=\(o.text); the recipe says: \(text)"
            }
            self.notebook.beginStatement(text, line: statement.span.file.location(of: statement.span.start).line)
        }
    }

    /// The manifest as the run ends: seed, threads, data files, wall time.
    public func manifest(for interpreter: Interpreter) -> RunManifest {
        var m = notebook.manifest
        m.seed = interpreter.seed
        m.threads = interpreter.threads
        m.wallTimeSeconds = Date().timeIntervalSince(start)
        for f in interpreter.dataFiles { try? m.addDataFile(f) }
        m.overrides = interpreter.overrides.mapValues(\.text)
        m.dataSources = interpreter.dataSources
        return m
    }

    /// Writes the report (.html, or .md with its charts beside it); returns the files written.
    @discardableResult
    public func writeReport(to path: String, interpreter: Interpreter) throws -> [String] {
        notebook.manifest = manifest(for: interpreter)
        // The user named the report on the command line; the recipe's sandbox is not theirs.
        return try WriteSandbox.unrestricted.during { try notebook.write(to: path) }
    }

    /// Appends one line per experiment to `runs.jsonl` beside the recipe; returns its path.
    @discardableResult
    public func appendRunLog(_ interpreter: Interpreter) throws -> String? {
        let records: [ExperimentRecord] = interpreter.experiments.compactMap { e in
            let metrics = e.metrics
            guard !metrics.isEmpty else { return nil }
            return ExperimentRecord(name: e.name, values: metrics.map { ($0.description, e.perRun($0)) }, seeds: e.seeds)
        }
        guard !records.isEmpty else { return nil }
        let path = RunLog.defaultPath(forRecipe: recipePath)
        try RunLog.append(records, manifest: manifest(for: interpreter), to: path)
        return path
    }
}
