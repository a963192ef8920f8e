import Foundation

/// Embedding lookup followed by an LSTM over each sample's sequence (oldest first),
/// pooled over time by max (Paddle's youtube_recall) or by taking the last state.
///
/// Sequences have different lengths. Samples are sorted by length, longest first, and
/// the steps are packed time-major: at step t the samples still running are the first
/// n_t of that order, so the recurrent product of each step is one GEMM over a
/// contiguous block (the PackedSequence layout). The input projection of all tokens
/// is a single GEMM.
///
/// Gates are ordered i, f, g, o in the 4H columns of Wx (E×4H), Wh (H×4H) and b.
public final class LSTMEncoder: FeatureEncoder {
    public let spec: EncoderSpec
    public let table: Parameter, wx: Parameter, wh: Parameter, bias: Parameter
    public let dTable: Gradient, dWx: Gradient, dWh: Gradient, dBias: Gradient
    public var flops: Double = 0
    public var outputDimension: Int { spec.outputDimension }
    public var gradients: [Gradient] { [dTable, dWx, dWh, dBias] }

    private let e: Int, h: Int
    private var ids = RaggedIDs()
    private var rows = 0
    private var order: [Int] = []        // sorted position -> sample
    private var stepStart: [Int] = []    // packed row where step t starts (count T+1)
    private var tokenOf: [Int32] = []    // packed row -> item id
    private var x: [Float] = []          // packed embeddings, N×E
    private var gates: [Float] = []      // activated gates, N×4H
    private var cell: [Float] = []       // N×H
    private var tanhCell: [Float] = []   // N×H
    private var hs: [Float] = []         // N×H
    private var argmax: [Int32] = []     // rows×H packed row of the max, or -1
    private var lastRow: [Int32] = []    // rows: packed row of the last step, or -1

    public init(spec: EncoderSpec, table: Parameter, wx: Parameter, wh: Parameter, bias: Parameter) {
        e = spec.dim; h = spec.hidden
        precondition(table.cols == e && wx.rows == e && wx.cols == 4 * h && wh.rows == h && wh.cols == 4 * h && bias.count == 4 * h)
        self.spec = spec; self.table = table; self.wx = wx; self.wh = wh; self.bias = bias
        dTable = Gradient(table); dWx = Gradient(wx); dWh = Gradient(wh); dBias = Gradient(bias)
    }

    /// Glorot weights and a forget-gate bias of 1, so early training remembers.
    public static func initialize(wx: Parameter, wh: Parameter, bias: Parameter, _ rng: inout RNG) {
        let h = wh.rows
        wx.initUniform((6 / Float(wx.rows + h)).squareRoot(), &rng)
        wh.initUniform((6 / Float(2 * h)).squareRoot(), &rng)
        for j in 0..<4 * h { bias.value[j] = (j >= h && j < 2 * h) ? 1 : 0 }
    }

    public func forward(_ ids: RaggedIDs) -> [Float] {
        self.ids = ids
        rows = ids.count
        let lengths = (0..<rows).map { Int(ids.offsets[$0 + 1] - ids.offsets[$0]) }
        order = (0..<rows).sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        let steps = lengths.max() ?? 0
        // Built in locals: appending to a class's stored arrays pays exclusivity checks per element.
        var starts = [0], tokens: [Int32] = []
        tokens.reserveCapacity(ids.ids.count)
        for t in 0..<steps {
            for s in order where lengths[s] > t { tokens.append(ids.ids[Int(ids.offsets[s]) + t]) }
            starts.append(tokens.count)
        }
        stepStart = starts; tokenOf = tokens
        precondition(tokens.allSatisfy { $0 >= 0 && Int($0) < table.rows }, "lstm \(spec.feature): id out of range")
        let n = tokenOf.count, g4 = 4 * h
        x = .zeros(n * e)
        table.value.withUnsafeBufferPointer { tp in
            x.withUnsafeMutableBufferPointer { xp in
                for (r, id) in tokenOf.enumerated() {
                    (xp.baseAddress! + r * e).update(from: tp.baseAddress! + Int(id) * e, count: e)
                }
            }
        }
        gates = .zeros(n * g4); cell = .zeros(n * h); tanhCell = .zeros(n * h); hs = .zeros(n * h)
        bias.value.withUnsafeBufferPointer { bp in
            gates.withUnsafeMutableBufferPointer { zp in
                for r in 0..<n { (zp.baseAddress! + r * g4).update(from: bp.baseAddress!, count: g4) }
            }
        }
        x.withUnsafeBufferPointer { xp in
            wx.value.withUnsafeBufferPointer { wp in
                gates.withUnsafeMutableBufferPointer { zp in
                    BLAS.gemm(m: n, n: g4, k: e, xp.baseAddress!, wp.baseAddress!, beta: 1, zp.baseAddress!)
                }
            }
        }
        flops += 2 * Double(n * e * g4)
        wh.value.withUnsafeBufferPointer { whp in
            gates.withUnsafeMutableBufferPointer { zp in
                cell.withUnsafeMutableBufferPointer { cp in
                    tanhCell.withUnsafeMutableBufferPointer { tcp in
                        hs.withUnsafeMutableBufferPointer { hp in
                            for t in 0..<steps {
                                let start = stepStart[t], active = stepStart[t + 1] - start
                                let z = zp.baseAddress! + start * g4
                                if t > 0 {
                                    let prev = stepStart[t - 1]
                                    BLAS.gemm(m: active, n: g4, k: h, hp.baseAddress! + prev * h, whp.baseAddress!,
                                              beta: 1, z)
                                    flops += 2 * Double(active * h * g4)
                                }
                                let prevStart = t > 0 ? stepStart[t - 1] : 0
                                for k in 0..<active {
                                    // Row pointers hoisted: the gate loop indexes them with j only.
                                    let zi = z + k * g4, row = start + k
                                    let zf = zi + h, zg = zi + 2 * h, zo = zi + 3 * h
                                    let c = cp.baseAddress! + row * h
                                    let tcr = tcp.baseAddress! + row * h, hr = hp.baseAddress! + row * h
                                    // Gates activated in place, eight lanes at a time (i and f are adjacent).
                                    Activations.sigmoid(zi, count: 2 * h)
                                    Activations.tanh(zg, count: h)
                                    Activations.sigmoid(zo, count: h)
                                    if t > 0 {
                                        let cPrev = cp.baseAddress! + (prevStart + k) * h
                                        for j in 0..<h { c[j] = zf[j] * cPrev[j] + zi[j] * zg[j] }
                                    } else {
                                        for j in 0..<h { c[j] = zi[j] * zg[j] }
                                    }
                                    Activations.tanh(c, into: tcr, count: h)
                                    for j in 0..<h { hr[j] = zo[j] * tcr[j] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return pool(steps: steps)
    }

    private func pool(steps: Int) -> [Float] {
        let od = outputDimension, h = h, e = e, isMax = spec.pool == .max
        var out = [Float].zeros(rows * od)
        // Local arrays, stored at the end: per-element access to a class's stored
        // arrays pays exclusivity and uniqueness checks.
        var arg = [Int32](repeating: -1, count: isMax ? rows * h : 0)
        var last = [Int32](repeating: -1, count: rows)
        hs.withUnsafeBufferPointer { hp in
            out.withUnsafeMutableBufferPointer { op in
                arg.withUnsafeMutableBufferPointer { ap in
                    for t in 0..<steps {
                        let start = stepStart[t]
                        for k in 0..<(stepStart[t + 1] - start) {
                            let s = order[k], row = start + k
                            last[s] = Int32(row)
                            guard isMax else { continue }
                            // Every sample runs from step 0, so step 0 is each row's first.
                            LSTMGates.maxPool(hidden: hp.baseAddress! + row * h, out: op.baseAddress! + s * od,
                                              arg: ap.baseAddress! + s * h, row: Int32(row), first: t == 0, h: h)
                        }
                    }
                    for s in 0..<rows where last[s] >= 0 {
                        let row = Int(last[s])
                        if spec.pool == .last { for j in 0..<h { op[s * od + j] = hp[row * h + j] } }
                        if spec.lastSlot {
                            let id = Int(tokenOf[row])
                            table.value.withUnsafeBufferPointer { tp in
                                for j in 0..<e { op[s * od + h + j] = tp[id * e + j] }
                            }
                        }
                    }
                }
            }
        }
        argmax = arg
        lastRow = last
        return out
    }

    public func backward(_ dOutput: [Float]) {
        let od = outputDimension, n = tokenOf.count, g4 = 4 * h
        precondition(dOutput.count == rows * od)
        var dh = [Float].zeros(n * h)
        let lastRow = lastRow, argmax = argmax, tokenOf = tokenOf, isLast = spec.pool == .last
        for s in 0..<rows where lastRow[s] >= 0 {
            let row = Int(lastRow[s])
            if isLast { for j in 0..<h { dh[row * h + j] += dOutput[s * od + j] } }
            else { for j in 0..<h { let r = Int(argmax[s * h + j]); dh[r * h + j] += dOutput[s * od + j] } }
            if spec.lastSlot {
                dOutput.withUnsafeBufferPointer { gp in dTable.addRow(Int(tokenOf[row]), gp.baseAddress! + s * od + h) }
            }
        }
        // Local copies (just references) of the stored activations: reading a class's
        // stored array element by element pays exclusivity checks; a local does not.
        let tcp = tanhCell, cellp = cell
        precondition(tcp.count == n * h && cellp.count == n * h && gates.count == n * g4)
        var dc = [Float].zeros(n * h)
        var dz = [Float].zeros(n * g4)
        let steps = stepStart.count - 1
        dh.withUnsafeMutableBufferPointer { dhp in
            dc.withUnsafeMutableBufferPointer { dcp in
                dz.withUnsafeMutableBufferPointer { dzp in
                    gates.withUnsafeBufferPointer { ap in
                      tcp.withUnsafeBufferPointer { tcbp in
                        cellp.withUnsafeBufferPointer { cbp in
                        wh.value.withUnsafeBufferPointer { whp in
                            dWh.dense.withUnsafeMutableBufferPointer { dwhp in
                                for t in stride(from: steps - 1, through: 0, by: -1) {
                                    let start = stepStart[t], active = stepStart[t + 1] - start
                                    let prev = t > 0 ? stepStart[t - 1] : -1
                                    for k in 0..<active {
                                        let row = start + k
                                        LSTMGates.backward(
                                            gates: ap.baseAddress! + row * g4, tanhCell: tcbp.baseAddress! + row * h,
                                            dh: dhp.baseAddress! + row * h, dc: dcp.baseAddress! + row * h,
                                            cPrev: prev >= 0 ? cbp.baseAddress! + (prev + k) * h : nil,
                                            dcPrev: prev >= 0 ? dcp.baseAddress! + (prev + k) * h : nil,
                                            dz: dzp.baseAddress! + row * g4, h: h)
                                    }
                                    if prev >= 0 {
                                        let dzt = UnsafePointer(dzp.baseAddress! + start * g4)
                                        // dh_{t-1} += dz_t · Whᵀ ; dWh += h_{t-1}ᵀ · dz_t
                                        BLAS.gemm(transB: true, m: active, n: h, k: g4, dzt, whp.baseAddress!,
                                                  beta: 1, dhp.baseAddress! + prev * h)
                                        hs.withUnsafeBufferPointer { hp in
                                            BLAS.gemm(transA: true, m: h, n: g4, k: active, hp.baseAddress! + prev * h, lda: h,
                                                      dzt, beta: 1, dwhp.baseAddress!)
                                        }
                                        flops += 4 * Double(active * h * g4)
                                    }
                                }
                            }
                        }
                        }
                      }
                    }
                }
            }
        }
        // Input side: db += Σ dz, dWx += Xᵀ dz, dX = dz · Wxᵀ scattered into the table.
        let dx = Dense.affineBackward(x: x, dy: dz, rows: n, inputs: e, outputs: g4, weight: wx, dWeight: dWx, dBias: dBias)
        flops += 4 * Double(n * e * g4)
        dx.withUnsafeBufferPointer { dxp in
            dTable.accumulateRows { acc in
                for (r, id) in tokenOf.enumerated() { acc.add(row: Int(id), dxp.baseAddress! + r * e) }
            }
        }
    }
}
