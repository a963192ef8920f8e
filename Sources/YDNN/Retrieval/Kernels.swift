import Foundation

/// One search hit. Everywhere in retrieval, "better" means higher score, and equal
/// scores are ordered by lower item index, so every ranking is deterministic.
public struct ScoredItem: Equatable, Sendable, CustomStringConvertible {
    public var item: Int
    public var score: Float
    public init(item: Int, score: Float) { self.item = item; self.score = score }
    public var description: String { "\(item):\(score)" }

    @inline(__always)
    public static func ranksBefore(_ a: ScoredItem, _ b: ScoredItem) -> Bool {
        a.score > b.score || (a.score == b.score && a.item < b.item)
    }
}

/// Inner product of `n` floats; 2 SIMD8 FMA accumulators then a scalar tail.
@inline(__always)
func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= n {
        acc0 = acc0.addingProduct(ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self),
                                  rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
        acc1 = acc1.addingProduct(ra.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self),
                                  rb.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self))
        i += 16
    }
    if i + 8 <= n {
        acc0 = acc0.addingProduct(ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self),
                                  rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
        i += 8
    }
    var s = (acc0 + acc1).sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

/// Keeps the best `k` (score, item) pairs seen so far: a min-heap whose root is the
/// worst kept pair, so a new pair costs one comparison unless it beats the root.
struct TopKHeap {
    let k: Int
    private(set) var scores: [Float] = []
    private(set) var items: [Int32] = []

    init(k: Int) {
        self.k = k
        scores.reserveCapacity(k)
        items.reserveCapacity(k)
    }

    var isFull: Bool { scores.count >= k }
    /// A score must exceed this to have a chance of entering (ties resolved in `push`).
    var threshold: Float { k == 0 ? .infinity : (isFull ? scores[0] : -.infinity) }

    /// `a` is worse than `b`: lower score, or equal score with higher index.
    @inline(__always)
    private func worse(_ sa: Float, _ ia: Int32, _ sb: Float, _ ib: Int32) -> Bool {
        sa < sb || (sa == sb && ia > ib)
    }

    @inline(__always)
    mutating func push(_ score: Float, _ item: Int32) {
        if k == 0 { return }
        if scores.count < k {
            scores.append(score); items.append(item)
            var c = scores.count - 1
            while c > 0 {
                let p = (c - 1) / 2
                if worse(scores[c], items[c], scores[p], items[p]) {
                    scores.swapAt(c, p); items.swapAt(c, p); c = p
                } else { break }
            }
            return
        }
        guard worse(scores[0], items[0], score, item) else { return }
        scores[0] = score; items[0] = item
        var p = 0
        let n = scores.count
        while true {
            let l = 2 * p + 1, r = l + 1
            var m = p
            if l < n && worse(scores[l], items[l], scores[m], items[m]) { m = l }
            if r < n && worse(scores[r], items[r], scores[m], items[m]) { m = r }
            if m == p { break }
            scores.swapAt(p, m); items.swapAt(p, m); p = m
        }
    }

    /// Best first.
    func sorted() -> [ScoredItem] {
        var out = (0..<scores.count).map { ScoredItem(item: Int(items[$0]), score: scores[$0]) }
        out.sort(by: ScoredItem.ranksBefore)
        return out
    }
}

/// Runs `body(worker)` for `workers` workers on the cores (Dispatch), or inline when
/// there is one worker, so single-threaded timings have no Dispatch overhead.
func runWorkers(_ workers: Int, _ body: (Int) -> Void) {
    if workers <= 1 { body(0); return }
    DispatchQueue.concurrentPerform(iterations: workers, execute: body)
}

/// Hands out chunk indices to workers; whichever worker takes a chunk, the
/// chunk's result is the same, so the output does not depend on scheduling.
final class ChunkCounter: @unchecked Sendable {
    private var next = 0
    private let lock = NSLock()
    func take() -> Int {
        lock.lock(); defer { lock.unlock() }
        let v = next; next += 1; return v
    }
}

/// Default number of workers for parallel phases: the machine's cores.
public var retrievalDefaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

/// Largest lane. Written out as a tree of scalar maxes because the standard
/// library's `SIMD8.max()` is not inlined here and cost a function call per
/// eight scores (half the time of exact search, measured with perf).
@inline(__always)
func horizontalMax(_ v: SIMD8<Float>) -> Float {
    let a = Swift.max(v[0], v[4]), b = Swift.max(v[1], v[5]), c = Swift.max(v[2], v[6]), d = Swift.max(v[3], v[7])
    return Swift.max(Swift.max(a, c), Swift.max(b, d))
}

/// Allocates `byteCount` bytes for a large, randomly accessed table (graph links,
/// vectors, visited stamps). Above 4 MB the block is 2 MB-aligned and marked for
/// transparent huge pages (the machine's THP mode is `madvise`): a graph search
/// touches pages all over hundreds of megabytes, and with 4 KB pages nearly every
/// access also missed the TLB. Free with `deallocate()`.
func allocateTable(byteCount: Int) -> UnsafeMutableRawPointer {
    let size = max(64, byteCount)
    guard size >= 4 << 20 else { return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64) }
    let hugePage = 2 << 20
    let rounded = (size + hugePage - 1) / hugePage * hugePage
    let p = UnsafeMutableRawPointer.allocate(byteCount: rounded, alignment: hugePage)
    _ = madvise(p, rounded, MADV_HUGEPAGE)  // advisory: on failure we simply keep 4 KB pages
    return p
}
