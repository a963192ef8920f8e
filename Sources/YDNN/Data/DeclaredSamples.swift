/// The declared features of a log in vocabulary ids and quantiles, ready to add
/// their columns to samples. Built only when the log declares something, so the
/// Paddle format's samples are cut exactly as before.
///
/// What a sample gets, by the column's scope (see `FeatureScope`):
/// - user: the user's value(s), `<unk>` (or the median 0.5) for a new user;
/// - item: the bag of the values of the history's items (the pad's is `<unk>`),
///   or the mean quantile over the history's real items for a number;
/// - event: the value of the sample's target click, known at serving time as the
///   request's context; `<unk>` (0.5) when serving without a click.
struct DeclaredInputs {
    enum Rows {
        /// Ids per row, CSR (offsets nil: one id per row).
        case ids(offsets: [Int32]?, ids: [Int32])
        /// A quantile per row.
        case numbers([Float])
    }
    struct Input {
        let name: String
        let scope: FeatureScope
        /// Rows per user index, per item vocabulary id, or per log click.
        let rows: Rows
    }
    let inputs: [Input]

    var isEmpty: Bool { inputs.isEmpty }
    var hasEvents: Bool { inputs.contains { $0.scope == .event } }

    init(log: ClickLog, vocab: Vocabularies) {
        var out: [Input] = []
        let itemOf = vocab.items.idOfRaw
        for c in log.declared {
            if c.kind == .continuous {
                guard let scale = vocab.declared.scale(c.name) else { continue }
                var q: [Float]
                if c.scope == .item {
                    // Per item id; the pad/<unk> item 0 has no number.
                    q = [Float](repeating: .nan, count: vocab.items.size)
                    for r in 0..<log.numItems where itemOf[r] > 0 { q[Int(itemOf[r])] = scale.quantile(c.numbers[r]) }
                } else {
                    q = c.numbers.map { scale.quantile($0) }
                }
                out.append(Input(name: c.name, scope: c.scope, rows: .numbers(q)))
                continue
            }
            guard let v = vocab.declared.vocabulary(c.name) else { continue }
            let map = v.idOfRaw
            if c.scope == .item {
                var offsets: [Int32] = [0], ids: [Int32] = []
                var rawOfID = [Int32](repeating: -1, count: vocab.items.size)
                for r in 0..<log.numItems where itemOf[r] > 0 { rawOfID[Int(itemOf[r])] = Int32(r) }
                for id in 0..<vocab.items.size {
                    let r = rawOfID[id]
                    if r < 0 { ids.append(0) } else { ids.append(contentsOf: c.valueIDs(ofRow: Int(r)).map { map[Int($0)] }) }
                    offsets.append(Int32(ids.count))
                }
                out.append(Input(name: c.name, scope: .item, rows: .ids(offsets: offsets, ids: ids)))
            } else {
                out.append(Input(name: c.name, scope: c.scope, rows: .ids(offsets: c.offsets, ids: c.ids.map { map[Int($0)] })))
            }
        }
        inputs = out
    }

    /// The declared columns of `n` samples: `users[k]` is sample k's user index
    /// (-1: a new user), `history` its history in item ids (the pad is 0), and
    /// `events[k]` its target click in the log (-1: none), nil when no click is known.
    func columns(users: [Int32], history: RaggedIDs, events: [Int32]?) -> (sparse: [String: RaggedIDs], dense: [String: [Float]]) {
        var sparse: [String: RaggedIDs] = [:], dense: [String: [Float]] = [:]
        let n = users.count
        for input in inputs {
            let rowOf: (Int) -> Int
            switch input.scope {
            case .user: rowOf = { Int(users[$0]) }
            case .event: rowOf = { k in events.map { Int($0[k]) } ?? -1 }
            case .item: rowOf = { _ in -1 }
            }
            switch input.rows {
            case .numbers(let q):
                var col = [Float](repeating: 0.5, count: n)
                if input.scope == .item {
                    for k in 0..<n {
                        var sum: Float = 0, count = 0
                        for id in history[k] where id > 0 && !q[Int(id)].isNaN { sum += q[Int(id)]; count += 1 }
                        if count > 0 { col[k] = sum / Float(count) }
                    }
                } else {
                    for k in 0..<n { let r = rowOf(k); if r >= 0 { col[k] = q[r] } }
                }
                for t in ContinuousTransform.allCases { dense[t.column(input.name)] = col.map(t.apply) }
            case .ids(let offsets, let ids):
                var out = RaggedIDs()
                out.offsets.reserveCapacity(n + 1)
                func row(_ r: Int) -> ArraySlice<Int32> {
                    guard let o = offsets else { return ids[r ... r] }
                    return ids[Int(o[r]) ..< Int(o[r + 1])]
                }
                if input.scope == .item {
                    for k in 0..<n { for id in history[k] { out.ids.append(contentsOf: row(Int(id))) }; out.offsets.append(Int32(out.ids.count)) }
                } else {
                    for k in 0..<n {
                        let r = rowOf(k)
                        if r >= 0 { out.ids.append(contentsOf: row(r)) } else { out.ids.append(0) }
                        out.offsets.append(Int32(out.ids.count))
                    }
                }
                sparse[input.name] = out
            }
        }
        return (sparse, dense)
    }
}
