// ydnn-bench data [clicks=10000000] [window=5] [only=1|2|3] [keep]: generates a synthetic log,
// writes it in the Paddle format, and measures parsing speed, the memory the log
// takes, and the time to build samples. Targets: parse >= 100 MB/s on one core,
// samples for 10M clicks < 30 s, log in memory <= 2x its compact size.
import Foundation
import YDNN

private func residentBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kb = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return kb * 1024
    }
    return 0
}

private func mb(_ b: Int) -> String { String(format: "%.1f MB", Double(b) / 1e6) }

/// CPU seconds (user, system) used by the process so far: on a shared machine
/// wall time depends on the neighbours, CPU time much less.
private func cpuSeconds() -> (user: Double, system: Double) {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return (Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6,
            Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6)
}

// The CPU time of the last `timed` call. Unsafe global: the benchmark is one thread.
nonisolated(unsafe) private var lastCPU = (user: 0.0, system: 0.0)

private func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let c0 = cpuSeconds()
    let t0 = MonotonicClock.now()
    let r = try body()
    let c1 = cpuSeconds()
    lastCPU = (c1.user - c0.user, c1.system - c0.system)
    return (r, MonotonicClock.seconds(since: t0))
}

private func cpu() -> String { String(format: "cpu user %.2f s + sys %.2f s", lastCPU.user, lastCPU.system) }

func dataBenchmark(_ args: [String]) throws {
    var opts: [String: String] = [:]
    for a in args {
        let kv = a.split(separator: "=", maxSplits: 1).map(String.init)
        opts[kv[0]] = kv.count > 1 ? kv[1] : "1"
    }
    let targetClicks = Int(opts["clicks"] ?? "") ?? 10_000_000
    let window = Int(opts["window"] ?? "") ?? 5
    let only = Int(opts["only"] ?? "")  // run one of the sample configurations
    var rows: [(String, String)] = []

    var g = GeneratorOptions()
    g.clicksPerUser = 100
    g.users = max(100, targetClicks / 93)  // ~93 clicks survive per user (stale and repeat picks are dropped)
    g.items = max(1000, targetClicks / 200)
    g.categories = 50
    g.tags = 400
    g.days = 180
    g.seed = 1
    let dir = NSTemporaryDirectory() + "ydnn-bench-data-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { if opts["keep"] == nil { try? FileManager.default.removeItem(atPath: dir) } }
    let path = dir + "/clicks.txt"

    do {
        let (log, genSeconds) = try timed { try ClickLog.generate(g) }
        let (bytes, writeSeconds) = try timed { try log.writePaddle(to: path) }
        rows.append(("generate \(log.numUsers) users, \(log.numItems) items, \(log.numClicks) clicks", String(format: "%.2f s", genSeconds)))
        rows.append(("write Paddle file (\(mb(bytes)))", String(format: "%.2f s", writeSeconds)))
    }

    // Parse: best of three, page cache warm after the write.
    let rss0 = residentBytes()
    var best = Double.infinity
    var log: ClickLog? = nil
    var bestCPU = Double.infinity
    for _ in 0..<3 {
        log = nil
        let (l, s) = try timed { try ClickLog.loadPaddle(path: path) }
        best = min(best, s)
        bestCPU = min(bestCPU, lastCPU.user + lastCPU.system)
        log = l
    }
    let clickLog = log!
    let rss1 = residentBytes()
    let size = clickLog.loadReport.bytesRead
    rows.append(("parse Paddle, 1 core (best of 3)", String(format: "%.2f s wall = %.0f MB/s; %.2f cpu-s = %.0f MB/cpu-s", best, Double(size) / 1e6 / best, bestCPU, Double(size) / 1e6 / bestCPU)))
    rows.append(("clicks / users / items loaded", "\(clickLog.numClicks) / \(clickLog.numUsers) / \(clickLog.numItems)"))
    rows.append(("log compact size (8 B/click + metadata)", mb(clickLog.compactBytes)))
    rows.append(("log arrays held (capacities)", mb(clickLog.memoryBytes) + String(format: " = %.2fx compact", Double(clickLog.memoryBytes) / Double(clickLog.compactBytes))))
    rows.append(("resident growth while loading (VmRSS)", mb(rss1 - rss0) + String(format: " = %.2fx compact", Double(rss1 - rss0) / Double(clickLog.compactBytes))))

    let (vocab, vocabSeconds) = timed { Vocabularies(log: clickLog, minCount: 20) }
    rows.append(("vocab min_count=20", String(format: "%.2f s (%d items kept)", vocabSeconds, vocab.items.size - 1)))
    let (split, splitSeconds) = try timed { try Split(log: clickLog, holdout: .last) }
    rows.append(("split holdout=last", String(format: "%.3f s", splitSeconds)))

    for (name, configure) in [
        ("window \(window), shuffle full", { (o: inout SampleOptions) in o.history = .window(window) }),
        ("window \(window) + example_age + damping 1e-3 + cap 50", { (o: inout SampleOptions) in
            o.history = .window(window); o.exampleAge = .days; o.dampingThreshold = 1e-3; o.capPerUser = 50 }),
        ("history max=50 (DeepMatch), shuffle buffer 100k", { (o: inout SampleOptions) in
            o.history = .recent(max: 50); o.shuffle = .buffer(100_000) }),
    ].enumerated().filter({ only == nil || only == $0.offset + 1 }).map(\.element) as [(String, (inout SampleOptions) -> Void)] {
        var o = SampleOptions()
        o.seed = 1
        configure(&o)
        let (s, secs) = try timed { try SampleSet.build(log: clickLog, vocab: vocab, split: split, options: o) }
        let ids = s.train.materialized().sparse.values.reduce(0) { $0 + $1.ids.count }
        let phases = s.report.phases.map { String(format: "%@ %.2f", $0.name, $0.seconds) }.joined(separator: ", ")
        rows.append(("samples: \(name)", String(format: "%.2f s wall, %@ (%d train, %d test, %.0fM ids; phases %@)", secs, cpu(), s.train.count, s.test.count, Double(ids) / 1e6, phases)))
    }
    rows.append(("peak resident (VmRSS at end)", mb(residentBytes())))

    print("| data benchmark | result |")
    print("|---|---|")
    for (k, v) in rows { print("| \(k) | \(v) |") }
}
