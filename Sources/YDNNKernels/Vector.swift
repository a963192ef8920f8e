// Per-row vector helpers. They are called once per row or per candidate with
// short rows (d = 32...256), so a cross-module call would cost about as much as
// the work: they are @inlinable and get compiled into their callers (with the
// callers' flags). Their bodies index raw pointers only, which have no bounds
// checks in any optimised build.

/// Small vector helpers used by the layers.
package enum Vec {
    @inlinable @inline(__always)
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        // Four accumulators: shorter dependency chains and a little less rounding drift.
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var i = 0
        while i + 4 <= n {
            s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]
            s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]
            i += 4
        }
        while i < n { s0 += a[i] * b[i]; i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// y += alpha · x. Eight lanes at a time: the plain loop stayed scalar (x and y
    /// might alias) and was 13.8% of a per-sample softmax training step in perf. A
    /// multiply then an add per lane, as the scalar loop did, so the result is the same
    /// bit for bit.
    @inlinable @inline(__always)
    package static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = SIMD8<Float>(repeating: alpha)
        var i = 0
        while i &+ 8 <= n {
            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: yv + a * xv, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < n { y[i] += alpha * x[i]; i &+= 1 }
    }
}

/// Inner product of `n` floats; 2 SIMD8 FMA accumulators then a scalar tail.
/// (Retrieval's scorer; `Vec.dot` is the layers' and rounds differently.)
@inlinable @inline(__always)
package func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
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

/// Largest lane. Written out as a tree of scalar maxes because the standard
/// library's `SIMD8.max()` is not inlined here and cost a function call per
/// eight scores (half the time of exact search, measured with perf).
@inline(__always)
func horizontalMax(_ v: SIMD8<Float>) -> Float {
    let a = Swift.max(v[0], v[4]), b = Swift.max(v[1], v[5]), c = Swift.max(v[2], v[6]), d = Swift.max(v[3], v[7])
    return Swift.max(Swift.max(a, c), Swift.max(b, d))
}

/// Whether all `n` floats times `k` are finite (no NaN, no infinity). v·0 is 0 for
/// finite v and NaN otherwise, so a sum of (v·k)·0 is NaN exactly when some v·k is
/// not finite: no branch per element. Four SIMD8 sums: the scalar loop's one
/// running sum was a chain of dependent adds, 5% of a 2-worker Paddle training step.
package func allFinite(_ p: UnsafePointer<Float>, _ n: Int, times k: Float = 1) -> Bool {
    let r = UnsafeRawPointer(p)
    var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
    @inline(__always) func at(_ i: Int) -> SIMD8<Float> { r.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self) * k * 0 }
    var i = 0
    while i &+ 32 <= n {
        s0 += at(i); s1 += at(i &+ 8); s2 += at(i &+ 16); s3 += at(i &+ 24)
        i &+= 32
    }
    var s = ((s0 + s1) + (s2 + s3)).sum()
    while i < n { s += p[i] * k * 0; i &+= 1 }
    return s.isFinite
}
