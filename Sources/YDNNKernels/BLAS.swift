import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// The bridge to OpenBLAS. Every matrix product of the model goes through `gemm`,
/// because OpenBLAS measured faster than hand kernels on our shapes (PLATFORM-NOTES).
/// Matrices are row-major and dense.
public enum BLAS {
    /// How many threads OpenBLAS may use for one call. The trainer sets this to 1
    /// while its own workers own the cores (mixing both cost ~13%), and back
    /// afterwards.
    public static var threads: Int {
        get { _ = kernelChoice; return Int(openblas_get_num_threads()) }
        set { _ = kernelChoice; openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// The OpenBLAS kernel family in use ("SkylakeX", "Haswell", "Zen", ...).
    public static var coreName: String { _ = kernelChoice; return String(cString: openblas_get_corename()) }

    /// OpenBLAS picks its kernels from the CPU model number. Under some hypervisors
    /// the CPU reports only "Intel(R) Xeon(R) Processor" and OpenBLAS 0.3.21 falls
    /// back to Prescott (SSE3) kernels although the CPU has AVX2/FMA or AVX-512:
    /// measured on such a VM, sgemm at (128x352)x(352x256) ran 4.5-8 GFLOP/s with
    /// Prescott, 16-55 with Haswell and 92-111 with SkylakeX (1 thread). So, once,
    /// before the first product: if the user did not set OPENBLAS_CORETYPE and the
    /// detected kernels are older than what `cpuid`/`xgetbv` say the CPU and OS
    /// support, re-run OpenBLAS's own dynamic selection with the right core type.
    /// On a CPU that OpenBLAS recognises nothing changes.
    static let kernelChoice: Void = {
        if let forced = getenv("OPENBLAS_CORETYPE"), forced.pointee != 0 { return }
        let detected = String(cString: openblas_get_corename())
        let level = ydnn_vector_level()
        guard level > 0, preAVX2Cores.contains(detected.lowercased()) else { return }
        setenv("OPENBLAS_CORETYPE", level == 2 ? "SkylakeX" : "Haswell", 1)
        gotoblas_dynamic_quit()
        gotoblas_dynamic_init()
        unsetenv("OPENBLAS_CORETYPE")  // not inherited by child processes
    }()

    /// OpenBLAS's names for kernel families without AVX2/FMA.
    private static let preAVX2Cores: Set<String> = [
        "prescott", "core2", "penryn", "dunnington", "nehalem", "sandybridge", "atom",
        "katmai", "coppermine", "northwood", "banias", "opteron", "opteron_sse3",
        "barcelona", "bobcat", "bulldozer", "piledriver", "steamroller", "excavator", "unknown",
    ]

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
        _ = kernelChoice
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
