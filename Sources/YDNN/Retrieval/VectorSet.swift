import Foundation

/// Errors of the retrieval half: bad shapes, unreadable or corrupt files. The
/// messages are meant to be shown to a user as they are.
public enum RetrievalError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(String)
    case invalidArgument(String)
    case io(path: String, reason: String)
    case corruptFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .shapeMismatch(let s): return "shape mismatch: \(s)"
        case .invalidArgument(let s): return s
        case .io(let path, let reason): return "\(path): \(reason)"
        case .corruptFile(let path, let reason): return "\(path): corrupt or unreadable index file (\(reason))"
        }
    }
}

/// A dense set of `count` vectors of `dimension` floats, stored row-major. This is
/// the only currency of the retrieval code: user vectors, item vectors, queries.
/// (Named apart from the model's tensors on purpose: it carries no gradient and
/// no shape beyond rows x columns.)
public struct VectorSet: Sendable, Equatable {
    public private(set) var count: Int
    public let dimension: Int
    /// `count * dimension` floats, row `i` at `i * dimension ..< (i + 1) * dimension`.
    public private(set) var values: [Float]

    public init(count: Int, dimension: Int, values: [Float]) throws {
        guard dimension > 0 else { throw RetrievalError.invalidArgument("vector dimension must be positive") }
        guard count >= 0, values.count == count * dimension else {
            throw RetrievalError.shapeMismatch("\(values.count) values cannot form \(count) x \(dimension)")
        }
        self.count = count
        self.dimension = dimension
        self.values = values
    }

    /// An all-zero set, to be filled through `setRow`.
    public init(zeros count: Int, dimension: Int) {
        precondition(dimension > 0 && count >= 0, "VectorSet needs a positive dimension")
        self.count = count
        self.dimension = dimension
        self.values = [Float](repeating: 0, count: count * dimension)
    }

    public init(rows: [[Float]]) throws {
        guard let d = rows.first?.count, d > 0 else {
            throw RetrievalError.invalidArgument("VectorSet(rows:) needs at least one non-empty row")
        }
        guard rows.allSatisfy({ $0.count == d }) else {
            throw RetrievalError.shapeMismatch("rows of different lengths")
        }
        try self.init(count: rows.count, dimension: d, values: rows.flatMap { $0 })
    }

    public func row(_ i: Int) -> [Float] {
        precondition(i >= 0 && i < count, "row \(i) out of range 0..<\(count)")
        return Array(values[i * dimension ..< (i + 1) * dimension])
    }

    public mutating func setRow(_ i: Int, _ row: [Float]) {
        precondition(i >= 0 && i < count && row.count == dimension, "setRow: bad index or length")
        values.replaceSubrange(i * dimension ..< (i + 1) * dimension, with: row)
    }

    public mutating func append(_ row: [Float]) {
        precondition(row.count == dimension, "append: row has \(row.count) values, expected \(dimension)")
        values.append(contentsOf: row)
        count += 1
    }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: [Int]) -> VectorSet {
        var out = [Float]()
        out.reserveCapacity(indices.count * dimension)
        for i in indices { out.append(contentsOf: values[i * dimension ..< (i + 1) * dimension]) }
        return try! VectorSet(count: indices.count, dimension: dimension, values: out)
    }

    /// Euclidean norm of every row (accumulated in Double so long rows stay exact).
    public func norms() -> [Float] {
        var out = [Float](repeating: 0, count: count)
        values.withUnsafeBufferPointer { v in
            for i in 0..<count {
                var s = 0.0
                for j in 0..<dimension { let x = Double(v[i * dimension + j]); s += x * x }
                out[i] = Float(s.squareRoot())
            }
        }
        return out
    }

    /// Every row scaled to unit length; zero rows stay zero.
    public func normalized() -> VectorSet {
        var copy = self
        let n = norms()
        copy.values.withUnsafeMutableBufferPointer { v in
            for i in 0..<count where n[i] > 0 {
                let inv = 1 / n[i]
                for j in 0..<dimension { v[i * dimension + j] *= inv }
            }
        }
        return copy
    }

    /// Each row with `column[i]` put in front: user vector `[1, dense]`, item vector `[b_i, w_i]`.
    public func prepending(column: [Float]) -> VectorSet {
        precondition(column.count == count, "prepending: \(column.count) values for \(count) rows")
        var out = [Float]()
        out.reserveCapacity(count * (dimension + 1))
        for i in 0..<count {
            out.append(column[i])
            out.append(contentsOf: values[i * dimension ..< (i + 1) * dimension])
        }
        return try! VectorSet(count: count, dimension: dimension + 1, values: out)
    }

    /// Each row with `column[i]` appended at the end.
    public func appending(column: [Float]) -> VectorSet {
        precondition(column.count == count, "appending: \(column.count) values for \(count) rows")
        var out = [Float]()
        out.reserveCapacity(count * (dimension + 1))
        for i in 0..<count {
            out.append(contentsOf: values[i * dimension ..< (i + 1) * dimension])
            out.append(column[i])
        }
        return try! VectorSet(count: count, dimension: dimension + 1, values: out)
    }

    /// `count` vectors drawn uniformly from the unit sphere (normalised Gaussians);
    /// the benchmark and test fixtures, reproducible from `seed`.
    public static func randomUnit(count: Int, dimension: Int, seed: UInt64, stream: String = "vectors") -> VectorSet {
        var rng = RNG(seed: seed, stream: stream)
        var set = VectorSet(zeros: count, dimension: dimension)
        set.values.withUnsafeMutableBufferPointer { v in
            for i in 0..<(count * dimension) { v[i] = rng.nextGaussian() }
        }
        return set.normalized()
    }

    // MARK: building the model's vectors

    /// The recipe's user vector `[1, last dense output]`: the leading 1 meets the item bias.
    public static func userVectors(denseOutput: VectorSet) -> VectorSet {
        denseOutput.prepending(column: [Float](repeating: 1, count: denseOutput.count))
    }

    /// The recipe's item vector `[b_i, w_i]` from the output layer's bias and weight rows,
    /// so that `user . item = b_i + w_i . dense` is exactly the model's logit.
    public static func itemVectors(bias: [Float], weights: VectorSet) throws -> VectorSet {
        guard bias.count == weights.count else {
            throw RetrievalError.shapeMismatch("\(bias.count) biases for \(weights.count) item weight rows")
        }
        return weights.prepending(column: bias)
    }
}
