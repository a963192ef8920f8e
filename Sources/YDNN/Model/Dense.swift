/// Fully connected layer, y = act(x·W + b), with W stored inputs × outputs so both
/// the forward and the backward products are plain row-major GEMMs; with `norm`,
/// y = act(BN(x·W + b)) (torch-rechub's Linear → BatchNorm1d → ReLU).
/// One instance per training worker; the parameters are shared.
///
/// Without a norm, `forward` and `backward` are the training step's. With one,
/// `forward` is inference (running statistics) and training goes through
/// `forwardAffine` → (the batch's moments) → `forwardNormalized`, and back through
/// `backwardToNorm` → (the batch's sums) → `backwardFromNorm` (see `BatchNorm`).
public final class Dense {
    public let inputs: Int
    public let outputs: Int
    public let relu: Bool
    public let weight: Parameter
    public let bias: Parameter
    public let dWeight: Gradient
    public let dBias: Gradient
    public let norm: BatchNorm?
    /// Multiply-adds done so far, ×2 (for GFLOP/s reports).
    public var flops: Double = 0

    private var x: [Float] = []
    private var y: [Float] = []
    /// x·W + b of the last `forwardAffine` (layers with a norm).
    private var z: [Float] = []
    private var rows = 0

    public init(weight: Parameter, bias: Parameter, relu: Bool, norm: BatchNorm? = nil) {
        precondition(bias.count == weight.cols && (norm?.units ?? weight.cols) == weight.cols)
        self.weight = weight; self.bias = bias; self.relu = relu; self.norm = norm
        inputs = weight.rows; outputs = weight.cols
        dWeight = Gradient(weight); dBias = Gradient(bias)
    }

    /// The gradients of the layer's trained tensors: W, b, then the norm's γ, β.
    public var gradients: [Gradient] { [dWeight, dBias] + (norm.map { [$0.dGamma, $0.dBeta] } ?? []) }

    /// Glorot-uniform weights (He-style for ReLU), zero bias.
    public static func initialize(weight: Parameter, bias: Parameter, relu: Bool, _ rng: inout RNG) {
        let fan = Float(weight.rows + weight.cols)
        weight.initUniform((Float(relu ? 12 : 6) / fan).squareRoot(), &rng)
        for i in 0..<bias.count { bias.value[i] = 0 }
    }

    /// y = act(x·W + b), or act(BN(x·W + b)) with the norm's running statistics.
    public func forward(_ input: [Float], rows: Int) -> [Float] {
        guard let norm else { return activate(affine(input, rows: rows, activation: relu)) }
        return activate(norm.inference(affine(input, rows: rows, activation: false), rows: rows))
    }

    /// x·W + b (then ReLU when `activation`), keeping x for the backward pass.
    private func affine(_ input: [Float], rows: Int, activation: Bool) -> [Float] {
        precondition(input.count == rows * inputs, "dense: input is \(input.count) floats, expected \(rows)×\(inputs)")
        self.rows = rows
        x = input
        // Built in a local array: loops over a class's stored array pay for
        // exclusivity and uniqueness checks on every element.
        var out = [Float].zeros(rows * outputs)
        let n = outputs
        bias.value.withUnsafeBufferPointer { b in
            weight.value.withUnsafeBufferPointer { wp in
                input.withUnsafeBufferPointer { xp in
                    out.withUnsafeMutableBufferPointer { yp in
                        for r in 0..<rows { (yp.baseAddress! + r * n).update(from: b.baseAddress!, count: n) }
                        BLAS.gemm(m: rows, n: n, k: inputs, xp.baseAddress!, wp.baseAddress!, beta: 1, yp.baseAddress!)
                        if activation { for i in 0..<yp.count { yp[i] = max(yp[i], 0) } }
                    }
                }
            }
        }
        flops += 2 * Double(rows * inputs * n)
        return out
    }

    /// Keeps y for the backward pass; applies the ReLU first when a norm came between.
    private func activate(_ out: [Float]) -> [Float] {
        var out = out
        if norm != nil && relu { out.withUnsafeMutableBufferPointer { yp in for i in 0..<yp.count { yp[i] = max(yp[i], 0) } } }
        y = out
        return out
    }

    /// Training with a norm, first half: z = x·W + b; returns this shard's moments of z.
    public func forwardAffine(_ input: [Float], rows: Int) -> [Double] {
        z = affine(input, rows: rows, activation: false)
        return norm!.moments(z, rows: rows)
    }

    /// Training with a norm, second half: act(BN(z)) with the whole batch's moments.
    public func forwardNormalized(totals: [Double]) -> [Float] {
        activate(norm!.forward(z, rows: rows, totals: totals))
    }

    /// Accumulates dW, db and returns dx (layers without a norm).
    public func backward(_ dOutput: [Float]) -> [Float] {
        precondition(norm == nil, "dense: a layer with a norm trains through backwardToNorm/backwardFromNorm")
        return affineBackward(maskedByActivation(dOutput))
    }

    /// Training with a norm, first half of the backward pass: dγ, dβ, and this
    /// shard's sums for dz (`BatchNorm.backwardSums`).
    public func backwardToNorm(_ dOutput: [Float]) -> [Double] {
        norm!.backwardSums(maskedByActivation(dOutput))
    }

    /// Training with a norm, second half: dz from the whole batch's sums, then dW, db; returns dx.
    public func backwardFromNorm(totals: [Double]) -> [Float] {
        affineBackward(norm!.backward(totals: totals))
    }

    private func maskedByActivation(_ dOutput: [Float]) -> [Float] {
        precondition(dOutput.count == rows * outputs)
        var dy = dOutput
        if relu {
            y.withUnsafeBufferPointer { yp in
                dy.withUnsafeMutableBufferPointer { d in for i in 0..<d.count where yp[i] <= 0 { d[i] = 0 } }
            }
        }
        return dy
    }

    private func affineBackward(_ dy: [Float]) -> [Float] {
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
