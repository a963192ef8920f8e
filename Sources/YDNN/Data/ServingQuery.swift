/// The serving sample of an unseen user given only a click history (Paddle's
/// user-vector inference), cut with the same history rule as training.
/// Known users are served by `servingBatch(users:)`.
extension SampleSet {
    /// One sample for a new user who clicked `historyKeys` (oldest first): the
    /// user features are `<unk>`, `example_age` is 0. Unknown or rare items drop
    /// out, as they do from training histories; the pad is added as in training.
    /// When the samples are weighted (`hasWeights`), every given click weighs 1,
    /// the weight of the log's best rating: a query carries no ratings.
    public func query(historyKeys: [String]) throws -> (sample: SampleBatch, unknown: [String]) {
        var ids: [Int32] = []
        var unknown: [String] = []
        for k in historyKeys {
            if let id = items.id(ofKey: k) { ids.append(id) } else { unknown.append(k) }
        }
        var history: [Int32]
        switch options.history {
        case .window(let n):
            let padded = [Int32(0)] + ids
            history = Array(padded[max(0, padded.count - n)...])
        case .recent(let n):
            history = Array(ids.suffix(n))
            if history.isEmpty { history = [0] }
        }
        let vocab = items.vocab, log = items.log
        var categories: [Int32] = [], tags: [Int32] = []
        for id in history {
            guard id > 0 else { categories.append(0); tags.append(0); continue }
            let raw = Int(vocab.items.rawIDs[Int(id)])
            categories.append(vocab.categories.idOfRaw[Int(log.itemCategory[raw])])
            let t = log.tags(ofItem: raw).map { vocab.tags.idOfRaw[Int($0)] }
            tags.append(contentsOf: t)
        }
        let single = RaggedIDs(offsets: [0, 1], ids: [0])
        var dense: [String: [Float]] = [:]
        if feature("example_age") != nil { dense["example_age"] = [0] }
        let itemColumn = RaggedIDs(offsets: [0, Int32(history.count)], ids: history,
                                   weights: hasWeights ? [Float](repeating: 1, count: history.count) : nil)
        var sparse = ["user_id": single, "province": single, "city": single, "phone": single,
                      "items": itemColumn,
                      "categories": RaggedIDs(offsets: [0, Int32(categories.count)], ids: categories),
                      "tags": RaggedIDs(offsets: [0, Int32(tags.count)], ids: tags)]
        // A new user: declared user features are <unk> (numbers the median), no context.
        let extra = context.declared.columns(users: [-1], history: itemColumn, events: nil)
        sparse.merge(extra.sparse) { a, _ in a }
        dense.merge(extra.dense) { a, _ in a }
        for t in context.tokenInputs { sparse[t.stream.name] = t.column(users: [-1], times: [0]) }
        let sample = SampleBatch(count: 1, labels: [0], users: [-1], sparse: sparse, dense: dense)
        return (sample, unknown)
    }
}
