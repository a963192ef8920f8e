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
    /// Optional per-id weights (e.g. ratings for weighted pooling).
    public var weights: [Float]?

    public init() { offsets = [0]; ids = []; weights = nil }
    public init(offsets: [Int32], ids: [Int32], weights: [Float]? = nil) {
        precondition(offsets.first == 0 && Int(offsets.last ?? 0) == ids.count)
        self.offsets = offsets; self.ids = ids; self.weights = weights
    }

    public var count: Int { offsets.count - 1 }
    public subscript(i: Int) -> ArraySlice<Int32> { ids[Int(offsets[i]) ..< Int(offsets[i + 1])] }

    public mutating func append<S: Sequence>(_ list: S, weights w: [Float]? = nil) where S.Element == Int32 {
        ids.append(contentsOf: list)
        if let w { weights = (weights ?? []) + w }
        offsets.append(Int32(ids.count))
    }

    /// The rows at `indices`, in that order.
    public func gather<C: Collection>(_ indices: C) -> RaggedIDs where C.Element == Int {
        var out = RaggedIDs()
        out.offsets.reserveCapacity(indices.count + 1)
        for i in indices {
            let r = Int(offsets[i]) ..< Int(offsets[i + 1])
            out.ids.append(contentsOf: ids[r])
            if let weights { out.weights = (out.weights ?? []) + weights[r] }
            out.offsets.append(Int32(out.ids.count))
        }
        return out
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
    /// The user each sample belongs to (user vocabulary id), for evaluation.
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
