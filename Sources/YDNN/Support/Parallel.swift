import Dispatch
import Synchronization

/// Runs `body(worker)` for `workers` workers on the cores (Dispatch), or inline when
/// there is one worker, so single-threaded timings have no Dispatch overhead.
/// Zero workers run nothing, as with `DispatchQueue.concurrentPerform`.
///
/// `body` need not be `@Sendable`: the library's parallel loops write disjoint
/// slots of raw buffers and read data nobody writes meanwhile, which the compiler
/// cannot prove. This is the one place that vouches for that by hand (`Unchecked`),
/// instead of one unchecked wrapper per call site.
func runWorkers(_ workers: Int, _ body: (Int) -> Void) {
    if workers <= 0 { return }
    if workers == 1 { body(0); return }
    withoutActuallyEscaping(body) { body in
        let shared = Unchecked(body)
        DispatchQueue.concurrentPerform(iterations: workers) { shared.value($0) }
    }
}

/// A value handed to concurrent code on the caller's word that sharing it is safe
/// (see `runWorkers`). Not for anything else.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Hands out chunk indices to workers; whichever worker takes a chunk, the
/// chunk's result is the same, so the output does not depend on scheduling.
final class ChunkCounter: Sendable {
    private let next = Atomic<Int>(0)
    func take() -> Int { next.wrappingAdd(1, ordering: .relaxed).oldValue }
}
