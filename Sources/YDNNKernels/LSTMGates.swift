/// The LSTM's per-unit loops, eight units at a time. The compiler kept the plain
/// loops scalar (it cannot prove the gate, cell and gradient rows do not alias);
/// LSTMEncoder.backward's gate loop and its max pooling were 5.8% and 4.0% of a
/// Paddle training step in perf. Every lane does the scalar arithmetic in the same
/// order (no fused multiply-add), so results are bit for bit those of the scalar loops.
public enum LSTMGates {
    public typealias V = SIMD8<Float>

    /// Backward through one row's gates. `gates` holds the activated i, f, g, o (4h),
    /// `tanhCell` tanh(c_t), `dh` dL/dh_t, `dc` dL/dc_t from the step after; writes
    /// dL/dz (4h) into `dz`, and adds dL/dc_{t-1} into `dcPrev` when there is a
    /// previous step (`cPrev` then holds c_{t-1}; without one, c_{t-1} = 0).
    public static func backward(gates: UnsafePointer<Float>, tanhCell: UnsafePointer<Float>,
                                dh: UnsafePointer<Float>, dc: UnsafePointer<Float>,
                                cPrev: UnsafePointer<Float>?, dcPrev: UnsafeMutablePointer<Float>?,
                                dz: UnsafeMutablePointer<Float>, h: Int) {
        @inline(__always) func load(_ p: UnsafePointer<Float>, _ j: Int) -> V {
            UnsafeRawPointer(p + j).loadUnaligned(as: V.self)
        }
        @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ j: Int) {
            UnsafeMutableRawPointer(p + j).storeBytes(of: v, as: V.self)
        }
        let ai = gates, af = gates + h, ag = gates + 2 * h, ao = gates + 3 * h
        let di = dz, df = dz + h, dg = dz + 2 * h, dO = dz + 3 * h
        var j = 0
        while j &+ 8 <= h {
            let i = load(ai, j), f = load(af, j), g = load(ag, j), o = load(ao, j)
            let tc = load(tanhCell, j), dhv = load(dh, j)
            let dcv = load(dc, j) + dhv * o * (1 - tc * tc)
            let cp = cPrev.map { load($0, j) } ?? V()
            store(dcv * g * i * (1 - i), di, j)
            store(dcv * cp * f * (1 - f), df, j)
            store(dcv * i * (1 - g * g), dg, j)
            store(dhv * tc * o * (1 - o), dO, j)
            if let dcPrev { store(load(dcPrev, j) + dcv * f, dcPrev, j) }
            j &+= 8
        }
        while j < h {
            let i = ai[j], f = af[j], g = ag[j], o = ao[j]
            let tc = tanhCell[j], dhv = dh[j]
            let dcv = dc[j] + dhv * o * (1 - tc * tc)
            let cp: Float = cPrev?[j] ?? 0
            di[j] = dcv * g * i * (1 - i)
            df[j] = dcv * cp * f * (1 - f)
            dg[j] = dcv * i * (1 - g * g)
            dO[j] = dhv * tc * o * (1 - o)
            if let dcPrev { dcPrev[j] += dcv * f }
            j &+= 1
        }
    }

    /// Max pooling over time, one step of one row: where `hidden` beats `out` (or
    /// `first`, the row's first step), out takes it and `arg` records `row`.
    public static func maxPool(hidden: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                               arg: UnsafeMutablePointer<Int32>, row: Int32, first: Bool, h: Int) {
        if first {
            out.update(from: hidden, count: h)
            arg.update(repeating: row, count: h)
            return
        }
        var j = 0
        let rowV = SIMD8<Int32>(repeating: row)
        while j &+ 8 <= h {
            let hv = UnsafeRawPointer(hidden + j).loadUnaligned(as: V.self)
            let ov = UnsafeRawPointer(out + j).loadUnaligned(as: V.self)
            let av = UnsafeRawPointer(arg + j).loadUnaligned(as: SIMD8<Int32>.self)
            let beats = hv .> ov
            UnsafeMutableRawPointer(out + j).storeBytes(of: ov.replacing(with: hv, where: beats), as: V.self)
            // A Float mask is a SIMDMask<SIMD8<Int32>>, so it selects Int32 lanes as well.
            UnsafeMutableRawPointer(arg + j).storeBytes(of: av.replacing(with: rowV, where: beats), as: SIMD8<Int32>.self)
            j &+= 8
        }
        while j < h {
            if hidden[j] > out[j] { out[j] = hidden[j]; arg[j] = row }
            j &+= 1
        }
    }
}
