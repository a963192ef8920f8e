/// Vectorised exp, sigmoid and tanh over float buffers, for the LSTM gates.
///
/// glibc's expf is a scalar call per element; the gates of the Paddle recipe's LSTM
/// take 5 exponentials per hidden unit per step, and those calls were 8.9% of a
/// training step in the profile of issue #14. Here exp runs eight lanes at a time
/// with the Cephes expf range reduction and polynomial: x = n·ln2 + r with
/// |r| <= ln2/2, e^r = 1 + r + r²·P(r), 2^n put straight into the exponent bits.
///
/// Accuracy (TensorActivationTests, against Foundation's expf/tanhf every 1/1024
/// over [-100, 100]): exp within 1 ulp on [-87.3, 88.0] (the test allows 4),
/// sigmoid within 6e-8 and tanh within 1.8e-7 absolute everywhere (it allows 3e-7). exp saturates outside that range (1.2e-38 below, 1.7e38
/// above), so sigmoid and tanh reach their limits; NaN stays NaN.
/// Not bit-identical to expf, so a model trained with these differs in the last bits
/// from one trained with the scalar functions.
public enum Activations {
    public typealias V = SIMD8<Float>

    /// e^x lane by lane (see the type's comment for range and accuracy).
    @inline(__always)
    public static func exp(_ x: V) -> V {
        let nanMask = x .!= x
        // Clamped so that n stays in [-126, 127] and 2^n is a normal float.
        let hi = V(repeating: 88.0296860), lo = V(repeating: -87.3365448)
        var v = x.replacing(with: hi, where: x .> hi).replacing(with: lo, where: x .< lo)
        // n = round(v / ln2) by the 1.5·2^23 trick: the integer lands in the low mantissa bits.
        let magic = V(repeating: 12582912)
        let shifted = (v * 1.44269504088896341) + magic
        let n = shifted - magic
        // r = v - n·ln2 in two parts (Cody-Waite), so r keeps its low bits.
        v = v - n * 0.693359375
        v = v - n * -2.12194440e-4
        let r = v, r2 = r * r
        var p = V(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let er = p * r2 + r + 1
        // 2^n: n + 127 in the exponent field.
        let nBits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        let pow2 = unsafeBitCast((nBits &+ 127) &<< 23, to: V.self)
        return (er * pow2).replacing(with: x, where: nanMask)
    }

    /// 1 / (1 + e^-x).
    @inline(__always)
    public static func sigmoid(_ x: V) -> V { 1 / (1 + exp(-x)) }

    /// 1 - 2 / (e^2x + 1): exact limits ±1 at saturation, absolute error ~1e-7.
    @inline(__always)
    public static func tanh(_ x: V) -> V { 1 - 2 / (exp(x + x) + 1) }

    /// Applies sigmoid in place to `count` floats.
    public static func sigmoid(_ p: UnsafeMutablePointer<Float>, count: Int) {
        apply(Sigmoid.self, p, p, count)
    }

    /// Applies tanh in place to `count` floats.
    public static func tanh(_ p: UnsafeMutablePointer<Float>, count: Int) {
        apply(Tanh.self, p, p, count)
    }

    /// out[j] = tanh(x[j]) for `count` floats (out may equal x).
    public static func tanh(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        apply(Tanh.self, x, out, count)
    }

    /// e^x for `count` floats (out may equal x).
    public static func exp(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        apply(Exp.self, x, out, count)
    }

    // The function as a type, not a closure: the generic loop is specialised per type
    // and the lane function inlined (a closure stayed a call per eight lanes).
    protocol Lanewise { static func f(_ x: V) -> V }
    enum Exp: Lanewise { @inline(__always) static func f(_ x: V) -> V { exp(x) } }
    enum Sigmoid: Lanewise { @inline(__always) static func f(_ x: V) -> V { sigmoid(x) } }
    enum Tanh: Lanewise { @inline(__always) static func f(_ x: V) -> V { tanh(x) } }

    /// Eight lanes at a time; the tail goes through a zero-padded vector, so every
    /// element sees the same arithmetic whatever the count.
    @inline(__always)
    static func apply<F: Lanewise>(_: F.Type, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ count: Int) {
        let rx = UnsafeRawPointer(x), ro = UnsafeMutableRawPointer(out)
        var j = 0
        while j &+ 8 <= count {
            ro.storeBytes(of: F.f(rx.loadUnaligned(fromByteOffset: j &* 4, as: V.self)), toByteOffset: j &* 4, as: V.self)
            j &+= 8
        }
        if j < count {
            var tail = V()
            for k in 0..<(count &- j) { tail[k] = x[j &+ k] }
            let y = F.f(tail)
            for k in 0..<(count &- j) { out[j &+ k] = y[k] }
        }
    }
}
