import Foundation
import YDNN

/// What a reader needs to know a report's numbers can be reproduced: which ydnn,
/// which recipe and data (by SHA-256, not just by name), seed, threads, and how
/// long it took. Shared by the notebook report and the runs.jsonl log.
public struct RunManifest: Sendable, Equatable {
    public struct DataFile: Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var bytes: Int
        public init(path: String, sha256: String, bytes: Int) { self.path = path; self.sha256 = sha256; self.bytes = bytes }
    }

    public var version: String
    /// The recipe as given on the command line; nil for the REPL or stdin.
    public var recipePath: String?
    public var recipeSHA256: String?
    public var dataFiles: [DataFile] = []
    /// `--set name=value` as given, by name.
    public var overrides: [String: String] = [:]
    /// How each data set the run used came to be: a loader and its file, or
    /// the generator with every parameter (`generate users=2000 ... seed=7`).
    public var dataSources: [String] = []
    public var seed: UInt64?
    public var threads: Int
    public var machine: MachineInfo? = .current
    /// Seconds from the start of the run to when the report was written.
    public var wallTimeSeconds: Double?
    public var date: Date

    public init(version: String, recipePath: String? = nil, recipeSHA256: String? = nil,
                dataFiles: [DataFile] = [], seed: UInt64? = nil, threads: Int,
                wallTimeSeconds: Double? = nil, date: Date = Date()) {
        self.version = version; self.recipePath = recipePath; self.recipeSHA256 = recipeSHA256
        self.dataFiles = dataFiles; self.seed = seed; self.threads = threads
        self.wallTimeSeconds = wallTimeSeconds; self.date = date
    }

    /// A manifest for a recipe file, hashing the file as it is now.
    public static func forRecipe(at path: String, version: String, seed: UInt64? = nil, threads: Int,
                                 date: Date = Date()) throws -> RunManifest {
        RunManifest(version: version, recipePath: path, recipeSHA256: try SHA256.hex(ofFile: path),
                    seed: seed, threads: threads, date: date)
    }

    /// Hashes a data file the run read and records it (once per path).
    public mutating func addDataFile(_ path: String) throws {
        guard !dataFiles.contains(where: { $0.path == path }) else { return }
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        dataFiles.append(DataFile(path: path, sha256: try SHA256.hex(ofFile: path), bytes: size))
    }

    /// UTC, second precision, ISO 8601 ("2026-11-23T14:05:00Z").
    public static func isoDate(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return f.string(from: date)
    }

    /// Label/value pairs in display order (the report's "Run" table).
    public var rows: [(String, String)] {
        var r: [(String, String)] = [("ydnn version", version)]
        r.append(("recipe", recipePath ?? "(interactive)"))
        if let h = recipeSHA256 { r.append(("recipe sha256", h)) }
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) { r.append(("--set \(name)", value)) }
        for d in dataSources { r.append(("data source", d)) }
        for f in dataFiles { r.append(("data \(f.path)", "sha256 \(f.sha256) (\(f.bytes) bytes)")) }
        r.append(("seed", seed.map { String($0) } ?? "(not set)"))
        r.append(("threads", String(threads)))
        if let m = machine {
            r.append(("os", m.os))
            r.append(("cpu", "\(m.cpu) (\(m.cores) cores)"))
            r.append(("blas", m.blas))
        }
        if let t = wallTimeSeconds { r.append(("wall time", String(format: "%.1f s", t))) }
        r.append(("date", Self.isoDate(date)))
        return r
    }

    /// The manifest as JSON-ready values (snake_case keys), for runs.jsonl:
    /// ydnn_version, threads, date, data, recipe, recipe_sha256, seed,
    /// wall_time_s, overrides, data_sources, machine {os, cpu, cores, blas}.
    public var jsonObject: [String: Any] {
        var o: [String: Any] = [
            "ydnn_version": version,
            "threads": threads,
            "date": Self.isoDate(date),
            "data": dataFiles.map { ["path": $0.path, "sha256": $0.sha256, "bytes": $0.bytes] as [String: Any] },
        ]
        o["recipe"] = recipePath ?? NSNull()
        o["recipe_sha256"] = recipeSHA256 ?? NSNull()
        o["seed"] = seed.map { NSNumber(value: $0) } ?? NSNull()
        o["wall_time_s"] = wallTimeSeconds.flatMap { $0.isFinite ? $0 : nil } ?? NSNull()
        o["overrides"] = overrides
        o["data_sources"] = dataSources
        if let m = machine { o["machine"] = ["os": m.os, "cpu": m.cpu, "cores": m.cores, "blas": m.blas] as [String: Any] }
        return o
    }
}
