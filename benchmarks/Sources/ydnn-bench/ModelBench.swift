// The model benchmark: trains the two reference recipes and reports throughput,
// arithmetic rate and peak memory. On real data (ModelDataBench.swift) by default
// when ../shared/data/ml-100k-paddle/test.txt is there; otherwise, or with
// `data=synthetic`, on synthetic samples of the recipes' shapes:
//
//   ydnn-bench model data=synthetic [samples=20000] [epochs=1] [repeat=3] [modes=1,2,blas2] [recipes=paddle,meanpool]
//
// modes: "1" = one worker, single-threaded BLAS; "2" = two data-parallel workers
// (fixed-order gradient reduction); "blas2" = one worker, two-threaded BLAS.
// Each mode runs `repeat` times, the modes taking turns, so a burst of other work on
// a shared machine does not land on one mode only; the table shows the best and the
// median throughput.
import Foundation
import YDNN
import YDNNTestSupport

func modelBenchmark(_ args: [String]) throws {
    var options: [String: String] = [:]
    for a in args {
        let kv = a.split(separator: "=", maxSplits: 1).map(String.init)
        guard kv.count == 2 else { throw ModelBenchError.usage("model: expected key=value, got '\(a)'") }
        options[kv[0]] = kv[1]
    }
    if options["data"] != "synthetic", let path = options["data"] ?? defaultModelBenchData() {
        return try modelDataBenchmark(path: path, options)
    }
    let samples = Int(options["samples"] ?? "20000") ?? 20000
    let epochs = Int(options["epochs"] ?? "1") ?? 1
    let repeats = max(1, Int(options["repeat"] ?? "3") ?? 3)
    let modes = (options["modes"] ?? "1,2,blas2").split(separator: ",").map(String.init)
    let wanted = (options["recipes"] ?? "paddle,meanpool").split(separator: ",").map(String.init)

    // Paddle youtube_recall on ml-100k's shape: 943 users, ~1,700 items, 19 genres, window 5.
    var paddle = SyntheticSamples.Shape()
    paddle.users = 943; paddle.items = 1700; paddle.categories = 19; paddle.tags = 19; paddle.history = 5
    // DeepMatch-style: the last 50 clicks mean-pooled, sampled softmax (100 negatives, log-Q), 10k items.
    var meanPool = SyntheticSamples.Shape()
    meanPool.users = 6000; meanPool.items = 10000; meanPool.categories = 50; meanPool.tags = 50
    meanPool.history = 50; meanPool.fullHistory = true

    let recipes: [(key: String, name: String, spec: ModelSpec, shape: SyntheticSamples.Shape, batch: Int)] = [
        ("paddle", "paddle (lstm 64, nce 5)", SyntheticSamples.paddleSpec(), paddle, 128),
        ("meanpool", "mean-pool 50 (sampled 100, logq)", SyntheticSamples.meanPoolSpec(dim: 64, negatives: 100), meanPool, 256),
    ].filter { wanted.contains($0.key) }

    print("model benchmark: \(samples) samples × \(epochs) epoch(s), \(ProcessInfo.processInfo.activeProcessorCount) cores")
    print("")
    // CPU ms/batch (user+system time of the process) next to the wall-clock ms/batch
    // shows whether two workers really ran at once: on a machine shared with other
    // jobs the wall clock alone cannot tell.
    print("| recipe | batch | mode | params | samples/s best | samples/s median | GFLOP/s | ms/batch | CPU ms/batch | loss | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in recipes {
        let data = SyntheticSamples.make(count: samples, shape: r.shape, seed: 1)
        var runs: [String: [(report: TrainReport, cpu: Double, params: Int)]] = [:]
        for _ in 0..<repeats {
            for mode in modes {
                let model = try Model(spec: r.spec, features: SyntheticSamples.features(r.shape), itemCount: r.shape.items, seed: 7)
                var opts = TrainOptions(epochs: epochs, batchSize: r.batch, optimizer: OptimizerSpec(.adam, learningRate: 0.001))
                switch mode {
                case "1": opts.threads = 1; opts.blasThreads = 1
                case "2": opts.threads = 2; opts.blasThreads = 1
                case "blas2": opts.threads = 1; opts.blasThreads = 2
                default: throw ModelBenchError.usage("model: unknown mode '\(mode)' (1, 2, blas2)")
                }
                let cpu0 = modelBenchCPUSeconds()
                let report = try Trainer(opts).train(model, on: data)
                runs[mode, default: []].append((report, modelBenchCPUSeconds() - cpu0, model.parameterCount))
            }
        }
        for mode in modes {
            let all = runs[mode]!.sorted { $0.report.samplesPerSecond > $1.report.samplesPerSecond }
            let best = all[0], median = all[all.count / 2]
            let batches = Double(best.report.batchLosses.count)
            print("| \(r.name) | \(r.batch) | \(mode) | \(best.params) | "
                  + String(format: "%.0f | %.0f | %.2f | %.2f | %.2f | %.3f | %.0f |", best.report.samplesPerSecond,
                           median.report.samplesPerSecond, best.report.flops / best.report.seconds / 1e9,
                           best.report.seconds * 1000 / batches, median.cpu * 1000 / batches,
                           best.report.epochLosses.last ?? .nan, modelBenchPeakRSS()))
        }
    }
}

enum ModelBenchError: Error, CustomStringConvertible {
    case usage(String)
    var description: String { switch self { case .usage(let m): return m } }
}

/// User + system CPU seconds of the process so far.
func modelBenchCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return s(usage.ru_utime) + s(usage.ru_stime)
}

/// Peak resident set size of the process so far (Linux reports ru_maxrss in KiB).
func modelBenchPeakRSS() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}
