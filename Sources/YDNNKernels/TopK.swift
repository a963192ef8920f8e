/// Keeps the best `k` (score, item) pairs seen so far: a min-heap whose root is the
/// worst kept pair, so a new pair costs one comparison unless it beats the root.
/// Better means higher score, and equal scores prefer the lower item index.
///
/// The rejection test is @inlinable (callers offer every candidate, and almost all
/// fail it); the sift and the block scans run here, compiled with this target's flags.
package struct TopKHeap {
    package let k: Int
    @usableFromInline package private(set) var scores: [Float] = []
    @usableFromInline package private(set) var items: [Int32] = []

    package init(k: Int) {
        self.k = k
        scores.reserveCapacity(k)
        items.reserveCapacity(k)
    }

    @inlinable
    package var isFull: Bool { scores.count >= k }
    /// A score must exceed this to have a chance of entering (ties resolved in `push`).
    @inlinable
    package var threshold: Float { k == 0 ? .infinity : (isFull ? scores[0] : -.infinity) }

    @inlinable @inline(__always)
    package mutating func push(_ score: Float, _ item: Int32) {
        if k == 0 { return }
        // Full and not better than the worst kept pair: the common case, decided here.
        if scores.count >= k && !(scores[0] < score || (scores[0] == score && items[0] > item)) { return }
        insert(score, item)
    }

    /// `a` is worse than `b`: lower score, or equal score with higher index.
    @inline(__always)
    private func worse(_ sa: Float, _ ia: Int32, _ sb: Float, _ ib: Int32) -> Bool {
        sa < sb || (sa == sb && ia > ib)
    }

    /// `push` for a pair that enters: append (not full) or replace the root, then sift.
    @usableFromInline
    package mutating func insert(_ score: Float, _ item: Int32) {
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

    /// Offers `scores[0..<count]`, the scores of items `firstItem ..< firstItem + count`,
    /// skipping items in `excluding`. Eight scores at a time: one horizontal max against
    /// the threshold rejects a group that cannot enter.
    package mutating func offer(_ scores: UnsafePointer<Float>, count n: Int, firstItem first: Int, excluding: Set<Int>) {
        let raw = UnsafeRawPointer(scores)
        var j = 0
        while j + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            // A horizontal max, not `any(v .>= t)`: the mask comparison compiles to a
            // lane-by-lane loop through the stack (measured 5x slower in the batch kernel).
            if !(horizontalMax(v) < threshold) {  // NaN: look at each item
                for l in 0..<8 where v[l] >= threshold && !excluding.contains(first + j + l) {
                    push(v[l], Int32(first + j + l))
                }
            }
            j += 8
        }
        while j < n {
            if scores[j] >= threshold && !excluding.contains(first + j) { push(scores[j], Int32(first + j)) }
            j += 1
        }
    }
}

extension Array where Element == Int32 {
    /// Binary search in an ascending array.
    @inline(__always)
    func containsSorted(_ x: Int32) -> Bool {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if self[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && self[lo] == x
    }
}
