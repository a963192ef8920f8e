import COpenBLAS

extension BLAS {
    /// Which OpenBLAS build and which of its kernels this machine runs
    /// ("OpenBLAS 0.3.26 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64, core Haswell"):
    /// the same recipe can train at very different speeds on two cores, so the
    /// run manifest records it.
    public static var configuration: String {
        _ = kernelChoice  // the kernels products will really use
        let config = openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS"
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        var trimmed = Substring(config)
        while trimmed.last == " " { trimmed = trimmed.dropLast() }
        return "\(trimmed), core \(core)"
    }
}
