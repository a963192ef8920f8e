import Foundation
import YDNNKernels

/// A binary max-heap of (key, id) pairs in manually managed storage. Graph search
/// pushes and pops millions of pairs; plain pointers avoid the copy-on-write and
/// exclusivity checks a Swift array inside a class would pay on every access.
/// For a min-heap, push negated keys. Copies share storage: the owner frees it.
struct PairHeap {
    private(set) var keys: UnsafeMutablePointer<Float>
    private(set) var ids: UnsafeMutablePointer<UInt32>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(16, capacity)
        keys = .allocate(capacity: self.capacity)
        ids = .allocate(capacity: self.capacity)
    }

    func free() { keys.deallocate(); ids.deallocate() }

    @inline(__always) var isEmpty: Bool { count == 0 }
    @inline(__always) var topKey: Float { keys[0] }
    @inline(__always) var topID: UInt32 { ids[0] }
    @inline(__always) mutating func clear() { count = 0 }

    private mutating func grow() {
        let newCapacity = capacity * 2
        let k = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity)
        let i = UnsafeMutablePointer<UInt32>.allocate(capacity: newCapacity)
        k.update(from: keys, count: count)
        i.update(from: ids, count: count)
        keys.deallocate(); ids.deallocate()
        keys = k; ids = i; capacity = newCapacity
    }

    @inline(__always)
    mutating func push(_ key: Float, _ id: UInt32) {
        if count == capacity { grow() }
        var c = count
        count += 1
        while c > 0 {
            let p = (c - 1) >> 1
            if keys[p] >= key { break }
            keys[c] = keys[p]; ids[c] = ids[p]; c = p
        }
        keys[c] = key; ids[c] = id
    }

    @inline(__always)
    mutating func pop() {
        count -= 1
        if count == 0 { return }
        let key = keys[count], id = ids[count]
        var p = 0
        while true {
            let l = 2 * p + 1
            if l >= count { break }
            var m = l
            if l + 1 < count && keys[l + 1] > keys[l] { m = l + 1 }
            if keys[m] <= key { break }
            keys[p] = keys[m]; ids[p] = ids[m]; p = m
        }
        keys[p] = key; ids[p] = id
    }
}

/// Per-thread scratch for graph search: a generation-stamped visited array (a new
/// search bumps the stamp instead of clearing n entries), the two heaps, and an
/// aligned, zero-padded copy of the query.
final class HNSWSearchContext {
    let visited: UnsafeMutablePointer<UInt32>
    let nodes: Int
    var stamp: UInt32 = 0
    var candidates: PairHeap
    var results: PairHeap
    let query: UnsafeMutablePointer<Float>
    /// Unvisited neighbours of the node being expanded (at most 2m, sized generously).
    let pending: UnsafeMutablePointer<UInt32>
    /// Keeps the touching loads of `searchLayer` from being optimised away.
    var sink: UInt32 = 0
    // Scratch for neighbour selection.
    var pool: [(Float, UInt32)] = []
    var chosen: [(Float, UInt32)] = []

    init(nodes: Int, stride: Int) {
        self.nodes = nodes
        visited = allocateTable(byteCount: max(1, nodes) * 4).bindMemory(to: UInt32.self, capacity: max(1, nodes))
        visited.initialize(repeating: 0, count: max(1, nodes))
        candidates = PairHeap(capacity: 256)
        results = PairHeap(capacity: 256)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: stride * 4, alignment: 32)
        query = raw.bindMemory(to: Float.self, capacity: stride)
        query.initialize(repeating: 0, count: stride)
        pending = .allocate(capacity: 4096)
    }

    deinit {
        UnsafeMutableRawPointer(visited).deallocate()
        candidates.free(); results.free()
        UnsafeMutableRawPointer(query).deallocate()
        pending.deallocate()
    }

    @inline(__always)
    func nextStamp() -> UInt32 {
        stamp &+= 1
        if stamp == 0 {
            visited.update(repeating: 0, count: nodes)
            stamp = 1
        }
        return stamp
    }
}

/// Contexts reused across queries, so a single `search` does not allocate an
/// n-sized visited array; one per concurrent caller at most. Unchecked Sendable:
/// the free list is only touched under `lock`.
final class HNSWContextPool: @unchecked Sendable {
    private var free: [HNSWSearchContext] = []
    private let lock = NSLock()
    let nodes: Int, stride: Int

    init(nodes: Int, stride: Int) { self.nodes = nodes; self.stride = stride }

    func take() -> HNSWSearchContext {
        lock.lock()
        if let c = free.popLast() { lock.unlock(); return c }
        lock.unlock()
        return HNSWSearchContext(nodes: nodes, stride: stride)
    }

    func put(_ c: HNSWSearchContext) {
        lock.lock(); free.append(c); lock.unlock()
    }
}
