import YDNNKernels

// The numeric kernels live in the YDNNKernels target (compiled with -Ounchecked in
// release, see Package.swift). These aliases keep their old names inside YDNN and,
// for `BLAS`, for clients that import only YDNN.
public typealias BLAS = YDNNKernels.BLAS
public typealias Activations = YDNNKernels.Activations
typealias Vec = YDNNKernels.Vec
public typealias LSTMGates = YDNNKernels.LSTMGates

extension Array where Element == Float {
    /// A zero-filled array of `count` floats.
    @inlinable
    static func zeros(_ count: Int) -> [Float] { [Float](repeating: 0, count: count) }
}
