/// Adam's update of one run of weights, eight lanes at a time.
///
/// Why it lives here: `SIMD8.squareRoot()` is the standard library's lane-by-lane
/// `Float.squareRoot()`, which on Linux goes through glibc's `sqrtf` semantics
/// (errno on negative input). Compiled that way the update ran eight scalar
/// `vsqrtss`, each guarded by a branch to `sqrtf`, with the vector spilled to the
/// stack around them (perf annotate); it was 12.7% of a Paddle training step. This
/// target is built with `-Xcc -fno-math-errno` (Package.swift), so the same code
/// becomes one `vsqrtps`. Every element sees the operations of the scalar rule in
/// the same order (no fused multiply-add; square root and division are exact
/// roundings), so the weights are bit for bit those of the scalar loop.
public enum AdamKernel {
    public typealias V = SIMD8<Float>

    /// For j in 0..<n, with grad = g[j] + l2·w[j]:
    ///   m[j] = b1·m[j] + (1-b1)·grad;  v[j] = b2·v[j] + (1-b2)·grad²;
    ///   w[j] -= lr·m[j] / (√v[j] + eps)
    /// `lr` is the bias-corrected step size. The four runs must not overlap.
    public static func update(w: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                              g: UnsafePointer<Float>, n: Int,
                              lr: Float, b1: Float, b2: Float, eps: Float, l2: Float) {
        @inline(__always) func rule(_ j: Int) -> (w: V, m: V, v: V) {
            let grad = load(g + j) + l2 * load(w + j)
            let mv = b1 * load(m + j) + (1 - b1) * grad
            let vv = b2 * load(v + j) + (1 - b2) * grad * grad
            return (load(w + j) - lr * mv / (vv.squareRoot() + eps), mv, vv)
        }
        // A run of 8 or more whose length is not a multiple of 8 ends with the vector
        // of its last 8 elements, computed first, from the values before any store,
        // and stored last; where it overlaps the vectors before it, both computed the
        // same numbers from the same inputs. (Element by element, the 7-element tail of
        // each 31-wide row of the Paddle recipe's output table cost ~600 cycles a row,
        // more than the rest of the row.)
        let last = n >= 8 && n % 8 != 0 ? rule(n &- 8) : nil
        var j = 0
        while j &+ 8 <= n {
            let r = rule(j)
            store(r.w, w + j); store(r.m, m + j); store(r.v, v + j)
            j &+= 8
        }
        if let last {
            let t = n &- 8
            store(last.w, w + t); store(last.m, m + t); store(last.v, v + t)
            return
        }
        while j < n {
            let grad = g[j] + l2 * w[j]
            m[j] = b1 * m[j] + (1 - b1) * grad
            v[j] = b2 * v[j] + (1 - b2) * grad * grad
            w[j] -= lr * m[j] / (v[j].squareRoot() + eps)
            j &+= 1
        }
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    @inline(__always) static func store(_ x: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: x, as: V.self)
    }
}
