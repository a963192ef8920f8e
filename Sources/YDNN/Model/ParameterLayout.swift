/// Every parameter tensor of a model, declared once (llm.c's `ParameterTensors`):
/// name, shape, owning layer, role in that layer and initialisation, in the fixed
/// order of the checkpoint and the optimizer. `Model` allocates and initialises
/// from it, `Network` binds its layers to it, `summary()` reads shapes from it and
/// `Checkpoint` checks a file's names and shapes against it. A new layer kind is
/// added here and nowhere else names its tensors.
///
///     let layout = ParameterLayout(spec: spec, features: data.features, itemCount: data.itemCount)
///     layout.tensors.map(\.name)          // ["embedding.user_id", ..., "output.w", "output.b"]
///     layout.index(.dense(0), .weight)    // position of "dense1.w"
public struct ParameterLayout: Equatable, Sendable {
    /// The layer a tensor belongs to: one row of the summary, one layer of the network.
    public enum Owner: Hashable, Sendable {
        /// `spec.encoders[i]`.
        case encoder(Int)
        /// `spec.hidden[i]` (shown as dense\(i + 1)).
        case dense(Int)
        case output
        /// `spec.itemTower.encoders[i]`.
        case itemEncoder(Int)
        /// `spec.itemTower.hidden[i]`; index `hidden.count` is the tower's projection.
        case itemDense(Int)
    }

    /// What a tensor is to its layer; (owner, role) identifies a tensor.
    public enum Role: String, Sendable {
        /// An encoder's embedding table (vocabulary × dim).
        case table
        /// LSTM input-to-gates weights (dim × 4·hidden).
        case inputWeights
        /// LSTM hidden-to-gates weights (hidden × 4·hidden).
        case recurrentWeights
        /// Attention's learned query (1 × dim).
        case query
        /// A dense layer's or the output layer's weights.
        case weight
        /// A dense layer's, the LSTM's gate or the output layer's bias.
        case bias
        /// A dense layer's batch norm: the trained scale γ and shift β (1 × units) …
        case normScale, normShift
        /// … and its running mean and variance (1 × units): state, not trained.
        case runningMean, runningVariance
    }

    /// How `Model.init` fills a tensor. Every rule draws from its own named RNG
    /// stream, so adding a layer never shifts another layer's initial weights.
    public enum Initialization: Equatable, Sendable {
        /// N(0, std²) from the stream "init.NAME".
        case gaussian(std: Float)
        /// Zeros (the output bias: training first sets it to log q, see `Model.initializeOutputBias`).
        case zeros
        /// Ones (a batch norm's γ and running variance, as PyTorch starts them).
        case ones
        /// With the other tensors of its LSTM, from one stream: uniform Glorot weights,
        /// forget-gate bias 1 (`LSTMEncoder.initialize`).
        case lstm(stream: String)
        /// With its layer's other tensor, from one stream: uniform Glorot (He-scaled
        /// for ReLU) weights and a zero bias (`Dense.initialize`).
        case dense(relu: Bool, stream: String)
        /// With its layer's other tensor, from one stream: weights and bias uniform in
        /// ±1/√fan_in, PyTorch's nn.Linear default (`init dense=pytorch`).
        case fanInUniform(stream: String)
    }

    public struct Tensor: Equatable, Sendable {
        public let name: String
        public let rows: Int
        public let cols: Int
        /// Embedding-like: a batch touches few rows, so gradients and updates are per row.
        public let sparse: Bool
        public let owner: Owner
        public let role: Role
        public let initialization: Initialization
        /// False for state that the forward pass keeps (a batch norm's running
        /// statistics): saved with the model, never given a gradient or an optimizer update.
        public var trainable: Bool { role != .runningMean && role != .runningVariance }

        public var count: Int { rows * cols }
        /// "943×64", as the summary prints it.
        public var shape: String { "\(rows)×\(cols)" }
    }

    public let tensors: [Tensor]

    /// The layout `Model(spec:features:itemCount:seed:)` allocates. A feature the
    /// spec reads but `features` lacks gets a 0-row table (the spec's own
    /// validation reports it; the checkpoint reader only compares shapes).
    public init(spec: ModelSpec, features: [FeatureInfo], itemCount: Int) {
        var out: [Tensor] = []
        func add(_ name: String, _ rows: Int, _ cols: Int, sparse: Bool = false, _ owner: Owner, _ role: Role,
                 _ initialization: Initialization) {
            out.append(Tensor(name: name, rows: rows, cols: cols, sparse: sparse, owner: owner, role: role,
                              initialization: spec.initialization?.rule(for: owner, role, initialization) ?? initialization))
        }
        for (i, e) in spec.encoders.enumerated() {
            let vocab = features.first { $0.name == e.feature }?.vocabularySize ?? 0
            let t = e.tableName
            // A shared encoder reads the output item table, declared below.
            if e.shared { continue }
            add(t, vocab, e.dim, sparse: true, .encoder(i), .table, .gaussian(std: 0.1))
            switch e.kind {
            case .embedding: break
            case .lstm:
                let h = e.hidden, rule = Initialization.lstm(stream: "init." + t + ".lstm")
                add(t + ".wx", e.dim, 4 * h, .encoder(i), .inputWeights, rule)
                add(t + ".wh", h, 4 * h, .encoder(i), .recurrentWeights, rule)
                add(t + ".b", 1, 4 * h, .encoder(i), .bias, rule)
            case .attention:
                add(t + ".query", 1, e.dim, .encoder(i), .query, .gaussian(std: 0.1))
            }
        }
        var width = spec.concatDimension
        for (i, h) in spec.hidden.enumerated() {
            let rule = Initialization.dense(relu: h.activation == .relu, stream: "init.dense\(i + 1)")
            add("dense\(i + 1).w", width, h.units, .dense(i), .weight, rule)
            add("dense\(i + 1).b", 1, h.units, .dense(i), .bias, rule)
            if h.norm == .batch {
                // PyTorch's BatchNorm1d names: weight (γ), bias (β), running_mean, running_var.
                add("dense\(i + 1).gamma", 1, h.units, .dense(i), .normScale, .ones)
                add("dense\(i + 1).beta", 1, h.units, .dense(i), .normShift, .zeros)
                add("dense\(i + 1).running_mean", 1, h.units, .dense(i), .runningMean, .zeros)
                add("dense\(i + 1).running_var", 1, h.units, .dense(i), .runningVariance, .ones)
            }
            width = h.units
        }
        let d = spec.towerDimension
        // With an item tower the free vectors start at zero: the tower's part alone
        // is the first vector of every item (see ItemTower). A shared encoder
        // (`pool items avg shared=on`) looks its ids up in this table too.
        add("output.w", itemCount, d, sparse: true, .output, .weight,
            spec.itemTower == nil ? .gaussian(std: 1 / Float(d).squareRoot()) : .zeros)
        if spec.output.bias { add("output.b", itemCount, 1, sparse: true, .output, .bias, .zeros) }
        if let tower = spec.itemTower {
            for (i, e) in tower.encoders.enumerated() {
                let vocab = features.first { $0.name == e.feature }?.vocabularySize ?? 0
                add("item.embedding.\(e.feature)", vocab, e.dim, sparse: true, .itemEncoder(i), .table, .gaussian(std: 0.1))
            }
            var width = tower.concatDimension
            for (i, units) in (tower.hidden.map(\.units) + [d]).enumerated() {
                let last = i == tower.hidden.count
                let name = last ? "item.out" : "item.dense\(i + 1)"
                let rule = Initialization.dense(relu: !last && tower.hidden[i].activation == .relu, stream: "init." + name)
                add(name + ".w", width, units, .itemDense(i), .weight, rule)
                add(name + ".b", 1, units, .itemDense(i), .bias, rule)
                width = units
            }
        }
        tensors = out
    }

    /// Position of the tensor with this owner and role (in `tensors` and `Model.parameters`).
    public func index(_ owner: Owner, _ role: Role) -> Int? {
        tensors.firstIndex { $0.owner == owner && $0.role == role }
    }

    public func index(named name: String) -> Int? { tensors.firstIndex { $0.name == name } }

    /// The tensors of one layer, in order.
    public func tensors(of owner: Owner) -> [Tensor] { tensors.filter { $0.owner == owner } }

    /// Scalars over all tensors, running statistics included (what the model file stores).
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.count } }

    /// Bytes of the weights (Float32).
    public var weightBytes: Int { parameterCount * MemoryLayout<Float>.size }
}
