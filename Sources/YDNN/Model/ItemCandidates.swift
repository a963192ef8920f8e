/// The output item table's rows that one batch scores, gathered into a compact
/// matrix: the losses work on these few rows (GEMMs over U candidates instead of the
/// whole catalogue) and scatter their gradients back as sparse rows.
///
/// When the model normalises, the compact copy holds ŵ = w/|w| and `scatter`
/// chains the gradient back through the normalisation. With an item tower a row is
/// w_i plus the tower's output for item i, and `scatter` chains into the tower too.
final class ItemCandidates {
    let weight: Parameter
    let bias: Parameter?
    let normalize: Bool
    let tower: ItemTower?
    private(set) var ids: [Int32] = []
    /// U×D candidate rows (normalised when `normalize`).
    private(set) var w: [Float] = []
    private(set) var b: [Float] = []
    private var norms: [Float] = []
    private var slot: [Int32]
    /// Per candidate: scored without its free vector this step (item tower id dropout).
    private var dropped: [Bool] = []
    /// Gradient w.r.t. the compact rows, filled by the loss.
    var dw: [Float] = []
    var db: [Float] = []

    init(weight: Parameter, bias: Parameter?, normalize: Bool, tower: ItemTower? = nil) {
        precondition(tower.map { $0.outputDimension == weight.cols } ?? true)
        self.weight = weight; self.bias = bias; self.normalize = normalize; self.tower = tower
        slot = [Int32](repeating: -1, count: weight.rows)
    }

    var count: Int { ids.count }
    var dim: Int { weight.cols }

    /// Collects the distinct ids in first-seen order and copies their rows.
    func build<S: Sequence>(_ requested: S) where S.Element == Int32 {
        for id in ids { slot[Int(id)] = -1 }
        ids.removeAll(keepingCapacity: true)
        for id in requested where slot[Int(id)] < 0 {
            slot[Int(id)] = Int32(ids.count)
            ids.append(id)
        }
        let d = dim, u = ids.count
        w = .zeros(u * d); b = .zeros(u); norms = [Float](repeating: 1, count: u)
        dw = .zeros(u * d); db = .zeros(u)
        let towerPart = tower?.forward(ids)
        dropped = tower.map { t in ids.map(t.dropsFreeVector) } ?? []
        weight.value.withUnsafeBufferPointer { src in
            w.withUnsafeMutableBufferPointer { dst in
                for (s, id) in ids.enumerated() {
                    let row = dst.baseAddress! + s * d
                    if dropped.isEmpty || !dropped[s] { row.update(from: src.baseAddress! + Int(id) * d, count: d) }
                    if let towerPart { for j in 0..<d { row[j] += towerPart[s * d + j] } }
                    if normalize { norms[s] = L2Normalize.normalizeRow(row, d) }
                }
            }
        }
        if let bias { for (s, id) in ids.enumerated() { b[s] = bias.value[Int(id)] } }
    }

    /// Compact index of an id passed to `build`.
    @inline(__always) func index(_ id: Int32) -> Int { Int(slot[Int(id)]) }

    /// Adds scale·dw and scale·db into the parameter gradients.
    func scatter(dWeight: Gradient, dBias: Gradient?, scale: Float) {
        let d = dim
        w.withUnsafeBufferPointer { wp in
            dw.withUnsafeMutableBufferPointer { gp in
                let ids = ids, norms = norms, normalize = normalize, dropped = dropped
                dWeight.accumulateRows { acc in
                    for (s, id) in ids.enumerated() {
                        let g = gp.baseAddress! + s * d
                        if normalize { L2Normalize.backwardRow(wp.baseAddress! + s * d, norm: norms[s], g, d) }
                        if dropped.isEmpty || !dropped[s] { acc.add(row: Int(id), g, scale: scale) }
                    }
                }
            }
        }
        // The row's gradient (after the normalisation's) is also the tower output's.
        if let tower { tower.backward(dw.map { $0 * scale }) }
        if let dBias { for (s, id) in ids.enumerated() { dBias.add(row: Int(id), col: 0, scale * db[s]) } }
    }
}

/// What every output layer offers the network.
public protocol OutputLoss: AnyObject {
    /// Gradients of the output table (and bias), in a fixed order.
    var gradients: [Gradient] { get }
    var flops: Double { get }
    /// Probability of each item under the noise distribution (NCE's q, log-Q correction).
    var noise: [Float] { get set }
    /// Scores `rows` user vectors (rows × D) against their labels and returns the
    /// summed loss. `negatives`: rows×k per-sample ids (NCE) or k shared ids (sampled
    /// softmax); ignored by the other losses.
    func forward(user: [Float], rows: Int, labels: [Int32], negatives: [Int32]) -> Double
    /// Accumulates the table gradients scaled by `scale` (1/batch size) and returns dL/d(user)·scale.
    func backward(scale: Float) -> [Float]
}
