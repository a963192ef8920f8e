import Foundation

/// Noise-contrastive estimation as Paddle's `nce` layer computes it. For a sample
/// with user vector u, its true item and k noise items j (drawn from q):
///
///     o_j  = σ(u·w_j/T + b_j)          B_j = k·q(j)
///     loss = −log(o_t / (o_t + B_t)) − Σ_neg log(B_j / (o_j + B_j))
///
/// so the logistic classifier learns "data vs noise" with the log(k·q) correction,
/// and u·w_j + b_j approximates the item's log-probability.
public final class NCELoss: OutputLoss {
    public let weight: Parameter
    public let bias: Parameter?
    public let dWeight: Gradient
    public let dBias: Gradient?
    public let negativesPerSample: Int
    public let temperature: Float
    public var noise: [Float]
    public var flops: Double = 0
    public var gradients: [Gradient] { [dWeight] + (dBias.map { [$0] } ?? []) + (items.tower?.gradients ?? []) }

    private let items: ItemCandidates
    private var user: [Float] = []
    private var rows = 0
    private var candidate: [Int32] = []   // rows×(k+1) compact indices, true item first
    private var dLogit: [Float] = []      // rows×(k+1)

    public init(weight: Parameter, bias: Parameter?, negatives: Int, noise: [Float], normalize: Bool = false,
                temperature: Float = 1, tower: ItemTower? = nil) {
        precondition(noise.count == weight.rows && (bias == nil || bias!.count == weight.rows))
        self.weight = weight; self.bias = bias; negativesPerSample = negatives
        self.noise = noise; self.temperature = temperature
        dWeight = Gradient(weight); dBias = bias.map { Gradient($0) }
        items = ItemCandidates(weight: weight, bias: bias, normalize: normalize, tower: tower)
    }

    /// log σ(z), stable for large |z|.
    @inline(__always) static func logSigmoid(_ z: Double) -> Double {
        z >= 0 ? -Foundation.log1p(Foundation.exp(-z)) : z - Foundation.log1p(Foundation.exp(z))
    }

    public func forward(user: [Float], rows: Int, labels: [Int32], negatives: [Int32]) -> Double {
        let k = negativesPerSample, d = weight.cols, c = k + 1
        precondition(user.count == rows * d && labels.count == rows && negatives.count == rows * k)
        self.user = user; self.rows = rows
        items.build(labels + negatives)
        // Locals filled through raw pointers: element access to a class's stored arrays
        // pays exclusivity checks. Every candidate's compact index is < u and every id
        // is < noise.count; checked once per call.
        let u = items.count, noise = noise, temperature = temperature
        let cand = labels.map { items.index($0) }, negCand = negatives.map { items.index($0) }
        precondition(cand.allSatisfy { $0 >= 0 && $0 < u } && negCand.allSatisfy { $0 >= 0 && $0 < u }
                     && items.b.count == u && items.w.count == u * d
                     && labels.allSatisfy { Int($0) < noise.count } && negatives.allSatisfy { Int($0) < noise.count })
        var candOut = [Int32](repeating: 0, count: rows * c)
        var dl = [Float].zeros(rows * c)
        var total: Double = 0
        user.withUnsafeBufferPointer { up in
            items.w.withUnsafeBufferPointer { wp in
                items.b.withUnsafeBufferPointer { bp in
                    noise.withUnsafeBufferPointer { qp in
                        labels.withUnsafeBufferPointer { lp in
                            negatives.withUnsafeBufferPointer { np in
                                cand.withUnsafeBufferPointer { cp in
                                    negCand.withUnsafeBufferPointer { ncp in
                                        candOut.withUnsafeMutableBufferPointer { cop in
                                            dl.withUnsafeMutableBufferPointer { dp in
                                                for i in 0..<rows {
                                                    for j in 0..<c {
                                                        let id = j == 0 ? lp[i] : np[i * k + j - 1]
                                                        let s = j == 0 ? cp[i] : ncp[i * k + j - 1]
                                                        cop[i * c + j] = Int32(s)
                                                        let z = Double(Vec.dot(up.baseAddress! + i * d, wp.baseAddress! + s * d, d) / temperature + bp[s])
                                                        let bq = Double(k) * Double(qp[Int(id)])
                                                        let o = 1 / (1 + Foundation.exp(-z))
                                                        if j == 0 {
                                                            total += -NCELoss.logSigmoid(z) + Foundation.log(o + bq)
                                                            dp[i * c + j] = Float(bq * (o - 1) / (o + bq))
                                                        } else {
                                                            total += -Foundation.log(bq) + Foundation.log(o + bq)
                                                            dp[i * c + j] = Float(o * (1 - o) / (o + bq))
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
                }
            }
        }
        candidate = candOut
        dLogit = dl
        flops += 2 * Double(rows * c * d)
        return total
    }

    public func backward(scale: Float) -> [Float] {
        let k = negativesPerSample, d = weight.cols, c = k + 1
        var du = [Float].zeros(rows * d)
        let u = items.count, temperature = temperature, candidate = candidate, dLogit = dLogit
        // forward filled candidate with indices < u; the tables are u rows.
        precondition(candidate.count == rows * c && dLogit.count == rows * c && user.count == rows * d
                     && items.w.count == u * d && items.dw.count == u * d && items.db.count == u)
        user.withUnsafeBufferPointer { up in
            items.w.withUnsafeBufferPointer { wp in
                items.dw.withUnsafeMutableBufferPointer { dwp in
                    items.db.withUnsafeMutableBufferPointer { dbp in
                        candidate.withUnsafeBufferPointer { cp in
                            dLogit.withUnsafeBufferPointer { gp in
                                du.withUnsafeMutableBufferPointer { dup in
                                    for i in 0..<rows {
                                        for j in 0..<c {
                                            let s = Int(cp[i * c + j]), g = gp[i * c + j]
                                            let gz = g / temperature
                                            Vec.axpy(gz * scale, wp.baseAddress! + s * d, dup.baseAddress! + i * d, d)
                                            Vec.axpy(gz, up.baseAddress! + i * d, dwp.baseAddress! + s * d, d)
                                            dbp[s] += g
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        items.scatter(dWeight: dWeight, dBias: dBias, scale: scale)
        flops += 4 * Double(rows * c * d)
        return du
    }

    /// Draws rows×k noise items, per sample, from `sampler`.
    public static func drawNegatives(rows: Int, k: Int, sampler: NegativeSampler, _ rng: inout RNG) -> [Int32] {
        (0..<(rows * k)).map { _ in sampler.sample(&rng) }
    }
}
