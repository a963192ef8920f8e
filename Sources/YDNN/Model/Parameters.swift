import YDNNKernels

/// A learnable matrix (rows × cols, row-major). Parameters are shared by every
/// training worker; only the optimizer writes them, between batches, so workers
/// may read them concurrently during forward and backward.
public final class Parameter: @unchecked Sendable {
    public let name: String
    public let rows: Int
    public let cols: Int
    /// Embedding-like tables where a batch touches few rows: their gradients are
    /// kept per row and the optimizer updates only those rows (lazy Adam).
    public let sparse: Bool
    public var value: [Float]

    public init(name: String, rows: Int, cols: Int, sparse: Bool = false, value: [Float]? = nil) {
        self.name = name; self.rows = rows; self.cols = cols; self.sparse = sparse
        self.value = value ?? .zeros(rows * cols)
        precondition(self.value.count == rows * cols, "parameter \(name): wrong value count")
    }

    public var count: Int { rows * cols }

    /// Uniform in ±scale (Glorot-style when scale = sqrt(6/(fanIn+fanOut))).
    public func initUniform(_ scale: Float, _ rng: inout RNG) {
        for i in 0..<value.count { value[i] = (rng.nextFloat() * 2 - 1) * scale }
    }

    public func initGaussian(_ std: Float, _ rng: inout RNG) {
        for i in 0..<value.count { value[i] = rng.nextGaussian() * std }
    }
}

/// The gradient of one parameter, owned by one worker. Dense parameters keep a full
/// buffer; sparse ones keep only the touched rows, in first-touch order (never a
/// dictionary: its iteration order changes from run to run and would break
/// determinism).
public final class Gradient: @unchecked Sendable {
    public let parameter: Parameter
    /// Full gradient (dense parameters only).
    public var dense: [Float]
    /// Touched rows (sparse parameters only), in first-touch order.
    public private(set) var touched: [Int32] = []
    /// Values of the touched rows: row `touched[s]` is at `rowValues[s*cols ..< (s+1)*cols]`.
    public private(set) var rowValues: [Float] = []
    /// Row → slot in `touched`, or -1.
    private var slot: [Int32]
    /// One row of zeros (sparse parameters): appended as a block when a row is first
    /// touched, a contiguous copy instead of an element-by-element append.
    private let zeroRow: [Float]

    public init(_ parameter: Parameter) {
        self.parameter = parameter
        dense = parameter.sparse ? [] : .zeros(parameter.count)
        slot = parameter.sparse ? [Int32](repeating: -1, count: parameter.rows) : []
        zeroRow = parameter.sparse ? .zeros(parameter.cols) : []
    }

    public var isSparse: Bool { parameter.sparse }

    /// grad[row] += scale · src[0..<cols]
    public func addRow(_ row: Int, _ src: UnsafePointer<Float>, scale: Float = 1) {
        let cols = parameter.cols
        if !parameter.sparse {
            dense.withUnsafeMutableBufferPointer { d in Vec.axpy(scale, src, d.baseAddress! + row * cols, cols) }
            return
        }
        let s = slotIndex(row)
        rowValues.withUnsafeMutableBufferPointer { d in Vec.axpy(scale, src, d.baseAddress! + s * cols, cols) }
    }

    /// Many `addRow`s in a row, through `body`'s accumulator: the storage is moved
    /// into the accumulator for the duration (one access to this object instead of
    /// several per row) and back afterwards. Same additions, same order.
    public func accumulateRows(_ body: (inout RowAccumulator) -> Void) {
        var acc = RowAccumulator(cols: parameter.cols, rows: parameter.rows, sparse: parameter.sparse, zeroRow: zeroRow)
        swap(&acc.dense, &dense); swap(&acc.slot, &slot); swap(&acc.touched, &touched); swap(&acc.rowValues, &rowValues)
        body(&acc)
        swap(&acc.dense, &dense); swap(&acc.slot, &slot); swap(&acc.touched, &touched); swap(&acc.rowValues, &rowValues)
    }

    /// The storage of a `Gradient` while `accumulateRows` runs.
    public struct RowAccumulator {
        let cols: Int, rows: Int, sparse: Bool, zeroRow: [Float]
        var dense: [Float] = [], slot: [Int32] = [], touched: [Int32] = [], rowValues: [Float] = []

        /// grad[row] += scale · src[0..<cols]
        public mutating func add(row: Int, _ src: UnsafePointer<Float>, scale: Float = 1) {
            precondition(row >= 0 && row < rows, "gradient: row \(row) out of range")
            let cols = cols
            if !sparse {
                dense.withUnsafeMutableBufferPointer { d in Vec.axpy(scale, src, d.baseAddress! + row * cols, cols) }
                return
            }
            var s = Int(slot[row])
            if s < 0 {
                s = touched.count
                slot[row] = Int32(s)
                touched.append(Int32(row))
                rowValues.append(contentsOf: zeroRow)
            }
            rowValues.withUnsafeMutableBufferPointer { d in Vec.axpy(scale, src, d.baseAddress! + s * cols, cols) }
        }
    }

    /// grad[row][col] += v
    public func add(row: Int, col: Int, _ v: Float) {
        if !parameter.sparse { dense[row * parameter.cols + col] += v; return }
        rowValues[slotIndex(row) * parameter.cols + col] += v
    }

    func slotIndex(_ row: Int) -> Int {
        let s = slot[row]
        if s >= 0 { return Int(s) }
        let n = touched.count
        slot[row] = Int32(n)
        touched.append(Int32(row))
        rowValues.append(contentsOf: zeroRow)
        return n
    }

    /// The gradient as a full matrix (tests, small tables).
    public func toDense() -> [Float] {
        if !parameter.sparse { return dense }
        var out = [Float].zeros(parameter.count)
        let c = parameter.cols
        for (s, r) in touched.enumerated() {
            for j in 0..<c { out[Int(r) * c + j] = rowValues[s * c + j] }
        }
        return out
    }

    public func zero() {
        if !parameter.sparse {
            dense.withUnsafeMutableBufferPointer { d in d.update(repeating: 0) }
            return
        }
        for r in touched { slot[Int(r)] = -1 }
        touched.removeAll(keepingCapacity: true)
        rowValues.removeAll(keepingCapacity: true)
    }

    /// Slots of the touched rows ordered by row, so an update walks the table (and
    /// the optimizer's moments) front to back instead of jumping around in memory.
    /// Scans the row map when many rows were touched, sorts otherwise.
    public func slotsInRowOrder() -> [Int] {
        if touched.count * 16 > parameter.rows {
            var out: [Int] = []
            out.reserveCapacity(touched.count)
            slot.withUnsafeBufferPointer { sp in for r in 0..<sp.count where sp[r] >= 0 { out.append(Int(sp[r])) } }
            return out
        }
        // Rows are distinct, so sorting (row, slot) keys packed in one integer gives
        // the same order as sorting slots by row, without a closure reading the
        // stored array per comparison.
        var keys = touched.enumerated().map { UInt64(UInt32(bitPattern: $1)) << 32 | UInt64($0) }
        keys.sort()
        return keys.map { Int($0 & 0xFFFF_FFFF) }
    }

    /// Entries to update (touched rows × cols for sparse parameters).
    public var workSize: Int { parameter.sparse ? rowValues.count : dense.count }

    /// Whether every entry is finite (no NaN or infinity).
    public var isFinite: Bool { isFinite(headroom: 1) }

    /// Whether every entry times `headroom` is finite. With headroom k, a sum of k
    /// such gradients is finite too (each |entry| ≤ FLT_MAX/k), so k workers can each
    /// check their own shard's gradient, concurrently, before the optimizer sums them.
    public func isFinite(headroom: Float) -> Bool {
        let values = parameter.sparse ? rowValues : dense
        return values.withUnsafeBufferPointer { $0.isEmpty || allFinite($0.baseAddress!, $0.count, times: headroom) }
    }

    /// self += other, visiting other's rows in their order: a fixed-order reduction,
    /// so the same shards always give bit-identical sums.
    public func accumulate(_ other: Gradient) {
        precondition(other.parameter === parameter)
        if !parameter.sparse {
            dense.withUnsafeMutableBufferPointer { d in
                other.dense.withUnsafeBufferPointer { o in
                    for i in 0..<d.count { d[i] += o[i] }
                }
            }
            return
        }
        // Through the accumulator: one access to this object's storage for all rows,
        // not one per row (per-row access was 40% of summing the 1-wide output bias).
        let c = parameter.cols
        other.rowValues.withUnsafeBufferPointer { o in
            other.touched.withUnsafeBufferPointer { rows in
                accumulateRows { acc in
                    for s in 0..<rows.count { acc.add(row: Int(rows[s]), o.baseAddress! + s * c) }
                }
            }
        }
    }
}
