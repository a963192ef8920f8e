import XCTest
import YDNN

/// The BLAS bridge against a naive triple loop, for every transpose combination and
/// for accumulation (beta = 1), which the backward passes rely on.
final class TensorBLASTests: XCTestCase {
    func naive(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, _ a: [Float], _ b: [Float],
               beta: Float, _ c: [Float]) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var s: Double = 0
                for p in 0..<k {
                    let av = transA ? a[p * m + i] : a[i * k + p]
                    let bv = transB ? b[j * k + p] : b[p * n + j]
                    s += Double(av) * Double(bv)
                }
                out[i * n + j] = alpha * Float(s) + beta * c[i * n + j]
            }
        }
        return out
    }

    func testGemmAllTransposes() {
        var rng = RNG(seed: 3)
        let m = 7, n = 31, k = 13
        for transA in [false, true] {
            for transB in [false, true] {
                for beta: Float in [0, 1] {
                    let a = (0..<(m * k)).map { _ in rng.nextGaussian() }
                    let b = (0..<(k * n)).map { _ in rng.nextGaussian() }
                    var c = (0..<(m * n)).map { _ in rng.nextGaussian() }
                    let want = naive(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a, b, beta: beta, c)
                    BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a, b, beta: beta, &c)
                    for i in 0..<(m * n) {
                        XCTAssertEqual(c[i], want[i], accuracy: 1e-4, "transA=\(transA) transB=\(transB) beta=\(beta) [\(i)]")
                    }
                }
            }
        }
    }

    func testGemmWithEmptyInnerDimensionClearsOutput() {
        var c: [Float] = [1, 2, 3, 4]
        BLAS.gemm(m: 2, n: 2, k: 0, [], [], &c)
        XCTAssertEqual(c, [0, 0, 0, 0])
    }

    func testThreadCountCanBeSetAndRestored() {
        let saved = BLAS.threads
        BLAS.threads = 1
        XCTAssertEqual(BLAS.threads, 1)
        BLAS.threads = saved
        XCTAssertEqual(BLAS.threads, saved)
    }

    func testParameterGradientSparseRows() {
        let p = Parameter(name: "t", rows: 5, cols: 2, sparse: true)
        let g = Gradient(p)
        [Float](arrayLiteral: 1, 2).withUnsafeBufferPointer { g.addRow(3, $0.baseAddress!, scale: 2) }
        [Float](arrayLiteral: 1, 1).withUnsafeBufferPointer { g.addRow(1, $0.baseAddress!) }
        [Float](arrayLiteral: 1, 1).withUnsafeBufferPointer { g.addRow(3, $0.baseAddress!) }
        XCTAssertEqual(g.touched, [3, 1])
        XCTAssertEqual(g.toDense(), [0, 0, 1, 1, 0, 0, 3, 5, 0, 0])
        let h = Gradient(p)
        [Float](arrayLiteral: 10, 10).withUnsafeBufferPointer { h.addRow(4, $0.baseAddress!) }
        g.accumulate(h)
        XCTAssertEqual(g.touched, [3, 1, 4])
        g.zero()
        XCTAssertEqual(g.touched, [])
        XCTAssertEqual(g.toDense(), [Float](repeating: 0, count: 10))
    }
}
