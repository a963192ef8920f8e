/// Fully connected layer, y = act(x·W + b), with W stored inputs × outputs so both
/// the forward and the backward products are plain row-major GEMMs.
/// One instance per training worker; the parameters are shared.
public final class Dense {
    public let inputs: Int
    public let outputs: Int
    public let relu: Bool
    public let weight: Parameter
    public let bias: Parameter
    public let dWeight: Gradient
    public let dBias: Gradient
    /// Multiply-adds done so far, ×2 (for GFLOP/s reports).
    public var flops: Double = 0

    private var x: [Float] = []
    private var y: [Float] = []
    private var rows = 0

    public init(weight: Parameter, bias: Parameter, relu: Bool) {
        precondition(bias.count == weight.cols)
        self.weight = weight; self.bias = bias; self.relu = relu
        inputs = weight.rows; outputs = weight.cols
        dWeight = Gradient(weight); dBias = Gradient(bias)
    }

    /// Glorot-uniform weights (He-style for ReLU), zero bias.
    public static func initialize(weight: Parameter, bias: Parameter, relu: Bool, _ rng: inout RNG) {
        let fan = Float(weight.rows + weight.cols)
        weight.initUniform((Float(relu ? 12 : 6) / fan).squareRoot(), &rng)
        for i in 0..<bias.count { bias.value[i] = 0 }
    }

    public func forward(_ input: [Float], rows: Int) -> [Float] {
        precondition(input.count == rows * inputs, "dense: input is \(input.count) floats, expected \(rows)×\(inputs)")
        self.rows = rows
        x = input
        // Built in a local array: loops over a class's stored array pay for
        // exclusivity and uniqueness checks on every element.
        var out = [Float].zeros(rows * outputs)
        let n = outputs, relu = relu
        bias.value.withUnsafeBufferPointer { b in
            weight.value.withUnsafeBufferPointer { wp in
                input.withUnsafeBufferPointer { xp in
                    out.withUnsafeMutableBufferPointer { yp in
                        for r in 0..<rows { (yp.baseAddress! + r * n).update(from: b.baseAddress!, count: n) }
                        BLAS.gemm(m: rows, n: n, k: inputs, xp.baseAddress!, wp.baseAddress!, beta: 1, yp.baseAddress!)
                        if relu { for i in 0..<yp.count { yp[i] = max(yp[i], 0) } }
                    }
                }
            }
        }
        y = out
        flops += 2 * Double(rows * inputs * n)
        return out
    }

    /// Accumulates dW, db and returns dx.
    public func backward(_ dOutput: [Float]) -> [Float] {
        precondition(dOutput.count == rows * outputs)
        var dy = dOutput
        if relu {
            y.withUnsafeBufferPointer { yp in
                dy.withUnsafeMutableBufferPointer { d in for i in 0..<d.count where yp[i] <= 0 { d[i] = 0 } }
            }
        }
        flops += 4 * Double(rows * inputs * outputs)
        return Dense.affineBackward(x: x, dy: dy, rows: rows, inputs: inputs, outputs: outputs,
                                    weight: weight, dWeight: dWeight, dBias: dBias)
    }

    /// The backward of y = x·W + b for a batch: db += Σ dy, dW += xᵀ·dy; returns
    /// dx = dy·Wᵀ. Shared by dense layers and the LSTM's input projection.
    static func affineBackward(x: [Float], dy: [Float], rows: Int, inputs: Int, outputs n: Int,
                               weight: Parameter, dWeight: Gradient, dBias: Gradient) -> [Float] {
        var dx = [Float].zeros(rows * inputs)
        dy.withUnsafeBufferPointer { dyp in
            dBias.dense.withUnsafeMutableBufferPointer { db in
                precondition(db.count == n && dyp.count == rows * n)
                let dbb = db.baseAddress!
                for r in 0..<rows {
                    let g = dyp.baseAddress! + r * n
                    for j in 0..<n { dbb[j] += g[j] }
                }
            }
            x.withUnsafeBufferPointer { xp in
                dWeight.dense.withUnsafeMutableBufferPointer { dw in
                    BLAS.gemm(transA: true, m: inputs, n: n, k: rows, xp.baseAddress!, dyp.baseAddress!, beta: 1, dw.baseAddress!)
                }
            }
            weight.value.withUnsafeBufferPointer { wp in
                dx.withUnsafeMutableBufferPointer { dxp in
                    BLAS.gemm(transB: true, m: rows, n: inputs, k: n, dyp.baseAddress!, wp.baseAddress!, dxp.baseAddress!)
                }
            }
        }
        return dx
    }
}
