import Foundation

/// Softmax cross-entropy of the true item against a set of other items:
///
/// - `.full`: every item in the catalogue (exact; small catalogues only);
/// - `.sampled`: k items drawn once per batch from the noise distribution and shared
///   by all samples (TensorFlow / DeepMatch style); a draw equal to the sample's own
///   label is masked out (an "accidental hit");
/// - `.inBatch`: the other samples' labels in the batch.
///
/// With `logQ`, the sampled and in-batch logits are corrected by −log q(item)
/// (Yi et al. 2019; Merlin), which removes the popularity bias of the sampler.
/// Logits are u·w_j/T + b_j. The logits of all candidates are one GEMM.
public final class SoftmaxLoss: OutputLoss {
    public enum Mode: Sendable { case full, sampled, inBatch }
    public let mode: Mode
    public let weight: Parameter
    public let bias: Parameter?
    public let dWeight: Gradient
    public let dBias: Gradient?
    public let logQ: Bool
    public let temperature: Float
    public var noise: [Float]
    public var flops: Double = 0
    public var gradients: [Gradient] { [dWeight] + (dBias.map { [$0] } ?? []) }

    private let items: ItemCandidates
    private var user: [Float] = []
    private var rows = 0
    private var dLogits: [Float] = []   // rows×U, dL/d(logit) summed over a column's terms

    public init(mode: Mode, weight: Parameter, bias: Parameter?, noise: [Float], logQ: Bool,
                normalize: Bool = false, temperature: Float = 1) {
        precondition(noise.count == weight.rows && (bias == nil || bias!.count == weight.rows))
        self.mode = mode; self.weight = weight; self.bias = bias; self.noise = noise
        self.logQ = logQ && mode != .full; self.temperature = temperature
        dWeight = Gradient(weight); dBias = bias.map { Gradient($0) }
        items = ItemCandidates(weight: weight, bias: bias, normalize: normalize)
    }

    public func forward(user: [Float], rows: Int, labels: [Int32], negatives: [Int32]) -> Double {
        let d = weight.cols
        precondition(user.count == rows * d && labels.count == rows)
        self.user = user; self.rows = rows
        switch mode {
        case .full: items.build((0..<Int32(weight.rows)))
        case .inBatch: items.build(labels)
        case .sampled: items.build(labels + negatives)
        }
        let u = items.count
        var logits = [Float].zeros(rows * u)
        user.withUnsafeBufferPointer { up in
            items.w.withUnsafeBufferPointer { wp in
                logits.withUnsafeMutableBufferPointer { lp in
                    BLAS.gemm(transB: true, m: rows, n: u, k: d, alpha: 1 / temperature,
                              up.baseAddress!, wp.baseAddress!, lp.baseAddress!)
                }
            }
        }
        flops += 2 * Double(rows * u * d)
        // Per-column additive term: bias minus the log-Q correction.
        var shift = items.b
        if logQ { for (s, id) in items.ids.enumerated() { shift[s] -= Foundation.log(max(noise[Int(id)], 1e-30)) } }
        dLogits = .zeros(rows * u)
        var total: Double = 0
        var terms: [Int] = []          // compact columns of one row's softmax, true item first
        var z: [Double] = []
        for i in 0..<rows {
            let t = items.index(labels[i])
            terms.removeAll(keepingCapacity: true)
            terms.append(t)
            switch mode {
            case .full, .inBatch:
                for s in 0..<u where s != t { terms.append(s) }
            case .sampled:
                for id in negatives where id != labels[i] { terms.append(items.index(id)) }
            }
            z.removeAll(keepingCapacity: true)
            var mx = -Double.infinity
            for s in terms {
                let v = Double(logits[i * u + s] + shift[s])
                z.append(v); mx = max(mx, v)
            }
            var sum: Double = 0
            for m in 0..<z.count { z[m] = Foundation.exp(z[m] - mx); sum += z[m] }
            total += Foundation.log(sum) - (Foundation.log(z[0]))
            for (m, s) in terms.enumerated() {
                dLogits[i * u + s] += Float(z[m] / sum - (m == 0 ? 1 : 0))
            }
        }
        return total
    }

    public func backward(scale: Float) -> [Float] {
        let d = weight.cols, u = items.count
        var du = [Float].zeros(rows * d)
        for i in 0..<rows { for s in 0..<u { items.db[s] += dLogits[i * u + s] } }
        dLogits.withUnsafeBufferPointer { gp in
            items.w.withUnsafeBufferPointer { wp in
                du.withUnsafeMutableBufferPointer { dup in
                    BLAS.gemm(m: rows, n: d, k: u, alpha: scale / temperature, gp.baseAddress!, wp.baseAddress!,
                              dup.baseAddress!)
                }
            }
            user.withUnsafeBufferPointer { up in
                items.dw.withUnsafeMutableBufferPointer { dwp in
                    BLAS.gemm(transA: true, m: u, n: d, k: rows, alpha: 1 / temperature, gp.baseAddress!,
                              up.baseAddress!, beta: 1, dwp.baseAddress!)
                }
            }
        }
        flops += 4 * Double(rows * u * d)
        items.scatter(dWeight: dWeight, dBias: dBias, scale: scale)
        return du
    }

    /// Draws k shared negatives for a batch.
    public static func drawNegatives(k: Int, sampler: NegativeSampler, _ rng: inout RNG) -> [Int32] {
        (0..<k).map { _ in sampler.sample(&rng) }
    }
}
