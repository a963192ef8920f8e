/// The contract between the data half of the library and the model half.
///
/// The data side turns a click log into training and test samples; the model side
/// only ever sees `SampleBatch`es. A whole sample set is itself one big columnar
/// `SampleBatch`; the trainer draws mini-batches from it with `gather(_:)`.

/// Variable-length lists of ids, one list per sample, in CSR layout:
/// sample `i` owns `ids[offsets[i] ..< offsets[i+1]]` (and the same range of
/// `weights`, when present).
public struct RaggedIDs: Sendable, Equatable {
    public var offsets: [Int32]
    public var ids: [Int32]
    /// Optional per-id weights aligned with `ids` (the `items` history carries the
    /// clicks' ratings over the log's largest rating when the log has ratings, for
    /// weighted pooling); nil for unweighted columns.
    public var weights: [Float]?

    public init() { offsets = [0]; ids = []; weights = nil }
    public init(offsets: [Int32], ids: [Int32], weights: [Float]? = nil) {
        precondition(offsets.first == 0 && Int(offsets.last ?? 0) == ids.count)
        precondition(weights == nil || weights!.count == ids.count, "RaggedIDs: weights not aligned with ids")
        self.offsets = offsets; self.ids = ids; self.weights = weights
    }

    public var count: Int { offsets.count - 1 }
    public subscript(i: Int) -> ArraySlice<Int32> { ids[Int(offsets[i]) ..< Int(offsets[i + 1])] }

    /// Appends one row. Rows with and without weights may be mixed: a row without
    /// weights in a weighted column gets weight 1 per id, and the first weighted
    /// row gives the earlier rows weight 1, so `weights` stays aligned with `ids`.
    public mutating func append<S: Sequence>(_ list: S, weights w: [Float]? = nil) where S.Element == Int32 {
        let before = ids.count
        ids.append(contentsOf: list)
        if let w {
            precondition(w.count == ids.count - before, "append: \(w.count) weights for \(ids.count - before) ids")
            if weights == nil { weights = [Float](repeating: 1, count: before) }
            weights!.append(contentsOf: w)
        } else if weights != nil {
            weights!.append(contentsOf: repeatElement(1, count: ids.count - before))
        }
        offsets.append(Int32(ids.count))
    }

    /// The rows at `indices`, in that order. Sizes the output once and copies each
    /// row's ids (and weights) as a block: the trainer calls this for every
    /// mini-batch.
    public func gather<C: Collection>(_ indices: C) -> RaggedIDs where C.Element == Int {
        // The list bounds are checked once per row here (offsets[i] ... offsets[i+1]
        // inside ids, and in order); the copies below then index raw pointers. Rows are
        // mostly one or a few ids, so an inline loop beats a memmove per row.
        var outOffsets = [Int32]()
        outOffsets.reserveCapacity(indices.count + 1)
        outOffsets.append(0)
        var total = 0
        let n = ids.count
        offsets.withUnsafeBufferPointer { op in
            precondition(op.count >= 1)
            for i in indices {
                precondition(i >= 0 && i + 1 < op.count, "gather: row \(i) out of range")
                let lo = Int(op[i]), hi = Int(op[i + 1])
                precondition(lo <= hi && hi <= n && lo >= 0, "gather: malformed id lists")
                total += hi - lo
                outOffsets.append(Int32(total))
            }
        }
        if weights != nil { precondition(weights!.count == n, "gather: weights not aligned with ids") }
        let outIDs = Self.gatherLists(ids, offsets: offsets, indices: indices, total: total)
        let outWeights = weights.map { Self.gatherLists($0, offsets: offsets, indices: indices, total: total) }
        return RaggedIDs(offsets: outOffsets, ids: outIDs, weights: outWeights)
    }

    /// The lists `indices` of `values` (split by `offsets`, already checked), end
    /// to end: `total` elements, copied through pointers (no per-element checks).
    private static func gatherLists<T>(_ values: [T], offsets: [Int32], indices: some Sequence<Int>, total: Int) -> [T] {
        [T](unsafeUninitializedCapacity: total) { dst, count in
            if total > 0 { values.withUnsafeBufferPointer { src in
                offsets.withUnsafeBufferPointer { op in
                    var o = 0
                    for i in indices {
                        let lo = Int(op[i]), len = Int(op[i + 1]) &- lo
                        let s = src.baseAddress! + lo, d = dst.baseAddress! + o
                        for k in 0..<len { (d + k).initialize(to: s[k]) }
                        o &+= len
                    }
                }
            } }
            count = total
        }
    }
}

/// What a named input feature is, so the model can size its embedding tables.
public struct FeatureInfo: Sendable, Equatable {
    public enum Kind: String, Sendable { case single, multi, sequence, dense }
    public var name: String
    public var kind: Kind
    /// Number of distinct ids (ids are 0 ..< vocabularySize); 1 for dense features.
    public var vocabularySize: Int
    public init(name: String, kind: Kind, vocabularySize: Int) {
        self.name = name; self.kind = kind; self.vocabularySize = vocabularySize
    }
}

/// Samples in columnar form. Feature names used by the recipes:
/// - single: `user_id`, `province`, `city`, `phone` (one id per sample)
/// - sequence: `items` (the clicked items before the target, oldest first)
/// - multi: `categories`, `tags` (of the clicked items in the history)
/// - dense: `example_age`
public struct SampleBatch: Sendable {
    public var count: Int
    /// The clicked (target) item of each sample, an id in the item vocabulary.
    public var labels: [Int32]
    /// The user each sample belongs to: an index into the log's users (`UserDirectory`),
    /// not the `user_id` feature, which folds rare users into `<unk>`; -1 for a new user.
    public var users: [Int32]
    public var sparse: [String: RaggedIDs]
    public var dense: [String: [Float]]

    public init(count: Int = 0, labels: [Int32] = [], users: [Int32] = [],
                sparse: [String: RaggedIDs] = [:], dense: [String: [Float]] = [:]) {
        self.count = count; self.labels = labels; self.users = users
        self.sparse = sparse; self.dense = dense
    }

    /// The samples at `indices`, in that order (a mini-batch).
    public func gather<C: Collection>(_ indices: C) -> SampleBatch where C.Element == Int {
        SampleBatch(
            count: indices.count,
            labels: indices.map { labels[$0] },
            users: users.isEmpty ? [] : indices.map { users[$0] },
            sparse: sparse.mapValues { $0.gather(indices) },
            dense: dense.mapValues { col in indices.map { col[$0] } }
        )
    }
}
