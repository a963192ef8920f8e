/// Row-wise L2 normalisation, y = x / |x|. Used on the user tower's output and, row
/// by row, on the output item vectors (`normalizeRow`), so logits become cosines
/// that the loss divides by a temperature.
public final class L2Normalize {
    public let dim: Int
    /// Norms below this are clamped, so an all-zero row (e.g. after ReLU) gives a
    /// zero vector and a finite gradient instead of NaN.
    public static let epsilon: Float = 1e-6

    private var y: [Float] = []
    private var norms: [Float] = []
    private var rows = 0

    public init(dim: Int) { self.dim = dim }

    public func forward(_ x: [Float], rows: Int) -> [Float] {
        precondition(x.count == rows * dim)
        self.rows = rows
        y = x
        norms = [Float](repeating: 0, count: rows)
        y.withUnsafeMutableBufferPointer { yp in
            for r in 0..<rows { norms[r] = L2Normalize.normalizeRow(yp.baseAddress! + r * dim, dim) }
        }
        return y
    }

    public func backward(_ dy: [Float]) -> [Float] {
        precondition(dy.count == rows * dim)
        var dx = dy
        y.withUnsafeBufferPointer { yp in
            dx.withUnsafeMutableBufferPointer { dp in
                for r in 0..<rows {
                    L2Normalize.backwardRow(yp.baseAddress! + r * dim, norm: norms[r], dp.baseAddress! + r * dim, dim)
                }
            }
        }
        return dx
    }

    /// Normalises `v` in place and returns its former norm (clamped at epsilon).
    @inlinable
    public static func normalizeRow(_ v: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        var s: Double = 0
        for i in 0..<n { s += Double(v[i]) * Double(v[i]) }
        let norm = max(Float(s.squareRoot()), epsilon)
        let inv = 1 / norm
        for i in 0..<n { v[i] *= inv }
        return norm
    }

    /// Turns dL/dy into dL/dx in place, given y = x/|x| and |x|:
    /// dx = (dy − y·(y·dy)) / |x|.
    @inlinable
    public static func backwardRow(_ y: UnsafePointer<Float>, norm: Float, _ d: UnsafeMutablePointer<Float>, _ n: Int) {
        var dot: Float = 0
        for i in 0..<n { dot += y[i] * d[i] }
        let inv = 1 / norm
        for i in 0..<n { d[i] = (d[i] - y[i] * dot) * inv }
    }
}
