import Foundation
import XCTest
@testable import YDNN
import YDNNKernels

/// The pieces of the training step's update: the vectorised Adam rule, the finite
/// check with headroom, the optimizer's fused sum-and-update over shards, the
/// worker team and flush-to-zero.
final class ModelOptimizerStepTests: XCTestCase {
    /// Adam element by element, as the optimizer's scalar loop computed it.
    static func scalarAdam(_ w: inout [Float], _ m: inout [Float], _ v: inout [Float], _ g: [Float],
                           lr: Float, b1: Float, b2: Float, eps: Float, l2: Float) {
        for j in w.indices {
            let grad = g[j] + l2 * w[j]
            m[j] = b1 * m[j] + (1 - b1) * grad
            v[j] = b2 * v[j] + (1 - b2) * grad * grad
            w[j] -= lr * m[j] / (v[j].squareRoot() + eps)
        }
    }

    /// Every length from 0 to 40 (the vector loop, the overlapping last vector of
    /// lengths that are not multiples of 8, the scalar loop below 8), bit for bit.
    func testAdamKernelMatchesTheScalarRuleBitForBit() {
        var rng = RNG(seed: 11)
        for n in 0...40 {
            for _ in 0..<5 {
                let g = (0..<n).map { _ in rng.nextGaussian() * 0.01 }
                var w = (0..<n).map { _ in rng.nextGaussian() }
                var m = (0..<n).map { _ in rng.nextGaussian() * 0.001 }
                var v = (0..<n).map { _ in abs(rng.nextGaussian()) * 1e-6 }
                var (w2, m2, v2) = (w, m, v)
                Self.scalarAdam(&w, &m, &v, g, lr: 0.003, b1: 0.9, b2: 0.999, eps: 1e-8, l2: 1e-4)
                w2.withUnsafeMutableBufferPointer { wp in
                    m2.withUnsafeMutableBufferPointer { mp in
                        v2.withUnsafeMutableBufferPointer { vp in
                            g.withUnsafeBufferPointer { gp in
                                guard n > 0 else { return }
                                AdamKernel.update(w: wp.baseAddress!, m: mp.baseAddress!, v: vp.baseAddress!, g: gp.baseAddress!,
                                                  n: n, lr: 0.003, b1: 0.9, b2: 0.999, eps: 1e-8, l2: 1e-4)
                            }
                        }
                    }
                }
                XCTAssertEqual(w.map(\.bitPattern), w2.map(\.bitPattern), "weights, n=\(n)")
                XCTAssertEqual(m.map(\.bitPattern), m2.map(\.bitPattern), "first moment, n=\(n)")
                XCTAssertEqual(v.map(\.bitPattern), v2.map(\.bitPattern), "second moment, n=\(n)")
            }
        }
    }

    /// A non-finite entry is found wherever it sits (vector body or tail); with
    /// headroom k, an entry whose k-fold overflows counts as not finite.
    func testFiniteCheckFindsEveryPositionAndHonoursHeadroom() {
        for n in [1, 7, 8, 31, 32, 33, 100] {
            for position in [0, n / 2, n - 1] {
                for bad in [Float.nan, .infinity, -.infinity] {
                    var x = [Float](repeating: 0.5, count: n)
                    x[position] = bad
                    XCTAssertFalse(x.withUnsafeBufferPointer { allFinite($0.baseAddress!, n) }, "n=\(n) at \(position): \(bad)")
                }
                var big = [Float](repeating: 0.5, count: n)
                big[position] = Float.greatestFiniteMagnitude * 0.75
                XCTAssertTrue(big.withUnsafeBufferPointer { allFinite($0.baseAddress!, n) })
                XCTAssertFalse(big.withUnsafeBufferPointer { allFinite($0.baseAddress!, n, times: 2) },
                               "two such entries would overflow their sum")
            }
        }
        // Two shards each just finite with headroom 2 always sum to a finite gradient.
        let p = Parameter(name: "d", rows: 1, cols: 3)
        let a = Gradient(p), b = Gradient(p)
        a.dense = [Float.greatestFiniteMagnitude / 2.0000001, -1, 1]; b.dense = a.dense
        XCTAssertTrue(a.isFinite(headroom: 2) && b.isFinite(headroom: 2))
        a.accumulate(b)
        XCTAssertTrue(a.isFinite)
    }

    /// Worker gradients summed and applied in one pass (dense parameters in blocks,
    /// sparse ones whole) give the bits of summing first, in worker order, and then
    /// applying; for every rule, any number of shards and any team size.
    func testFusedSumAndUpdateEqualsSumThenUpdate() {
        for kind in OptimizerSpec.Kind.allCases {
            for shardCount in [1, 2, 3] {
                var results: [[[Float]]] = []
                var reference: [[Float]] = []
                for members in [0, 1, 2, 3] {   // 0: the reference path
                    var rng = RNG(seed: 5)
                    // Dense bigger than one block (4096), so blocks split it; a sparse table; a bias.
                    let params = [Parameter(name: "big", rows: 130, cols: 70), Parameter(name: "table", rows: 50, cols: 31, sparse: true),
                                  Parameter(name: "bias", rows: 1, cols: 9)]
                    for p in params { p.initGaussian(0.1, &rng) }
                    let opt = Optimizer(OptimizerSpec(kind, l2: 0.001))
                    for _ in 0..<4 {
                        let shards = (0..<shardCount).map { _ in params.map { Gradient($0) } }
                        for grads in shards {
                            for g in grads {
                                for _ in 0..<(g.isSparse ? 6 : g.parameter.rows) {
                                    let row = (0..<g.parameter.cols).map { _ in rng.nextGaussian() }
                                    row.withUnsafeBufferPointer { g.addRow(rng.nextInt(below: g.parameter.rows), $0.baseAddress!) }
                                }
                            }
                        }
                        if members == 0 {
                            for i in params.indices { for w in 1..<shardCount { shards[0][i].accumulate(shards[w][i]) } }
                            opt.apply(shards[0], threads: 1)
                        } else {
                            let team = WorkerTeam(size: members)
                            opt.apply(shards: shards, team: team)
                            team.shutdown()
                        }
                    }
                    if members == 0 { reference = params.map(\.value) } else { results.append(params.map(\.value)) }
                }
                for (k, r) in results.enumerated() {
                    XCTAssertEqual(r.map { $0.map(\.bitPattern) }, reference.map { $0.map(\.bitPattern) },
                                   "\(kind), \(shardCount) shards, team of \(k + 1)")
                }
            }
        }
    }

    /// Many short regions in a row, regions narrower than the team, and a region
    /// after the members went to sleep: every index runs exactly once per region.
    func testWorkerTeamRunsEveryIndexOncePerRegion() {
        // 3 members: on a 2-core machine this is the oversubscribed team (no spinning).
        let team = WorkerTeam(size: 3)
        defer { team.shutdown() }
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 3)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0)
        var expected = [0, 0, 0]
        for r in 0..<20_000 {
            let n = 1 + r % 3
            team.run(n) { i in counts[i] += 1 }
            for i in 0..<n { expected[i] += 1 }
        }
        XCTAssertEqual(Array(counts), expected)
        // Long enough idle that the members sleep on the condition; they must wake.
        Thread.sleep(forTimeInterval: 0.3)
        team.run(3) { i in counts[i] += 10 }
        XCTAssertEqual(Array(counts), expected.map { $0 + 10 })
        // Work done by the members is visible to the caller when run returns.
        var sums = [Double](repeating: 0, count: 3)
        sums.withUnsafeMutableBufferPointer { s in
            team.run(3) { i in for k in 0..<10_000 { s[i] += Double(k * (i + 1)) } }
        }
        XCTAssertEqual(sums, [49_995_000, 99_990_000, 149_985_000])
        XCTAssertEqual(WorkerTeam.alone.size, 1)
    }

    /// Training runs with flush-to-zero on and leaves the caller's mode as it was.
    func testFlushToZeroIsScopedToTraining() throws {
        #if arch(x86_64)
        let tiny = Float.leastNormalMagnitude
        @inline(never) func half(_ x: Float) -> Float { x / 2 }
        XCTAssertNotEqual(half(tiny), 0, "subnormals are kept by default")
        let state = Denormals.flushToZero()
        XCTAssertEqual(half(tiny), 0, "flushed while on")
        Denormals.restore(state)
        XCTAssertNotEqual(half(tiny), 0, "restored")
        #endif
    }
}
