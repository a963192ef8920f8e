/// Maximum-inner-product search through a graph or hash index, by the SIMPLE-LSH
/// reduction: items become `[v, sqrt(m^2 - |v|^2)]` (all of norm m), queries
/// `[u, 0]`. Then `T(v) . Q(u) = u . v` exactly, so scores and ranking are the
/// inner products, while the index only ever sees vectors of one norm, where
/// "nearest by -dot" is a proper neighbourhood (cosine). Built directly on raw
/// vectors, HNSW's neighbour heuristic prunes almost every link of a large-norm
/// item and the graph falls apart (recall@10 was 0.0 on a trained model's items).
///
/// Unchecked Sendable: `inner` never changes and is one of this library's indexes,
/// which are all Sendable; the `VectorIndex` protocol itself does not say so.
public final class AugmentedInnerProductIndex: VectorIndex, @unchecked Sendable {
    public let inner: VectorIndex
    public var kind: String { inner.kind }
    public var count: Int { inner.count }
    public var dimension: Int { inner.dimension - 1 }
    public var metric: SimilarityMetric { .innerProduct }
    public var summary: String { inner.summary + " (SIMPLE-LSH augmented)" }

    /// `build` gets the augmented items (dimension + 1) and returns the index over them.
    public init(items: VectorSet, build: (VectorSet) throws -> VectorIndex) rethrows {
        inner = try build(SimpleLSH.transformItems(items, form: .appended).vectors)
    }

    /// An index already built over augmented items (e.g. read back from a file).
    public init(wrapping inner: VectorIndex) { self.inner = inner }

    public func search(_ query: [Float], k: Int, excluding: Set<Int>) -> [ScoredItem] {
        inner.search(query + [0], k: k, excluding: excluding)
    }

    public func searchBatch(_ queries: VectorSet, k: Int, excluding: [[Int]]?, threads: Int,
                            token: CancellationToken, progress: ((Int) -> Void)?) throws -> [[ScoredItem]] {
        try inner.searchBatch(queries.appending(column: [Float](repeating: 0, count: queries.count)),
                              k: k, excluding: excluding, threads: threads, token: token, progress: progress)
    }

    /// The original item vector (the augmented one without its last coordinate).
    public func itemVector(_ item: Int) -> [Float] { Array(inner.itemVector(item).dropLast()) }

    public func save(to path: String) throws { try inner.save(to: path) }
}
