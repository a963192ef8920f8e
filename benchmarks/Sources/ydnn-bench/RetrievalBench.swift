// Filled in by the retrieval work.
func retrievalBenchmark(_ args: [String]) throws { print("retrieval benchmark: not written yet") }
