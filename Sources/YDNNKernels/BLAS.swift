import COpenBLAS

/// The bridge to OpenBLAS. Every matrix product of the model goes through `gemm`,
/// because OpenBLAS measured faster than hand kernels on our shapes (PLATFORM-NOTES).
/// Matrices are row-major and dense.
public enum BLAS {
    /// How many threads OpenBLAS may use for one call. The trainer sets this to 1
    /// while its own workers own the cores (mixing both cost ~13%), and back
    /// afterwards.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// C[M×N] = alpha · op(A) · op(B) + beta · C, where op(A) is M×K and op(B) is K×N.
    /// `lda`, `ldb`, `ldc` default to the packed row lengths. Not inlinable on purpose:
    /// a call costs nothing next to a product, and the body stays compiled with
    /// this target's flags.
    public static func gemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        _ a: UnsafePointer<Float>, lda: Int? = nil,
        _ b: UnsafePointer<Float>, ldb: Int? = nil,
        beta: Float = 0,
        _ c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS would leave C untouched for beta=1 but this keeps beta=0 honest.
            if beta == 0 { for i in 0..<m { for j in 0..<n { c[i * (ldc ?? n) + j] = 0 } } }
            return
        }
        let lda = lda ?? (transA ? m : k)
        let ldb = ldb ?? (transB ? k : n)
        let ldc = ldc ?? n
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans,
                    transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Array convenience for tests and small callers.
    public static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Float = 1, _ a: [Float], _ b: [Float], beta: Float = 0,
                            _ c: inout [Float]) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "gemm: buffer too small")
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                         ap.baseAddress!, bp.baseAddress!, beta: beta, cp.baseAddress!)
                }
            }
        }
    }
}
