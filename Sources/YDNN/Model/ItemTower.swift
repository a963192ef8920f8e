/// The item tower: an item's output vector built from its features as well as its
/// own free vector, so an item that no training click ever reached still gets a
/// vector that means something and can be retrieved, indexed and mined.
///
///     v_i = w_i + out(dense…(concat_f pool_f(E_f[values of feature f of item i])))
///
/// w_i is the free per-item vector (`output.w`, Paddle's nce_w); with a tower it
/// starts at zero, so at first every item is what its features say and training
/// adds what its clicks say beyond that. An item never clicked in training keeps a
/// w_i near zero (it moves only when drawn as a negative) and is ranked by its
/// features. The tower's encoders are the user tower's `EmbeddingPool`s and its
/// layers `Dense`s, so forward and backward are the tested ones.
///
///     item_tower categories tags dim=16 hidden=64
///     spec.itemTower = ItemTowerSpec(features: ["categories", "tags"], dim: 16, hidden: [DenseSpec(64)])

public struct ItemTowerSpec: Codable, Equatable, Sendable {
    /// One embedding per item feature, pooled over the item's values (genres of a movie).
    public var encoders: [EncoderSpec]
    /// Hidden layers; a linear projection to the user tower's width always follows.
    public var hidden: [DenseSpec]
    /// Training only: the chance that a candidate item is scored without its free
    /// vector (as DropoutNet, Volkovs et al. 2017), so the tower learns to place an
    /// item by its features alone — which is all a cold item has. Decided per
    /// (batch, item), so shards and thread counts agree.
    public var idDropout: Double

    public init(encoders: [EncoderSpec], hidden: [DenseSpec] = [], idDropout: Double = 0) {
        self.encoders = encoders; self.hidden = hidden; self.idDropout = idDropout
    }

    public init(features: [String], dim: Int, pool: Pooling = .avg, hidden: [DenseSpec] = [], idDropout: Double = 0) {
        self.init(encoders: features.map { .embedding($0, dim: dim, pool: pool) }, hidden: hidden, idDropout: idDropout)
    }

    public var concatDimension: Int { encoders.reduce(0) { $0 + $1.outputDimension } }

    func validate(features: [FeatureInfo]) throws {
        if encoders.isEmpty { throw ModelError.invalidSpec("item_tower needs at least one item feature") }
        var seen = Set<String>()
        for e in encoders {
            guard let f = features.first(where: { $0.name == e.feature }) else {
                throw ModelError.unknownFeature(e.feature, known: features.filter { $0.kind == .single || $0.kind == .multi }.map(\.name))
            }
            if f.kind == .dense || f.kind == .sequence {
                throw ModelError.invalidSpec("item_tower: '\(e.feature)' is a \(f.kind.rawValue) feature, not an item's categorical or list value")
            }
            if e.kind != .embedding || e.pool == .last || e.weighted || e.lastSlot {
                throw ModelError.invalidSpec("item_tower \(e.feature): only pooled embeddings (avg, sum, max)")
            }
            if e.dim < 1 { throw ModelError.invalidSpec("item_tower \(e.feature): dimension must be positive") }
            if !seen.insert(e.feature).inserted { throw ModelError.invalidSpec("item_tower names '\(e.feature)' twice") }
        }
        if !(0..<1).contains(idDropout) { throw ModelError.invalidSpec("item_tower id_dropout must lie in [0, 1), got \(idDropout)") }
        for (i, h) in hidden.enumerated() where h.units < 1 {
            throw ModelError.invalidSpec("item_tower hidden layer \(i + 1): size must be positive")
        }
        // A batch norm needs the whole batch's statistics; the tower scores varying candidate sets.
        for (i, h) in hidden.enumerated() where h.norm != .none {
            throw ModelError.invalidSpec("item_tower hidden layer \(i + 1): the item tower has no norm=")
        }
    }
}

/// The item tower's data: for each of its features, the values of every item id
/// (0 ..< itemCount) in that feature's vocabulary ids. Part of the model, saved in
/// its file, because the tower cannot score an item without them.
public struct ItemInputs: Equatable, Sendable {
    /// In the tower's feature order.
    public var columns: [(name: String, rows: RaggedIDs)]

    public init(columns: [(name: String, rows: RaggedIDs)]) { self.columns = columns }

    public func rows(_ name: String) -> RaggedIDs? { columns.first { $0.name == name }?.rows }

    public static func == (a: ItemInputs, b: ItemInputs) -> Bool {
        a.columns.count == b.columns.count && zip(a.columns, b.columns).allSatisfy { $0.name == $1.name && $0.rows == $1.rows }
    }

    /// Checks that the inputs cover `spec`'s features, one row per item, every id inside its vocabulary.
    func validate(_ spec: ItemTowerSpec, features: [FeatureInfo], itemCount: Int) throws {
        for e in spec.encoders {
            guard let rows = rows(e.feature) else {
                throw ModelError.invalidSpec("item_tower: the data has no per-item values of '\(e.feature)'")
            }
            guard rows.count == itemCount else {
                throw ModelError.invalidSpec("item_tower: '\(e.feature)' has values for \(rows.count) items, the catalogue has \(itemCount)")
            }
            let vocab = features.first { $0.name == e.feature }?.vocabularySize ?? 0
            if let bad = rows.ids.first(where: { $0 < 0 || Int($0) >= vocab }) {
                throw ModelError.invalidSpec("item_tower: '\(e.feature)' has id \(bad) outside its vocabulary of \(vocab)")
            }
        }
    }

    /// The checkpoint's bytes: count, then per column its name, offsets and ids (little-endian UInt32s).
    func encoded() -> [UInt8] {
        var out = Checkpoint.encode(strings: columns.map(\.name))
        for (_, r) in columns {
            Checkpoint.append(UInt32(r.offsets.count), to: &out)
            for o in r.offsets { Checkpoint.append(UInt32(bitPattern: o), to: &out) }
            Checkpoint.append(UInt32(r.ids.count), to: &out)
            for i in r.ids { Checkpoint.append(UInt32(bitPattern: i), to: &out) }
        }
        return out
    }

    static func decode(_ bytes: [UInt8]) throws -> ItemInputs {
        let names = try Checkpoint.decode(strings: bytes)
        var offset = Checkpoint.encode(strings: names).count
        func array() throws -> [Int32] {
            guard offset + 4 <= bytes.count else { throw ModelError.checkpoint("the item tower's inputs are truncated") }
            let n = Int(Checkpoint.readU32(bytes, offset)); offset += 4
            guard n <= (bytes.count - offset) / 4 else { throw ModelError.checkpoint("the item tower's inputs are truncated") }
            let out = (0..<n).map { Int32(bitPattern: Checkpoint.readU32(bytes, offset + 4 * $0)) }
            offset += 4 * n
            return out
        }
        var columns: [(name: String, rows: RaggedIDs)] = []
        for name in names {
            let offsets = try array(), ids = try array()
            guard offsets.first == 0, Int(offsets.last ?? -1) == ids.count, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw ModelError.checkpoint("the item tower's values of '\(name)' are malformed")
            }
            columns.append((name, RaggedIDs(offsets: offsets, ids: ids)))
        }
        guard offset == bytes.count else { throw ModelError.checkpoint("the item tower's inputs have trailing bytes") }
        return ItemInputs(columns: columns)
    }
}

/// One worker's item tower: the pooled feature embeddings, the hidden layers and
/// the projection, for the items one batch scores.
public final class ItemTower {
    let inputs: ItemInputs
    let encoders: [EmbeddingPool]
    /// Hidden layers, then the projection (no activation) to the output width.
    let layers: [Dense]
    let width: Int
    let idDropout: Double
    let seed: UInt64
    /// Set by `Network.step` for a training step (the batch's number); nil otherwise, so
    /// scoring, validation and item vectors never drop anything.
    var dropoutSalt: UInt64?
    private var rows = 0

    init(spec: ItemTowerSpec, inputs: ItemInputs, tables: [Parameter], layers: [(weight: Parameter, bias: Parameter)], seed: UInt64) {
        precondition(tables.count == spec.encoders.count && layers.count == spec.hidden.count + 1)
        self.inputs = inputs
        idDropout = spec.idDropout
        self.seed = seed
        encoders = zip(spec.encoders, tables).map { EmbeddingPool(spec: $0, table: $1) }
        self.layers = layers.enumerated().map { i, p in
            Dense(weight: p.weight, bias: p.bias, relu: i < spec.hidden.count && spec.hidden[i].activation == .relu)
        }
        width = spec.concatDimension
    }

    /// Whether this training step scores item `id` without its free vector.
    @inline(__always) func dropsFreeVector(_ id: Int32) -> Bool {
        guard idDropout > 0, let salt = dropoutSalt else { return false }
        // SplitMix64 of (seed, batch, item): the same answer in every shard.
        var z = seed ^ (salt &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(UInt32(bitPattern: id)) &* 0xD1B5_4A32_D192_ED03)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * (1.0 / 9_007_199_254_740_992.0) < idDropout
    }

    var gradients: [Gradient] { encoders.flatMap(\.gradients) + layers.flatMap { [$0.dWeight, $0.dBias] } }
    var flops: Double { encoders.reduce(0) { $0 + $1.flops } + layers.reduce(0) { $0 + $1.flops } }
    var outputDimension: Int { layers.last!.outputs }

    /// The tower's part of the vectors of `ids` (ids.count × outputDimension).
    func forward<C: Collection>(_ ids: C) -> [Float] where C.Element == Int32 {
        rows = ids.count
        var x = [Float].zeros(rows * width)
        var offset = 0
        for enc in encoders {
            let values = ItemTower.gather(inputs.rows(enc.spec.feature)!, ids)
            let out = enc.forward(values)
            let d = enc.outputDimension
            Columns.place(out, width: d, into: &x, width: width, at: offset, rows: rows)
            offset += d
        }
        for layer in layers { x = layer.forward(x, rows: rows) }
        return x
    }

    /// Accumulates the tower's gradients from dL/d(forward's output).
    func backward(_ dOutput: [Float]) {
        var g = dOutput
        for layer in layers.reversed() { g = layer.backward(g) }
        var offset = 0
        for enc in encoders {
            let d = enc.outputDimension
            enc.backward(Columns.take(g, width: width, at: offset, count: d, rows: rows))
            offset += d
        }
    }

    /// The value lists of the given items, in their order.
    static func gather<C: Collection>(_ rows: RaggedIDs, _ ids: C) -> RaggedIDs where C.Element == Int32 {
        var out = RaggedIDs()
        out.offsets.reserveCapacity(ids.count + 1)
        for id in ids {
            let i = Int(id)
            out.ids.append(contentsOf: rows.ids[Int(rows.offsets[i]) ..< Int(rows.offsets[i + 1])])
            out.offsets.append(Int32(out.ids.count))
        }
        return out
    }
}

extension SampleSet {
    /// The inputs of `tower`, or an error naming the features items do have.
    public func itemInputs(for tower: ItemTowerSpec) throws -> ItemInputs {
        var columns: [(name: String, rows: RaggedIDs)] = []
        for e in tower.encoders {
            guard let rows = itemFeatureRows(e.feature) else {
                throw ModelError.unknownFeature(e.feature, known: itemFeatureNames)
            }
            columns.append((e.feature, rows))
        }
        return ItemInputs(columns: columns)
    }
}
