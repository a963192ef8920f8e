// ydnn-bench SUITE [args...]: the library's speed and memory benchmarks. Each suite
// prints a table; benchmarks/run.sh runs them all in a release build.
import Foundation

let suites: [(name: String, run: ([String]) throws -> Void)] = [
    ("data", dataBenchmark),
    ("model", modelBenchmark),
    ("retrieval", retrievalBenchmark),
]

let args = Array(CommandLine.arguments.dropFirst())
guard let name = args.first, let suite = suites.first(where: { $0.name == name }) else {
    print("usage: ydnn-bench \(suites.map(\.name).joined(separator: "|")) [args...]")
    exit(2)
}
do { try suite.run(Array(args.dropFirst())) } catch {
    print("error: \(error)")
    exit(1)
}
