import Dispatch
import Foundation

public struct OptimizerSpec: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case sgd, adagrad, adam }
    public var kind: Kind
    public var learningRate: Float
    /// L2 penalty: adds l2·w to the gradient of every updated weight (for sparse
    /// tables only the touched rows, like the lazy moments).
    public var l2: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8

    public init(_ kind: Kind = .adam, learningRate: Float? = nil, l2: Float = 0) {
        self.kind = kind
        self.learningRate = learningRate ?? (kind == .adam ? 0.001 : kind == .adagrad ? 0.05 : 0.1)
        self.l2 = l2
    }
}

/// Applies gradients to parameters. Sparse parameters (embedding and output
/// tables) are updated row by row, only where the batch touched them: SGD and
/// Adagrad are exactly the dense update restricted to those rows, and Adam becomes
/// "lazy Adam" (moments of untouched rows are not decayed), which is what makes a
/// step cost O(touched rows) instead of O(catalogue).
public final class Optimizer {
    public let spec: OptimizerSpec
    public private(set) var step = 0
    /// Moments of one parameter; each is touched by one thread at a time.
    final class Moments {
        var m: [Float], v: [Float]
        init(_ n: Int, first: Bool, second: Bool) { m = first ? .zeros(n) : []; v = second ? .zeros(n) : [] }
        init(m: [Float], v: [Float]) { self.m = m; self.v = v }
    }
    private var moments: [ObjectIdentifier: Moments] = [:]

    public init(_ spec: OptimizerSpec) { self.spec = spec }

    /// Whether the rule keeps a first moment (Adam's m) and a second (Adam's v,
    /// Adagrad's sum of squares) per weight.
    var keepsFirstMoment: Bool { spec.kind == .adam }
    var keepsSecondMoment: Bool { spec.kind != .sgd }

    /// The state of `parameter` (nil before its first update): what a checkpoint saves.
    func state(of parameter: Parameter) -> (m: [Float], v: [Float])? {
        moments[ObjectIdentifier(parameter)].map { ($0.m, $0.v) }
    }

    /// An optimizer continuing from saved state: `step` updates done, and the moments
    /// of each parameter that had been updated (empty arrays for a moment the rule lacks).
    init(_ spec: OptimizerSpec, step: Int, states: [(Parameter, m: [Float], v: [Float])]) {
        self.spec = spec
        self.step = step
        for (p, m, v) in states { moments[ObjectIdentifier(p)] = Moments(m: m, v: v) }
    }

    /// One update with the (already reduced) gradients. With `threads` > 1 the
    /// parameters are split into groups updated concurrently; every parameter's update
    /// is independent of the others, so the result does not depend on the split.
    public func apply(_ gradients: [Gradient], threads: Int = 1) {
        step += 1
        // Created here, serially: the dictionary is only read during the updates.
        for g in gradients where moments[ObjectIdentifier(g.parameter)] == nil {
            moments[ObjectIdentifier(g.parameter)] = Moments(g.parameter.count, first: keepsFirstMoment, second: keepsSecondMoment)
        }
        let groups = Optimizer.balance(gradients.map(\.workSize), into: threads)
        if groups.count == 1 { for g in gradients { update(g) }; return }
        runWorkers(groups.count) { k in for i in groups[k] { update(gradients[i]) } }
    }

    /// Splits items into at most `n` groups of similar total size (largest first,
    /// each to the lightest group): deterministic for the same sizes.
    static func balance(_ sizes: [Int], into n: Int) -> [[Int]] {
        if n <= 1 || sizes.count <= 1 { return [Array(sizes.indices)] }
        var groups = [[Int]](repeating: [], count: n), load = [Int](repeating: 0, count: n)
        for i in sizes.indices.sorted(by: { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }) {
            let k = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
            groups[k].append(i); load[k] += sizes[i]
        }
        return groups.filter { !$0.isEmpty }
    }

    private func update(_ g: Gradient) {
        let p = g.parameter, c = p.cols
        let state = moments[ObjectIdentifier(p)]!
        let lr = spec.learningRate, l2 = spec.l2, b1 = spec.beta1, b2 = spec.beta2, eps = spec.epsilon
        // Adam's bias corrections folded into the step size.
        let t = Float(step)
        let adamLR = lr * (1 - powf(b2, t)).squareRoot() / (1 - powf(b1, t))
        let kind = spec.kind
        p.value.withUnsafeMutableBufferPointer { wp in
            state.m.withUnsafeMutableBufferPointer { mp in
                state.v.withUnsafeMutableBufferPointer { vp in
                    // Updates elements [base, base+n) with gradient values gr[0..<n]. One loop
                    // per rule (not a switch per element) so each loop vectorises.
                    func run(_ base: Int, _ gr: UnsafePointer<Float>, _ n: Int) {
                        let w = wp.baseAddress! + base
                        switch kind {
                        case .sgd:
                            for j in 0..<n { w[j] -= lr * (gr[j] + l2 * w[j]) }
                        case .adagrad:
                            let v = vp.baseAddress! + base
                            for j in 0..<n {
                                let grad = gr[j] + l2 * w[j]
                                v[j] += grad * grad
                                w[j] -= lr * grad / (v[j].squareRoot() + eps)
                            }
                        case .adam:
                            let m = mp.baseAddress! + base, v = vp.baseAddress! + base
                            // Explicit SIMD: the compiler cannot prove w, m, v, gr do not alias,
                            // so the plain loop stayed scalar (20% of a training step).
                            var j = 0
                            while j &+ 8 <= n {
                                let gv = UnsafeRawPointer(gr + j).loadUnaligned(as: SIMD8<Float>.self)
                                var wv = UnsafeRawPointer(w + j).loadUnaligned(as: SIMD8<Float>.self)
                                var mv = UnsafeRawPointer(m + j).loadUnaligned(as: SIMD8<Float>.self)
                                var vv = UnsafeRawPointer(v + j).loadUnaligned(as: SIMD8<Float>.self)
                                let grad = gv + l2 * wv
                                mv = b1 * mv + (1 - b1) * grad
                                vv = b2 * vv + (1 - b2) * grad * grad
                                wv -= adamLR * mv / (vv.squareRoot() + eps)
                                UnsafeMutableRawPointer(w + j).storeBytes(of: wv, as: SIMD8<Float>.self)
                                UnsafeMutableRawPointer(m + j).storeBytes(of: mv, as: SIMD8<Float>.self)
                                UnsafeMutableRawPointer(v + j).storeBytes(of: vv, as: SIMD8<Float>.self)
                                j &+= 8
                            }
                            for j in j..<n {
                                let grad = gr[j] + l2 * w[j]
                                m[j] = b1 * m[j] + (1 - b1) * grad
                                v[j] = b2 * v[j] + (1 - b2) * grad * grad
                                w[j] -= adamLR * m[j] / (v[j].squareRoot() + eps)
                            }
                        }
                    }
                    if g.isSparse {
                        g.rowValues.withUnsafeBufferPointer { rv in
                            let touched = g.touched, order = g.slotsInRowOrder()
                            // Checked once: every slot has a row of values, every row lies in the table.
                            precondition(rv.count == touched.count * c && wp.count == p.count
                                         && (!keepsFirstMoment || mp.count == p.count) && (!keepsSecondMoment || vp.count == p.count)
                                         && touched.allSatisfy { $0 >= 0 && Int($0) < p.rows }
                                         && order.allSatisfy { $0 >= 0 && $0 < touched.count })
                            touched.withUnsafeBufferPointer { tp in
                                for s in order { run(Int(tp[s]) &* c, rv.baseAddress! + s &* c, c) }
                            }
                        }
                    } else {
                        g.dense.withUnsafeBufferPointer { d in run(0, d.baseAddress!, p.count) }
                    }
                }
            }
        }
    }
}
