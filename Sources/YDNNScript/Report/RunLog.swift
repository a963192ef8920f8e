import Foundation
import YDNN

/// One experiment's results for the run log: each metric summarised over its
/// repeats (seeds).
public struct ExperimentRecord: Sendable {
    public struct Metric: Sendable {
        public var name: String
        public var summary: SampleSummary
        /// The value of each repeat, in seed order (empty when only the summary is known).
        public var values: [Double]
        public init(name: String, summary: SampleSummary, values: [Double] = []) {
            self.name = name; self.summary = summary; self.values = values
        }
    }

    public var name: String
    public var metrics: [Metric]
    /// The seed of each repeat, in order.
    public var seeds: [UInt64]

    public init(name: String, metrics: [Metric], seeds: [UInt64]) {
        self.name = name; self.metrics = metrics; self.seeds = seeds
    }

    /// From raw per-repeat values ("hr@50" → one value per seed).
    public init(name: String, values: [(metric: String, perRun: [Double])], seeds: [UInt64], level: Double = 0.95) {
        self.init(name: name,
                  metrics: values.map { Metric(name: $0.metric, summary: Statistics.summarize($0.perRun, level: level),
                                               values: $0.perRun) },
                  seeds: seeds)
    }
}

/// The results log: each `ydnn run` appends one JSON line per experiment to
/// `runs.jsonl` beside the recipe, so results accumulate across runs and can be
/// read back with any JSON-lines tool.
///
/// Appends go through `AtomicFileWriter.append` (old lines and new written
/// together, then renamed over the log, under a folder lock), so two runs
/// finishing together each add their lines, a kill leaves the old log or the
/// longer one, and a line cut short by an older crash is closed with a newline.
public enum RunLog {
    /// `runs.jsonl` in the recipe's directory.
    public static func defaultPath(forRecipe recipePath: String) -> String {
        URL(fileURLWithPath: recipePath).deletingLastPathComponent().appendingPathComponent("runs.jsonl").path
    }

    /// JSON can hold no NaN or infinity: those become null.
    static func number(_ v: Double?) -> Any {
        guard let v, v.isFinite else { return NSNull() }
        return v
    }

    /// The JSON object of one record (keys: time, recipe, recipe_sha256,
    /// experiment, metrics {name: {mean, std, ci_low, ci_high, ci_level, n_runs,
    /// values}}, seeds, ydnn_version, threads, seed, data, date, wall_time_s).
    public static func object(for record: ExperimentRecord, manifest: RunManifest, time: Date = Date()) -> [String: Any] {
        var o = manifest.jsonObject
        o["time"] = RunManifest.isoDate(time)
        o["experiment"] = record.name
        o["seeds"] = record.seeds.map { NSNumber(value: $0) }
        var metrics: [String: Any] = [:]
        for m in record.metrics {
            metrics[m.name] = [
                "mean": number(m.summary.mean),
                "std": number(m.summary.standardDeviation),
                "ci_low": number(m.summary.ciLow),
                "ci_high": number(m.summary.ciHigh),
                "ci_level": number(m.summary.level),
                "n_runs": m.summary.n,
                "values": m.values.map { number($0) },
            ] as [String: Any]
        }
        o["metrics"] = metrics
        return o
    }

    /// One line of JSON (keys sorted, so lines diff well), without the newline.
    public static func line(for record: ExperimentRecord, manifest: RunManifest, time: Date = Date()) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object(for: record, manifest: manifest, time: time),
                                              options: [.sortedKeys, .withoutEscapingSlashes])
        // JSONSerialization escapes control characters, so the line has no raw newline.
        return String(decoding: data, as: UTF8.self)
    }

    /// Appends one line per record to `path` (created if missing).
    public static func append(_ records: [ExperimentRecord], manifest: RunManifest, to path: String,
                              time: Date = Date()) throws {
        guard !records.isEmpty else { return }
        var text = ""
        for r in records { text += try line(for: r, manifest: manifest, time: time) + "\n" }
        // The log is ydnn's record of the run, not a file the recipe chose, so the
        // recipe's sandbox does not apply; links and read-only files are still refused.
        try AtomicFileWriter.append(text, to: path, sandbox: .unrestricted)
    }

    /// Reads the log back: one object per non-empty line that parses; lines that
    /// do not (a crash's leftovers) are skipped rather than failing the reader.
    public static func read(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }
}
