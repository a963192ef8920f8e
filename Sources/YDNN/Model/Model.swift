import Foundation

/// A candidate-generation model: the spec, its parameters, and the noise
/// distribution of its output layer.
///
/// How the script commands map onto this API:
///
///     embed user_id 64                  spec.encoders.append(.embedding("user_id", dim: 64))
///     embed tags 64 pool=avg            spec.encoders.append(.embedding("tags", dim: 64, pool: .avg))
///     pool items avg dim=64 weighted    spec.encoders.append(.embedding("items", dim: 64, pool: .avg, weighted: true))
///     pool items avg dim=64 shared=on   spec.encoders.append(.embedding("items", dim: 64, pool: .avg, shared: true))
///     lstm items 64 pool=max            spec.encoders.append(.lstm("items", hidden: 64, pool: .max))
///     attention items dim=32            spec.encoders.append(.attention("items", dim: 32))
///     (last click in its own slot)      lastSlot: true on any of the three
///     example_age on                    spec.denseInputs.append("example_age")
///     dense 256 relu                    spec.hidden.append(DenseSpec(256, .relu))
///     dense 128 relu norm=batch         spec.hidden.append(DenseSpec(128, .relu, norm: .batch))
///     normalize temperature=0.05        spec.normalize = true; spec.temperature = 0.05
///     nce negatives=5 noise=frequency   spec.output = .nce(negatives: 5, noise: .frequency)
///     negatives DIST ...                spec.output.noise = OutputSpec.Noise(data.negatives)
///                                       (.uniform, .frequency(power:), .damped(threshold:))
///     softmax sampled=100 logq=on       spec.output = .sampledSoftmax(negatives: 100, logQ: true)
///     softmax sampled=100 per=sample    spec.output = .sampledSoftmax(negatives: 100, perSample: true)
///     softmax full                      spec.output = .fullSoftmax()
///     softmax inbatch logq=on           spec.output = .inBatch(logQ: true)
///
///     try spec.validateNegatives(itemCount: data.itemCount)             // before building
///     try spec.checkFitsInMemory(features: data.features, itemCount: data.itemCount,
///                                batchSize: 128, optimizer: .adam)       // refuses what cannot fit
///     let model = try Model(spec: spec, features: data.features, itemCount: data.itemCount, seed: 7)
///     print(model.summaryTable())                                        // summary
///     let report = try Trainer(TrainOptions(epochs: 3, batchSize: 128,
///                                           optimizer: OptimizerSpec(.adam, learningRate: 0.001, l2: 0),
///                                           threads: 2)).train(model, on: samples) { progress in ... }
///     print(report.message)                                              // completed / interrupted / NaN
///     let users = model.userVectors(for: testSamples)   // rows × vectorDimension
///     let items = model.itemVectors()                   // itemCount × vectorDimension
///     try model.save(to: "m.ydnn", extras: ["vocab.items": Checkpoint.encode(strings: names)])
///     let (loaded, extras) = try Model.load(from: "m.ydnn")        // trains on exactly where it stopped
///     try IndexFile.save(index, to: "i.idx", itemFingerprint: model.itemVectorFingerprint())
///     let index = try IndexFile.load(path: "i.idx", expectedItemFingerprint: model.itemVectorFingerprint())
///
/// Errors are `ModelError`s whose descriptions are meant for the person at the REPL.
public final class Model {
    public let spec: ModelSpec
    public let features: [FeatureInfo]
    public let itemCount: Int
    public let seed: UInt64
    /// The item tower's per-item feature values (nil without an item tower).
    public let itemInputs: ItemInputs?
    /// What `parameters` are: names, shapes, owners and initialisation, declared once.
    public let layout: ParameterLayout
    /// All parameters, in layout order (the checkpoint's and the optimizer's).
    public let parameters: [Parameter]
    /// Probability of each item under the noise / sampling distribution. The trainer
    /// sets it from the training labels (spec.output.noise); uniform until then.
    public private(set) var noise: [Float]

    /// Mean loss per sample of every training batch so far (for plots).
    public internal(set) var lossHistory: [Double] = []
    /// Epochs trained so far, over all `train` calls.
    public internal(set) var epochsTrained = 0
    /// Kept between `train` calls with the same optimizer settings, so Adam's moments
    /// carry over; saved in checkpoints.
    var optimizerState: Optimizer?
    /// The training run's streams, kept between `train` calls (nil after an
    /// interrupted or failed one: the next call starts a new run).
    var streams: TrainingStreams? { didSet { savedStreamPosition = nil } }
    /// A loaded checkpoint's run position, replayed by the next `train`.
    var savedStreamPosition: TrainingStreams.Position?

    /// Worker copies of the computation, created on demand (index 0 serves inference).
    private var workers: [Network] = []
    /// See `restrictFullSoftmax(toLabels:)`.
    private var fullSoftmaxItems: [Int32]?

    /// `itemInputs`: every item's values of the item tower's features (required
    /// with `spec.itemTower`, see `SampleSet.itemInputs(for:)`).
    public init(spec: ModelSpec, features: [FeatureInfo], itemCount: Int, seed: UInt64, itemInputs: ItemInputs? = nil) throws {
        try spec.validate(features: features, itemCount: itemCount)
        if let tower = spec.itemTower {
            guard let itemInputs else { throw ModelError.invalidSpec("item_tower needs the items' feature values") }
            try itemInputs.validate(tower, features: features, itemCount: itemCount)
        }
        self.spec = spec; self.features = features; self.itemCount = itemCount; self.seed = seed
        self.itemInputs = spec.itemTower == nil ? nil : itemInputs
        noise = [Float](repeating: 1 / Float(itemCount), count: itemCount)
        let layout = ParameterLayout(spec: spec, features: features, itemCount: itemCount)
        self.layout = layout
        let params = layout.tensors.map { Parameter(name: $0.name, rows: $0.rows, cols: $0.cols, sparse: $0.sparse) }
        parameters = params
        // Each rule has its own stream, so the order of this loop does not matter.
        var layersDone = Set<String>()
        for (t, p) in zip(layout.tensors, params) {
            func member(_ role: ParameterLayout.Role) -> Parameter { params[layout.index(t.owner, role)!] }
            switch t.initialization {
            case .gaussian(let std):
                var rng = RNG(seed: seed, stream: "init." + t.name)
                p.initGaussian(std, &rng)
            case .zeros: break
            case .ones: for i in 0..<p.count { p.value[i] = 1 }
            case .lstm(let stream):
                guard layersDone.insert(stream).inserted else { continue }
                var rng = RNG(seed: seed, stream: stream)
                LSTMEncoder.initialize(wx: member(.inputWeights), wh: member(.recurrentWeights), bias: member(.bias), &rng)
            case .dense(let relu, let stream):
                guard layersDone.insert(stream).inserted else { continue }
                var rng = RNG(seed: seed, stream: stream)
                Dense.initialize(weight: member(.weight), bias: member(.bias), relu: relu, &rng)
            case .fanInUniform(let stream):
                guard layersDone.insert(stream).inserted else { continue }
                var rng = RNG(seed: seed, stream: stream)
                let bound = 1 / Float(member(.weight).rows).squareRoot()
                member(.weight).initUniform(bound, &rng)
                member(.bias).initUniform(bound, &rng)
            }
        }
    }

    /// The parameter of `owner` with `role`, if the layout has one.
    public func parameter(_ owner: ParameterLayout.Owner, _ role: ParameterLayout.Role) -> Parameter? {
        layout.index(owner, role).map { parameters[$0] }
    }

    public func parameter(named name: String) -> Parameter? { layout.index(named: name).map { parameters[$0] } }

    public var parameterCount: Int { layout.parameterCount }

    /// Sets the noise distribution from item weights (e.g. label counts); every item
    /// keeps a small positive probability so NCE's log(k·q) and log-Q stay finite.
    public func setNoise(weights: [Double]) {
        precondition(weights.count == itemCount)
        noise = Model.noiseDistribution(weights: weights)
        for n in workers { n.loss.noise = noise }
    }

    /// The probabilities `setNoise(weights:)` gives (also for exports that build no model).
    public static func noiseDistribution(weights: [Double]) -> [Float] {
        let floor = max(weights.max() ?? 1, 1) * 1e-6
        let w = weights.map { max($0, floor) }
        let total = w.reduce(0, +)
        return w.map { Float($0 / total) }
    }

    /// Noise weights of the spec's kind from the labels' counts.
    public func setNoise(fromLabels labels: [Int32]) {
        var counts = [Double](repeating: 0, count: itemCount)
        for l in labels { counts[Int(l)] += 1 }
        switch spec.output.noise {
        case .uniform: counts = [Double](repeating: 1, count: itemCount)
        // Power 1 without pow(): the weights stay exactly the counts + 1.
        case .frequency(let p): counts = p == 1 ? counts.map { $0 + 1 } : counts.map { Foundation.pow($0 + 1, p) }
        case .damped(let t):
            // Add-one shares, so an item never seen as a label keeps a small weight as above.
            let total = counts.reduce(0, +) + Double(itemCount)
            counts = counts.map { c in
                let f = (c + 1) / total
                return f * Damping.keepProbability(share: f, threshold: t)
            }
        }
        setNoise(weights: counts)
    }

    /// Per item: whether some training label is that item.
    private func labelledItems(_ labels: [Int32]) -> [Bool] {
        var labelled = [Bool](repeating: false, count: itemCount)
        for l in labels { labelled[Int(l)] = true }
        return labelled
    }

    /// With an item tower, the full softmax trains over the items some training
    /// label reaches, as the sampled losses in effect do (their noise gives a
    /// never-clicked item a floor probability). Over the whole catalogue it would
    /// learn, every batch, that an item not yet in the training data is never
    /// clicked — and bury the cold items the tower is for (cold hr@50 0.00).
    func restrictFullSoftmax(toLabels labels: [Int32]) {
        guard spec.itemTower != nil, spec.output.loss == .fullSoftmax else { return }
        let labelled = labelledItems(labels)
        fullSoftmaxItems = (0..<Int32(itemCount)).filter { labelled[Int($0)] }
        for n in workers { (n.loss as? SoftmaxLoss)?.candidates = fullSoftmaxItems }
    }

    /// Starts the output bias at log q(item), the log-popularity prior of the training
    /// labels, so an untrained model already ranks like the most-popular baseline.
    /// Why: with a zero bias every item starts at σ(0) = 0.5 under NCE, and rare items,
    /// seldom drawn as noise, would keep that score for a long time and crowd the
    /// top of the ranking. Only for a fresh model; a no-op without a bias.
    ///
    /// With an item tower, an item without a training label gets the mean prior of
    /// the items with one instead of its floor probability: log q of the floor
    /// (about −14 on 1,000 items) would bury exactly the cold items the tower is
    /// there to recall (measured: cold hr@50 0.00 with NCE, 0.29 with the mean).
    func initializeOutputBias(labels: [Int32]) {
        guard lossHistory.isEmpty, let b = parameter(.output, .bias) else { return }
        for i in 0..<itemCount { b.value[i] = Foundation.log(noise[i]) }
        guard spec.itemTower != nil else { return }
        let labelled = labelledItems(labels)
        let warm = (0..<itemCount).filter { labelled[$0] }
        guard !warm.isEmpty else { return }
        let mean = warm.reduce(Float(0)) { $0 + b.value[$1] } / Float(warm.count)
        for i in 0..<itemCount where !labelled[i] { b.value[i] = mean }
    }

    func optimizer(for spec: OptimizerSpec) -> Optimizer {
        if let o = optimizerState, o.spec == spec { return o }
        let o = Optimizer(spec)
        optimizerState = o
        return o
    }

    func worker(_ i: Int) -> Network {
        while workers.count <= i {
            workers.append(Network(spec: spec, layout: layout, parameters: parameters, noise: noise, itemInputs: itemInputs, seed: seed))
            (workers.last!.loss as? SoftmaxLoss)?.candidates = fullSoftmaxItems
        }
        return workers[i]
    }

    /// Checks that a sample set fits the model: every column the spec reads is there
    /// and every id is inside its vocabulary. Run once before training or scoring.
    public func validate(_ batch: SampleBatch) throws { try validate(batch, labels: true) }

    /// The same for any sample source (streamed training samples): in chunks, so the
    /// whole set is never in memory at once (at 20M clicks this pass costs seconds;
    /// an epoch, minutes).
    public func validate(_ samples: some SampleSource) throws {
        try samples.forEachChunk(of: 65_536) { try validate($0, labels: true) }
    }

    /// The columns a batch of these samples has and the weights they carry, from a
    /// few samples only: for errors such as weighted=on without ratings before work
    /// starts (`validate` still checks every id).
    public func validateColumns(_ samples: some SampleSource) throws {
        try validate(samples.gather(0..<min(samples.count, 64)), labels: true)
    }

    func validate(_ batch: SampleBatch, labels: Bool) throws {
        if labels {
            if batch.labels.count != batch.count { throw ModelError.invalidSpec("the batch has \(batch.labels.count) labels for \(batch.count) samples") }
            for l in batch.labels where l < 0 || Int(l) >= itemCount {
                throw ModelError.invalidSpec("label \(l) is outside the item catalogue (\(itemCount) items)")
            }
        }
        for e in spec.encoders {
            guard let col = batch.sparse[e.feature] else { throw ModelError.missingFeature(e.feature) }
            if col.count != batch.count { throw ModelError.invalidSpec("column '\(e.feature)' has \(col.count) rows, expected \(batch.count)") }
            let vocab = features.first { $0.name == e.feature }!.vocabularySize
            if let bad = col.ids.first(where: { $0 < 0 || Int($0) >= vocab }) {
                throw ModelError.invalidSpec("feature '\(e.feature)' has id \(bad) outside its vocabulary of \(vocab)")
            }
            if e.weighted && col.weights == nil { throw ModelError.invalidSpec(Model.noWeightsMessage(e.feature)) }
        }
        for name in spec.denseInputs {
            guard let col = batch.dense[name] else { throw ModelError.missingFeature(name) }
            if col.count != batch.count { throw ModelError.invalidSpec("column '\(name)' has \(col.count) rows, expected \(batch.count)") }
        }
    }

    /// Why a weighted encoder cannot run: weights come only from the ratings of the
    /// click log (the data side puts them on `items`), so say that rather than
    /// talk about columns.
    static func noWeightsMessage(_ feature: String) -> String {
        if feature == "items" {
            return "pooling of 'items' is weighted but the data has no ratings to weight clicks by "
                + "(ratings come from `load movielens` or `load csv ... rating=COLUMN`; Paddle and generated logs have none): "
                + "drop weighted=on or load rated data"
        }
        return "pooling of '\(feature)' is weighted but '\(feature)' carries no weights: only the 'items' history is weighted, by the clicks' ratings"
    }

    /// Checks that data described by `features` and `itemCount` can be fed to this
    /// (e.g. loaded) model: same item catalogue size, and every feature the spec reads
    /// present with the same kind and vocabulary size.
    /// With an item tower, `itemInputs` (the data's values of its features) must
    /// be the model's own: a tower scores items by those values.
    public func checkCompatible(features data: [FeatureInfo], itemCount items: Int, itemInputs: ItemInputs? = nil) throws {
        if items != itemCount {
            throw ModelError.invalidSpec("the model was built for \(itemCount) items but the data has \(items)")
        }
        if let mine = self.itemInputs, let theirs = itemInputs, mine != theirs {
            throw ModelError.invalidSpec("the items' \(mine.columns.map(\.name).joined(separator: ", ")) values differ from those the model's item tower was built with")
        }
        let used = Set(spec.encoders.map(\.feature) + spec.denseInputs + (spec.itemTower?.encoders.map(\.feature) ?? []))
        for f in features where used.contains(f.name) {
            guard let d = data.first(where: { $0.name == f.name }) else { throw ModelError.missingFeature(f.name) }
            if d.kind != f.kind || d.vocabularySize != f.vocabularySize {
                throw ModelError.invalidSpec("feature '\(f.name)' was \(f.kind.rawValue) with \(f.vocabularySize) values when the model was built; the data has \(d.kind.rawValue) with \(d.vocabularySize)")
            }
        }
    }

    // MARK: vectors for retrieval

    /// Width of `userVectors` and `itemVectors` rows: the tower width, plus one slot
    /// for the item bias when the output layer has one.
    public var vectorDimension: Int { spec.towerDimension + (spec.output.bias ? 1 : 0) }

    /// The user vectors of the samples (rows × vectorDimension): [1, u] with a bias,
    /// else u (unit length when the model normalises). The inner product with an
    /// item vector is the model's logit up to the temperature.
    ///
    /// `denseOverrides` replaces dense inputs for every sample: the paper sets
    /// `example_age` to 0 at serving time (`["example_age": 0]`).
    /// Throws when the batch does not fit the model (see `validate`).
    public func userVectors(for batch: SampleBatch, denseOverrides: [String: Float] = [:], chunk: Int = 4096) throws -> [Float] {
        let d = spec.towerDimension, vd = vectorDimension, off = vd - d
        var batch = batch
        for (name, v) in denseOverrides { batch.dense[name] = [Float](repeating: v, count: batch.count) }
        // Ids index the tables directly; an unchecked one would read outside them.
        try validate(batch, labels: false)
        var out = [Float].zeros(batch.count * vd)
        var start = 0
        while start < batch.count {
            let end = min(start + chunk, batch.count)
            let part = end - start == batch.count ? batch : batch.gather(start..<end)
            let u = worker(0).tower(part)
            for r in 0..<(end - start) {
                if off == 1 { out[(start + r) * vd] = 1 }
                for j in 0..<d { out[(start + r) * vd + off + j] = u[r * d + j] }
            }
            start = end
        }
        return out
    }

    /// The item vectors (itemCount × vectorDimension): [T·b_i, w_i] (w_i normalised
    /// when the model normalises). The loss's logit is u·w_i/T + b_i; scaling the
    /// bias slot by the temperature T keeps the inner product's ranking identical
    /// (for the Paddle recipe T = 1, so this is Paddle's [nce_b_i, nce_w_i]).
    public func itemVectors() -> [Float] {
        let d = spec.towerDimension, vd = vectorDimension, off = vd - d
        var w = parameter(.output, .weight)!.value
        let b = parameter(.output, .bias)?.value
        if let tower = worker(0).itemTower {
            // w_i + the tower's part, in chunks so the tower's activations stay small.
            for start in stride(from: 0, to: itemCount, by: 4096) {
                let end = min(start + 4096, itemCount)
                let part = tower.forward(Int32(start) ..< Int32(end))
                for k in 0 ..< (end - start) * d { w[start * d + k] += part[k] }
            }
        }
        var out = [Float].zeros(itemCount * vd)
        out.withUnsafeMutableBufferPointer { op in
            for i in 0..<itemCount {
                let row = op.baseAddress! + i * vd
                if off == 1 { row[0] = b![i] * spec.temperature }
                for j in 0..<d { row[off + j] = w[i * d + j] }
                if spec.normalize { _ = L2Normalize.normalizeRow(row + off, d) }
            }
        }
        return out
    }

    /// Fingerprint of `itemVectors()` that index files record and check, so an index
    /// is never used with another model's items (`IndexFile.save(_:to:itemFingerprint:)`,
    /// `IndexFile.load(path:expectedItemFingerprint:)`). Costs one `itemVectors()`.
    public func itemVectorFingerprint() -> UInt64 {
        IndexFile.fingerprint(vectors: itemVectors(), dimension: vectorDimension)
    }
}
