import Foundation

/// Batch normalisation of a dense layer's pre-activations z (rows × n), as
/// PyTorch's BatchNorm1d and torch-rechub's MLP use it (`dense 128 relu norm=batch`:
/// Linear → BatchNorm1d → ReLU):
///
///     training:   y = γ·(z − μ_B)/√(σ²_B + ε) + β    μ_B, σ²_B over the whole batch (σ² biased)
///     inference:  y = γ·(z − μ_R)/√(σ²_R + ε) + β    running statistics
///     after each training batch:  μ_R ← (1 − m)·μ_R + m·μ_B,  σ²_R ← (1 − m)·σ²_R + m·σ²_B·N/(N − 1)
///
/// with PyTorch's ε = 1e-5, momentum m = 0.1, γ = 1 and β = 0 at first, μ_R = 0,
/// σ²_R = 1. γ and β are trained; μ_R and σ²_R are state: saved with the model,
/// never given to the optimizer (`ParameterLayout.Tensor.trainable`).
///
/// The batch statistics are the whole batch's, not one training worker's shard:
/// each worker returns its shard's sums (`moments`, `backwardSums`), the caller
/// adds them in worker order (`Network.trainStep`) and hands every worker the
/// totals, so the result does not depend on how the batch was cut beyond float
/// rounding, and the same seed and threads give the same bits. Both sums are
/// Double: E[z²] − E[z]² loses nothing that matters at these magnitudes.
///
/// A batch of one sample normalises every unit to β (its variance is 0) and leaves
/// the running variance as it was (N − 1 = 0; PyTorch refuses such a batch).
public final class BatchNorm {
    public static let epsilon: Float = 1e-5
    public static let momentum: Float = 0.1

    public let gamma: Parameter
    public let beta: Parameter
    public let runningMean: Parameter
    public let runningVariance: Parameter
    public let dGamma: Gradient
    public let dBeta: Gradient
    public let units: Int

    private var rows = 0
    private var xhat: [Float] = []
    private var dxhat: [Float] = []
    private var invStd: [Float] = []

    public init(gamma: Parameter, beta: Parameter, runningMean: Parameter, runningVariance: Parameter) {
        units = gamma.count
        precondition(beta.count == units && runningMean.count == units && runningVariance.count == units)
        self.gamma = gamma; self.beta = beta; self.runningMean = runningMean; self.runningVariance = runningVariance
        dGamma = Gradient(gamma); dBeta = Gradient(beta)
    }

    /// Length of the sums `moments` and `backwardSums` return: two per unit and the row count.
    public var sumCount: Int { 2 * units + 1 }

    /// This shard's [Σz_j (units), Σz_j² (units), rows].
    public func moments(_ z: [Float], rows: Int) -> [Double] {
        precondition(z.count == rows * units)
        let n = units
        var s = [Double](repeating: 0, count: 2 * n + 1)
        z.withUnsafeBufferPointer { zp in
            s.withUnsafeMutableBufferPointer { sp in
                for r in 0..<rows {
                    let row = zp.baseAddress! + r * n
                    for j in 0..<n { let v = Double(row[j]); sp[j] += v; sp[n + j] += v * v }
                }
            }
        }
        s[2 * n] = Double(rows)
        return s
    }

    /// Batch mean and biased variance from the totals of `moments`.
    private func statistics(_ totals: [Double]) -> (mean: [Double], variance: [Double], count: Double) {
        precondition(totals.count == sumCount && totals[2 * units] >= 1)
        let n = units, count = totals[2 * n]
        let mean = (0..<n).map { totals[$0] / count }
        let variance = (0..<n).map { max(totals[n + $0] / count - mean[$0] * mean[$0], 0) }
        return (mean, variance, count)
    }

    /// Training: normalises this shard's z with the whole batch's statistics (`totals`
    /// of every shard's `moments`) and keeps what the backward pass needs.
    public func forward(_ z: [Float], rows: Int, totals: [Double]) -> [Float] {
        precondition(z.count == rows * units)
        let (mean, variance, _) = statistics(totals)
        let n = units
        self.rows = rows
        let inv = variance.map { Float(1 / ($0 + Double(BatchNorm.epsilon)).squareRoot()) }
        invStd = inv
        let mu = mean.map { Float($0) }
        var xh = [Float].zeros(rows * n), y = [Float].zeros(rows * n)
        z.withUnsafeBufferPointer { zp in
            xh.withUnsafeMutableBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    gamma.value.withUnsafeBufferPointer { g in
                        beta.value.withUnsafeBufferPointer { b in
                            for r in 0..<rows {
                                let o = r * n
                                for j in 0..<n {
                                    let v = (zp[o + j] - mu[j]) * inv[j]
                                    xp[o + j] = v
                                    yp[o + j] = g[j] * v + b[j]
                                }
                            }
                        }
                    }
                }
            }
        }
        xhat = xh
        return y
    }

    /// Inference: normalises with the running statistics (nothing is kept).
    public func inference(_ z: [Float], rows: Int) -> [Float] {
        precondition(z.count == rows * units)
        let n = units
        var y = z
        let scale = (0..<n).map { gamma.value[$0] / (runningVariance.value[$0] + BatchNorm.epsilon).squareRoot() }
        let mean = runningMean.value, b = beta.value
        y.withUnsafeMutableBufferPointer { yp in
            for r in 0..<rows {
                let o = r * n
                for j in 0..<n { yp[o + j] = (yp[o + j] - mean[j]) * scale[j] + b[j] }
            }
        }
        return y
    }

    /// After a training batch, once: moves the running statistics towards the
    /// batch's (`totals` of every shard's `moments`), with the unbiased variance.
    public func updateRunningStatistics(_ totals: [Double]) {
        let (mean, variance, count) = statistics(totals)
        let m = BatchNorm.momentum
        for j in 0..<units {
            runningMean.value[j] = (1 - m) * runningMean.value[j] + m * Float(mean[j])
            if count > 1 {
                runningVariance.value[j] = (1 - m) * runningVariance.value[j] + m * Float(variance[j] * count / (count - 1))
            }
        }
    }

    /// Training backward, first half: accumulates dγ = Σ dy·x̂ and dβ = Σ dy over this
    /// shard and returns its [Σ dx̂_j, Σ dx̂_j·x̂_j, rows] (dx̂ = dy·γ), which the
    /// gradient of z needs summed over the whole batch.
    public func backwardSums(_ dy: [Float]) -> [Double] {
        let n = units, rows = rows
        precondition(dy.count == rows * n && xhat.count == rows * n)
        var s = [Double](repeating: 0, count: 2 * n + 1)
        var dxh = [Float].zeros(rows * n)
        dy.withUnsafeBufferPointer { dp in
            xhat.withUnsafeBufferPointer { xp in
                dxh.withUnsafeMutableBufferPointer { hp in
                    dGamma.dense.withUnsafeMutableBufferPointer { dg in
                        dBeta.dense.withUnsafeMutableBufferPointer { db in
                            gamma.value.withUnsafeBufferPointer { g in
                                s.withUnsafeMutableBufferPointer { sp in
                                    for r in 0..<rows {
                                        let o = r * n
                                        for j in 0..<n {
                                            let d = dp[o + j], x = xp[o + j]
                                            dg[j] += d * x
                                            db[j] += d
                                            let h = d * g[j]
                                            hp[o + j] = h
                                            sp[j] += Double(h)
                                            sp[n + j] += Double(h * x)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        dxhat = dxh
        s[2 * n] = Double(rows)
        return s
    }

    /// Training backward, second half: dz = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) / √(σ²_B + ε),
    /// the means over the whole batch (`totals` of every shard's `backwardSums`).
    public func backward(totals: [Double]) -> [Float] {
        let n = units, rows = rows
        precondition(totals.count == sumCount && totals[2 * n] >= 1 && dxhat.count == rows * n)
        let count = totals[2 * n]
        let m1 = (0..<n).map { Float(totals[$0] / count) }, m2 = (0..<n).map { Float(totals[n + $0] / count) }
        let inv = invStd
        var dz = [Float].zeros(rows * n)
        dxhat.withUnsafeBufferPointer { hp in
            xhat.withUnsafeBufferPointer { xp in
                dz.withUnsafeMutableBufferPointer { zp in
                    for r in 0..<rows {
                        let o = r * n
                        for j in 0..<n { zp[o + j] = (hp[o + j] - m1[j] - xp[o + j] * m2[j]) * inv[j] }
                    }
                }
            }
        }
        return dz
    }
}
