/// The description of a candidate-generation network, built statement by statement
/// by the command layer and stored verbatim in checkpoints.
///
/// The network is: every encoder turns one sparse feature of a sample into a vector;
/// the vectors and the raw dense inputs are concatenated; hidden layers follow; the
/// result (optionally L2-normalised) is the user vector, scored against an output
/// item table by the loss.
///
///     var spec = ModelSpec()
///     spec.encoders = [.embedding("user_id", dim: 64), .lstm("items", hidden: 64, pool: .max)]
///     spec.hidden = [DenseSpec(256), DenseSpec(31)]
///     spec.output = .nce(negatives: 5, noise: .frequency)
public struct ModelSpec: Codable, Equatable, Sendable {
    public var encoders: [EncoderSpec] = []
    /// Dense per-sample inputs (`SampleBatch.dense` columns, e.g. `example_age`)
    /// appended to the concatenation as they are.
    public var denseInputs: [String] = []
    public var hidden: [DenseSpec] = []
    /// L2-normalise the user vector and the item vectors; logits are then divided by `temperature`.
    public var normalize: Bool = false
    public var temperature: Float = 1
    public var output: OutputSpec = .nce()
    /// Item vectors built from item features as well as a free vector per item
    /// (`item_tower`); nil: a free vector per item only (Paddle's nce_w).
    public var itemTower: ItemTowerSpec? = nil
    /// Initial draws other than ydnn's own (`init embedding_std= dense=`); nil: ydnn's.
    public var initialization: InitSpec? = nil

    public init() {}

    /// The input width of the first hidden layer.
    public var concatDimension: Int { encoders.reduce(0) { $0 + $1.outputDimension } + denseInputs.count }

    /// The width of the user tower's output (before the output layer's bias slot).
    public var towerDimension: Int { hidden.last?.units ?? concatDimension }

    /// Checks the spec against the features the data provides.
    public func validate(features: [FeatureInfo], itemCount: Int) throws {
        if encoders.isEmpty && denseInputs.isEmpty { throw ModelError.invalidSpec("the model has no inputs: add an embedding or encoder") }
        if itemCount < 2 { throw ModelError.invalidSpec("the item catalogue needs at least 2 items, got \(itemCount)") }
        var tables = Set<String>()
        for e in encoders {
            guard let f = features.first(where: { $0.name == e.feature }) else {
                throw ModelError.unknownFeature(e.feature, known: features.map(\.name))
            }
            if f.kind == .dense { throw ModelError.invalidSpec("feature '\(e.feature)' is dense; list it in denseInputs instead of embedding it") }
            if f.vocabularySize < 1 { throw ModelError.invalidSpec("feature '\(e.feature)' has an empty vocabulary") }
            if e.dim < 1 { throw ModelError.invalidSpec("\(e.kind.rawValue) \(e.feature): dimension must be positive") }
            if e.kind == .lstm && e.hidden < 1 { throw ModelError.invalidSpec("lstm \(e.feature): hidden size must be positive") }
            if e.kind == .lstm && !(e.pool == .max || e.pool == .last) { throw ModelError.invalidSpec("lstm \(e.feature): pool must be max or last") }
            if e.kind == .embedding && e.pool == .last { throw ModelError.invalidSpec("embed \(e.feature): pool must be avg, sum or max") }
            if !tables.insert(e.tableName).inserted { throw ModelError.invalidSpec("feature '\(e.feature)' has two \(e.kind.rawValue) encoders") }
        }
        for e in encoders where e.shared { try validateShared(e, features: features, itemCount: itemCount) }
        for d in denseInputs where !features.contains(where: { $0.name == d && $0.kind == .dense }) {
            throw ModelError.unknownFeature(d, known: features.filter { $0.kind == .dense }.map(\.name))
        }
        for (i, h) in hidden.enumerated() where h.units < 1 { throw ModelError.invalidSpec("dense layer \(i + 1): size must be positive") }
        if let itemTower { try itemTower.validate(features: features) }
        if !(temperature > 0) { throw ModelError.invalidSpec("temperature must be positive") }
        switch output.loss {
        case .nce, .sampledSoftmax:
            if output.negatives < 1 { throw ModelError.invalidSpec("\(output.loss.rawValue): negatives must be at least 1") }
        case .fullSoftmax, .inBatch: break
        }
        if output.perSample && output.loss != .sampledSoftmax {
            throw ModelError.invalidSpec("per-sample negatives go with sampled softmax (nce always draws per sample)")
        }
        switch output.noise {
        case .uniform: break
        case .frequency(let p):
            if !(p.isFinite && p >= 0) { throw ModelError.invalidSpec("noise frequency power must be finite and non-negative, got \(p)") }
        case .damped(let t):
            if !(t.isFinite && t > 0) { throw ModelError.invalidSpec("noise damping threshold must be positive, got \(t)") }
        }
    }
}

extension ModelSpec {
    /// A shared encoder's ids index the output item table, whose rows are the item
    /// vectors the user vector is scored against: the ids must be item ids, the
    /// widths equal, and the table the whole item vector.
    private func validateShared(_ e: EncoderSpec, features: [FeatureInfo], itemCount: Int) throws {
        let command = "pool \(e.feature) shared=on"
        guard e.kind == .embedding else {
            throw ModelError.invalidSpec("\(e.kind.rawValue) \(e.feature): only a pooled embedding shares the output item table (\(command))")
        }
        let f = features.first { $0.name == e.feature }
        guard f?.kind == .sequence, f?.vocabularySize == itemCount else {
            throw ModelError.invalidSpec("\(command): the output item table has one row per item (\(itemCount)), so only the "
                                         + "click history of item ids (items) can share it; '\(e.feature)' holds other ids")
        }
        if itemTower != nil {
            throw ModelError.invalidSpec("\(command) cannot go with item_tower: an item's vector is then its free row plus "
                                         + "the tower's part, and the free rows start at zero, so the history would pool "
                                         + "zeros and never see what the tower says; drop shared=on or item_tower")
        }
        guard e.dim == towerDimension else {
            let width = hidden.last.map { "the last dense layer's \($0.units)" } ?? "the concatenation's \(concatDimension)"
            throw ModelError.invalidSpec("\(command): the history's embeddings are the item vectors, so dim=\(e.dim) must equal "
                                         + "the user tower's output width, \(width): use dim=\(towerDimension)")
        }
    }
}

/// `init embedding_std=S dense=glorot|pytorch`: how the weights are first drawn,
/// for a comparison with another implementation at its settings (torch-rechub
/// draws every embedding table, the item table included, from N(0, 1e-4) and
/// keeps PyTorch's Linear default). Measured on the mean-pool recipe with
/// BatchNorm and the shared item table, 3 seeds: hr@50 0.135 with ydnn's draws,
/// 0.215 with torch-rechub's.
public struct InitSpec: Codable, Equatable, Sendable {
    public enum Dense: String, Codable, Sendable, CaseIterable {
        /// Uniform Glorot weights (He-scaled for ReLU), zero bias: ydnn's.
        case glorot
        /// Weights and bias uniform in ±1/√fan_in: PyTorch's nn.Linear.
        case pytorch
    }
    /// N(0, std²) for every embedding table (the encoders', the item tower's, the
    /// output item table); nil: ydnn's (0.1, the output table 1/√width).
    public var embeddingStd: Float?
    public var dense: Dense

    public init(embeddingStd: Float? = nil, dense: Dense = .glorot) { self.embeddingStd = embeddingStd; self.dense = dense }

    /// The rule for a tensor whose ydnn rule is `rule`.
    func rule(for owner: ParameterLayout.Owner, _ role: ParameterLayout.Role,
              _ rule: ParameterLayout.Initialization) -> ParameterLayout.Initialization {
        switch rule {
        case .gaussian where role == .table || (owner == .output && role == .weight):
            return embeddingStd.map { .gaussian(std: $0) } ?? rule
        case .dense(_, let stream) where dense == .pytorch: return .fanInUniform(stream: stream)
        default: return rule
        }
    }
}

public enum Pooling: String, Codable, Sendable, CaseIterable {
    case avg, sum, max, last
}

/// One input encoder: an embedding table plus a way to turn a sample's id list into
/// one vector.
public struct EncoderSpec: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// Embedding lookup, pooled over the ids (`embed`, `pool`).
        case embedding
        /// Embedding lookup, then an LSTM over the sequence, pooled over time.
        case lstm
        /// Embedding lookup, then softmax attention with a learned query.
        case attention
    }
    public var kind: Kind
    public var feature: String
    /// Embedding width.
    public var dim: Int
    /// LSTM hidden size (LSTM only).
    public var hidden: Int
    public var pool: Pooling
    /// Weight each id by `RaggedIDs.weights` (e.g. rating) when pooling.
    public var weighted: Bool
    /// Also emit the embedding of the sequence's last id in a slot of its own.
    public var lastSlot: Bool
    /// Look the ids up in the output item table (`output.w`) instead of a table of
    /// their own (`pool items avg shared=on`, torch-rechub's `shared_with="item_id"`):
    /// the history's item embedding is the item vector the loss scores.
    public var shared: Bool = false

    public init(kind: Kind, feature: String, dim: Int, hidden: Int = 0, pool: Pooling = .avg,
                weighted: Bool = false, lastSlot: Bool = false, shared: Bool = false) {
        self.kind = kind; self.feature = feature; self.dim = dim; self.hidden = hidden
        self.pool = pool; self.weighted = weighted; self.lastSlot = lastSlot; self.shared = shared
    }

    /// `embed FEATURE DIM pool=...` and `pool FEATURE avg|sum|max [shared=on]`.
    public static func embedding(_ feature: String, dim: Int, pool: Pooling = .avg, weighted: Bool = false,
                                 lastSlot: Bool = false, shared: Bool = false) -> EncoderSpec {
        EncoderSpec(kind: .embedding, feature: feature, dim: dim, pool: pool, weighted: weighted, lastSlot: lastSlot,
                    shared: shared)
    }

    /// `lstm FEATURE HIDDEN pool=max|last`; the embedding width defaults to the hidden size.
    public static func lstm(_ feature: String, hidden: Int, dim: Int? = nil, pool: Pooling = .max,
                            lastSlot: Bool = false) -> EncoderSpec {
        EncoderSpec(kind: .lstm, feature: feature, dim: dim ?? hidden, hidden: hidden, pool: pool, lastSlot: lastSlot)
    }

    /// `attention FEATURE`: self-attention pooling.
    public static func attention(_ feature: String, dim: Int, weighted: Bool = false, lastSlot: Bool = false) -> EncoderSpec {
        EncoderSpec(kind: .attention, feature: feature, dim: dim, pool: .sum, weighted: weighted, lastSlot: lastSlot)
    }

    public var outputDimension: Int { (kind == .lstm ? hidden : dim) + (lastSlot ? dim : 0) }

    /// Name of the embedding table parameter.
    public var tableName: String { "\(kind.rawValue).\(feature)" }
}

public struct DenseSpec: Codable, Equatable, Sendable {
    public enum Activation: String, Codable, Sendable, CaseIterable { case relu, none }
    /// What runs between the affine map and the activation (`dense 128 relu norm=batch`).
    public enum Normalization: String, Codable, Sendable, CaseIterable {
        case none
        /// Batch normalisation (Ioffe & Szegedy 2015) as PyTorch's BatchNorm1d: see `BatchNorm`.
        case batch
    }
    public var units: Int
    public var activation: Activation
    public var norm: Normalization = .none
    public init(_ units: Int, _ activation: Activation = .relu, norm: Normalization = .none) {
        self.units = units; self.activation = activation; self.norm = norm
    }
}

public struct OutputSpec: Codable, Equatable, Sendable {
    public enum Loss: String, Codable, Sendable {
        /// Paddle's NCE: logistic loss on the true item vs `negatives` noise items per sample.
        case nce
        /// Softmax over the true item and `negatives` sampled items: shared by the
        /// batch, or drawn for each sample with `perSample`.
        case sampledSoftmax = "sampled_softmax"
        /// Exact softmax over the whole catalogue.
        case fullSoftmax = "full_softmax"
        /// Softmax over the true item and the other samples' true items in the batch.
        case inBatch = "in_batch"
    }
    /// The distribution noise / negative items are drawn from, with its parameter,
    /// so one name never stands for two distributions: `damped` is always threshold
    /// damping (as `damping positives=T`), a power of the frequency is `frequency`.
    public enum Noise: Equatable, Sendable, CustomStringConvertible {
        case uniform
        /// Proportional to (label count + 1)^power: power 1 is Paddle's `item_freq`
        /// noise, 0.75 word2vec's damping of popular items.
        case frequency(power: Double)
        /// Label share f times the probability that positive damping with threshold t
        /// keeps it: min(f, sqrt(f·t) + t), the head flattened, the tail untouched.
        case damped(threshold: Double)

        /// Frequency to the power 1.
        public static var frequency: Noise { .frequency(power: 1) }

        /// "uniform", "frequency", "frequency^0.75", "damped(t=0.001)": what `summary` prints.
        public var description: String {
            switch self {
            case .uniform: return "uniform"
            case .frequency(let p): return p == 1 ? "frequency" : "frequency^\(p)"
            case .damped(let t): return "damped(t=\(t))"
            }
        }
    }
    public var loss: Loss
    /// Negatives per sample (NCE, sampled softmax with `perSample`) or per batch
    /// (sampled softmax).
    public var negatives: Int
    public var noise: Noise
    /// Subtract log Q(item) from sampled logits (sampled and in-batch softmax).
    public var logQ: Bool
    /// A per-item bias; the item vector is then [b_i, w_i] and the user vector [1, u].
    public var bias: Bool
    /// Sampled softmax only: every sample draws its own `negatives` (as torch-rechub
    /// and DeepMatch do) instead of the batch sharing one draw. Costs a dot product
    /// per sample and negative instead of one GEMM over the shared candidates.
    public var perSample: Bool = false

    public init(loss: Loss, negatives: Int = 5, noise: Noise = .frequency, logQ: Bool = true, bias: Bool = true,
                perSample: Bool = false) {
        self.loss = loss; self.negatives = negatives; self.noise = noise; self.logQ = logQ; self.bias = bias
        self.perSample = perSample
    }

    /// How many negatives the output layer takes per row of a batch (0: one shared set or none).
    public var negativesPerRow: Int {
        loss == .nce || (loss == .sampledSoftmax && perSample) ? negatives : 0
    }

    public static func nce(negatives: Int = 5, noise: Noise = .frequency) -> OutputSpec {
        OutputSpec(loss: .nce, negatives: negatives, noise: noise, logQ: false, bias: true)
    }
    public static func sampledSoftmax(negatives: Int, noise: Noise = .frequency, logQ: Bool = true, bias: Bool = false,
                                      perSample: Bool = false) -> OutputSpec {
        OutputSpec(loss: .sampledSoftmax, negatives: negatives, noise: noise, logQ: logQ, bias: bias, perSample: perSample)
    }
    public static func fullSoftmax(bias: Bool = true) -> OutputSpec {
        OutputSpec(loss: .fullSoftmax, negatives: 0, noise: .uniform, logQ: false, bias: bias)
    }
    public static func inBatch(logQ: Bool = true, noise: Noise = .frequency) -> OutputSpec {
        OutputSpec(loss: .inBatch, negatives: 0, noise: noise, logQ: logQ, bias: false)
    }
}

/// Errors of the model half, worded for the person at the REPL.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case invalidSpec(String)
    case unknownFeature(String, known: [String])
    case missingFeature(String)
    case checkpoint(String)

    public var description: String {
        switch self {
        case .invalidSpec(let m): return "invalid model: \(m)"
        case .unknownFeature(let f, let known):
            return "unknown feature '\(f)'" + (known.isEmpty ? "" : " (available: \(known.joined(separator: ", ")))")
        case .missingFeature(let f): return "the batch has no column '\(f)' that the model needs"
        case .checkpoint(let m): return "cannot load model: \(m)"
        }
    }
}

// `shared` and `norm` are written only when set, as `OutputSpec.perSample`: the
// files of models without them stay byte for byte what they were, and files
// without the keys read as off.
extension EncoderSpec {
    private enum CodingKeys: String, CodingKey { case kind, feature, dim, hidden, pool, weighted, lastSlot, shared }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: try c.decode(Kind.self, forKey: .kind), feature: try c.decode(String.self, forKey: .feature),
                  dim: try c.decode(Int.self, forKey: .dim), hidden: try c.decode(Int.self, forKey: .hidden),
                  pool: try c.decode(Pooling.self, forKey: .pool), weighted: try c.decode(Bool.self, forKey: .weighted),
                  lastSlot: try c.decode(Bool.self, forKey: .lastSlot),
                  shared: try c.decodeIfPresent(Bool.self, forKey: .shared) ?? false)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind); try c.encode(feature, forKey: .feature); try c.encode(dim, forKey: .dim)
        try c.encode(hidden, forKey: .hidden); try c.encode(pool, forKey: .pool); try c.encode(weighted, forKey: .weighted)
        try c.encode(lastSlot, forKey: .lastSlot)
        if shared { try c.encode(shared, forKey: .shared) }
    }
}

extension DenseSpec {
    private enum CodingKeys: String, CodingKey { case units, activation, norm }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(try c.decode(Int.self, forKey: .units), try c.decode(Activation.self, forKey: .activation),
                  norm: try c.decodeIfPresent(Normalization.self, forKey: .norm) ?? .none)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(units, forKey: .units); try c.encode(activation, forKey: .activation)
        if norm != .none { try c.encode(norm, forKey: .norm) }
    }
}

extension OutputSpec {
    private enum CodingKeys: String, CodingKey { case loss, negatives, noise, logQ, bias, perSample }

    /// `perSample` is written only when set, so files of shared-negative models stay
    /// byte for byte what they were, and files without it read as shared negatives.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(loss: try c.decode(Loss.self, forKey: .loss), negatives: try c.decode(Int.self, forKey: .negatives),
                  noise: try c.decode(Noise.self, forKey: .noise), logQ: try c.decode(Bool.self, forKey: .logQ),
                  bias: try c.decode(Bool.self, forKey: .bias),
                  perSample: try c.decodeIfPresent(Bool.self, forKey: .perSample) ?? false)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(loss, forKey: .loss); try c.encode(negatives, forKey: .negatives)
        try c.encode(noise, forKey: .noise); try c.encode(logQ, forKey: .logQ); try c.encode(bias, forKey: .bias)
        if perSample { try c.encode(perSample, forKey: .perSample) }
    }
}

extension OutputSpec.Noise: Codable {
    private enum CodingKeys: String, CodingKey { case kind, power, threshold }

    /// Written as {"kind": "frequency", "power": 0.75} or {"kind": "damped", "threshold": 0.001}.
    /// Files of format 1 hold a bare "uniform", "frequency" or "damped"; that "damped"
    /// was what the library trained with, frequency^0.75, so it reads as that.
    public init(from decoder: Decoder) throws {
        if let legacy = try? decoder.singleValueContainer().decode(String.self) {
            switch legacy {
            case "uniform": self = .uniform
            case "frequency": self = .frequency
            case "damped": self = .frequency(power: 0.75)
            default:
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown noise '\(legacy)'"))
            }
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "uniform": self = .uniform
        case "frequency": self = .frequency(power: try c.decode(Double.self, forKey: .power))
        case "damped": self = .damped(threshold: try c.decode(Double.self, forKey: .threshold))
        case let k: throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown noise kind '\(k)'")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .uniform: try c.encode("uniform", forKey: .kind)
        case .frequency(let p): try c.encode("frequency", forKey: .kind); try c.encode(p, forKey: .power)
        case .damped(let t): try c.encode("damped", forKey: .kind); try c.encode(t, forKey: .threshold)
        }
    }
}

/// The data half's name for the same distributions (`negatives uniform|frequency|damped`):
/// the two convert one to one, so a spec records exactly what the sampler draws from.
extension OutputSpec.Noise {
    public init(_ distribution: NegativeDistribution) {
        switch distribution {
        case .uniform: self = .uniform
        case .frequency(let p): self = .frequency(power: p)
        case .damped(let t): self = .damped(threshold: t)
        }
    }
}

extension NegativeDistribution {
    public init(_ noise: OutputSpec.Noise) {
        switch noise {
        case .uniform: self = .uniform
        case .frequency(let p): self = .frequency(power: p)
        case .damped(let t): self = .damped(threshold: t)
        }
    }
}
