// Filled in by the data work.
func dataBenchmark(_ args: [String]) throws { print("data benchmark: not written yet") }
