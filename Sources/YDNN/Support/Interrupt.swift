import YDNNSignals

// Cancellation lives in the dependency-free YDNNSignals target, shared with the
// REPL. These aliases let clients that import only YDNN (the script layer, the
// tests, the benchmarks) use it without a second import.
public typealias CancellationToken = YDNNSignals.CancellationToken
public typealias Cancelled = YDNNSignals.Cancelled
