import Dispatch
import Foundation
import YDNNKernels

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
        let team = WorkerTeam(size: threads)
        defer { team.shutdown() }
        apply(shards: [gradients], team: team)
    }

    /// Elements of a dense parameter summed and updated as one piece of work: small
    /// enough that the summed block is still in L1 when the rule reads it (16 KB),
    /// and that the one 61k-weight layer of the Paddle recipe splits across workers.
    static let denseBlock = 4096

    /// One update with the gradients of every shard of a batch, `shards[w][i]` being
    /// worker w's gradient of parameter i (the same parameters in the same order for
    /// every worker). The sum over shards is taken here, in worker order, and the
    /// update follows in the same pass over memory: sparse parameters are summed
    /// into worker 0's gradient and updated by the same member; dense ones block by
    /// block, each block summed into worker 0's buffer and updated while it is hot.
    /// Every element's sum and update are independent of the others and always add
    /// in worker order, so the result does not depend on the team's size.
    /// The caller checks beforehand that the sums are finite (`Gradient.isFinite(headroom:)`).
    func apply(shards: [[Gradient]], team: WorkerTeam) {
        step += 1
        let grads = shards[0]
        precondition(shards.allSatisfy { $0.count == grads.count && zip($0, grads).allSatisfy { $0.parameter === $1.parameter } })
        // Created here, serially: the dictionary is only read during the updates.
        for g in grads where moments[ObjectIdentifier(g.parameter)] == nil {
            moments[ObjectIdentifier(g.parameter)] = Moments(g.parameter.count, first: keepsFirstMoment, second: keepsSecondMoment)
        }
        let adamLR = adamStepSize
        // The dense parameters' weights, moments and every shard's gradient, held
        // open (and their base addresses taken) on this thread for the whole region:
        // members then share one parameter's storage through raw pointers. Two
        // threads calling `withUnsafeMutableBufferPointer` on the same array at once
        // would corrupt it (the call moves the buffer out of the array while it runs).
        let dense = grads.indices.filter { !grads[$0].isSparse }
        var access: [((UnsafeMutablePointer<Float>?) -> Void) -> Void] = []
        for i in dense {
            let p = grads[i].parameter, state = moments[ObjectIdentifier(p)]!
            precondition(p.value.count == p.count && (!keepsFirstMoment || state.m.count == p.count)
                         && (!keepsSecondMoment || state.v.count == p.count)
                         && shards.allSatisfy { $0[i].dense.count == p.count })
            access.append { f in p.value.withUnsafeMutableBufferPointer { f($0.baseAddress) } }
            access.append { f in state.m.withUnsafeMutableBufferPointer { f($0.baseAddress) } }
            access.append { f in state.v.withUnsafeMutableBufferPointer { f($0.baseAddress) } }
            access.append { f in grads[i].dense.withUnsafeMutableBufferPointer { f($0.baseAddress) } }
            for w in 1..<shards.count {
                access.append { f in shards[w][i].dense.withUnsafeBufferPointer { f(UnsafeMutablePointer(mutating: $0.baseAddress)) } }
            }
        }
        withBaseAddresses(access) { bases in
            let (pieces, groups) = plan(shards, dense: dense, members: team.size)
            team.run(groups.count) { k in
                for piece in groups[k] {
                    let (i, slot, range) = pieces[piece]
                    let g = grads[i]
                    if g.isSparse {
                        for w in 1..<shards.count { g.accumulate(shards[w][i]) }
                        updateSparse(g, adamLR: adamLR)
                        continue
                    }
                    let lo = range.lowerBound, n = range.count
                    let w = bases[slot]! + lo, sum = bases[slot + 3]! + lo
                    for s in 1..<shards.count { Vec.axpy(1, bases[slot + 3 + s]! + lo, sum, n) }
                    rule(w, bases[slot + 1].map { $0 + lo }, bases[slot + 2].map { $0 + lo }, sum, n, adamLR: adamLR)
                }
            }
        }
    }

    /// Pieces of work and which member does which, kept while the parameters, the
    /// shards and the team stay the same: every step a member then updates the same
    /// blocks (whose moments it touched last), and the plan is not rebuilt per step.
    /// The sizes of the first step balance it; the result never depends on it.
    private typealias Piece = (parameter: Int, slot: Int, range: Range<Int>)
    private var cachedPlan: (key: [ObjectIdentifier], shards: Int, members: Int, pieces: [Piece], groups: [[Int]])?

    private func plan(_ shards: [[Gradient]], dense: [Int], members: Int) -> ([Piece], [[Int]]) {
        let key = shards[0].map(ObjectIdentifier.init)
        if let p = cachedPlan, p.key == key, p.shards == shards.count, p.members == members { return (p.pieces, p.groups) }
        let (pieces, sizes) = Optimizer.pieces(shards, dense: dense)
        let groups = Optimizer.balance(sizes, into: members)
        cachedPlan = (key, shards.count, members, pieces, groups)
        return (pieces, groups)
    }

    /// Pieces of work for `apply(shards:team:)` and their sizes: a whole sparse
    /// parameter, or one block of a dense one (`slot`: where its base addresses start).
    /// Built apart from the region, so the region captures only constants.
    private static func pieces(_ shards: [[Gradient]], dense: [Int]) -> ([Piece], [Int]) {
        var pieces: [Piece] = []
        var sizes: [Int] = []
        for (i, g) in shards[0].enumerated() where g.isSparse {
            // A sparse element costs about twice a dense one (the sum looks up each
            // row's slot, the update sorts the rows): weight 2 balanced the two
            // members of the Paddle recipe to 1% (357 vs 352 ms over 3 epochs; weight 1: 299 vs 379).
            pieces.append((i, 0, 0..<0)); sizes.append(2 * shards.reduce(0) { $0 + $1[i].workSize })
        }
        let perDense = 3 + shards.count
        for (d, i) in dense.enumerated() {
            let count = shards[0][i].parameter.count
            for lo in stride(from: 0, to: count, by: denseBlock) {
                let hi = min(lo + denseBlock, count)
                pieces.append((i, d * perDense, lo..<hi)); sizes.append(hi - lo)
            }
        }
        return (pieces, sizes)
    }

    /// Runs `body` with the base address of every array `access` opens, all of them
    /// open for the whole call (nested closures, one per array).
    private func withBaseAddresses(_ access: [((UnsafeMutablePointer<Float>?) -> Void) -> Void],
                                   _ body: ([UnsafeMutablePointer<Float>?]) -> Void) {
        var bases: [UnsafeMutablePointer<Float>?] = []
        bases.reserveCapacity(access.count)
        func open(_ i: Int) {
            if i == access.count { body(bases); return }
            let opener = access[i]
            opener { base in bases.append(base); open(i + 1) }
        }
        open(0)
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

    /// Adam's step size at the current step, the bias corrections folded in.
    private var adamStepSize: Float {
        let t = Float(step), b1 = spec.beta1, b2 = spec.beta2
        return spec.learningRate * (1 - powf(b2, t)).squareRoot() / (1 - powf(b1, t))
    }

    /// The rule on n weights at `w` with gradient `g` (moments at `m` and `v`, nil
    /// where the rule keeps none). One loop per rule, not a switch per element, so
    /// each loop vectorises.
    private func rule(_ w: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>?, _ v: UnsafeMutablePointer<Float>?,
                      _ g: UnsafePointer<Float>, _ n: Int, adamLR: Float) {
        let lr = spec.learningRate, l2 = spec.l2, eps = spec.epsilon
        switch spec.kind {
        case .sgd:
            for j in 0..<n { w[j] -= lr * (g[j] + l2 * w[j]) }
        case .adagrad:
            let v = v!
            for j in 0..<n {
                let grad = g[j] + l2 * w[j]
                v[j] += grad * grad
                w[j] -= lr * grad / (v[j].squareRoot() + eps)
            }
        case .adam:
            AdamKernel.update(w: w, m: m!, v: v!, g: g, n: n, lr: adamLR, b1: spec.beta1, b2: spec.beta2, eps: eps, l2: l2)
        }
    }

    /// Updates the rows `g` touched, in row order. One member per sparse parameter,
    /// so its arrays are opened here.
    private func updateSparse(_ g: Gradient, adamLR: Float) {
        let p = g.parameter, c = p.cols
        let state = moments[ObjectIdentifier(p)]!
        p.value.withUnsafeMutableBufferPointer { wp in
            state.m.withUnsafeMutableBufferPointer { mp in
                state.v.withUnsafeMutableBufferPointer { vp in
                    g.rowValues.withUnsafeBufferPointer { rv in
                        let touched = g.touched, order = g.slotsInRowOrder()
                        // Checked once: every slot has a row of values, every row lies in the table.
                        precondition(rv.count == touched.count * c && wp.count == p.count
                                     && (!keepsFirstMoment || mp.count == p.count) && (!keepsSecondMoment || vp.count == p.count)
                                     && touched.allSatisfy { $0 >= 0 && Int($0) < p.rows }
                                     && order.allSatisfy { $0 >= 0 && $0 < touched.count })
                        touched.withUnsafeBufferPointer { tp in
                            for s in order {
                                let base = Int(tp[s]) &* c
                                rule(wp.baseAddress! + base, mp.baseAddress.map { $0 + base }, vp.baseAddress.map { $0 + base },
                                     rv.baseAddress! + s &* c, c, adamLR: adamLR)
                            }
                        }
                    }
                }
            }
        }
    }
}
