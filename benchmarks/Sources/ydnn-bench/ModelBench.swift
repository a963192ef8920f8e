// Filled in by the model work.
func modelBenchmark(_ args: [String]) throws { print("model benchmark: not written yet") }
