import Foundation
import YDNNSignals

/// The folder `export torchrec` writes and `import torchrec` reads back: a recipe's
/// resolved network, its prepared samples and (after training elsewhere) its
/// weights, in files a Python program reads with json and numpy alone. The layout
/// is documented for readers in the FORMAT.md written beside it (`formatNotes`);
/// python/ydnn_torchrec is its reader.
///
///     bundle.json          manifest: features, items, seed, training, tensors, splits
///     model_spec.json      the ModelSpec, every field written; bundle.json holds its hash
///     noise.npy            float32 [items]: the noise / sampling distribution q
///     vocab/NAME.json      every vocabulary's keys, by id
///     data/SPLIT/NNNNN/    one shard: labels.npy, users.npy, sparse.F.offsets/ids(/weights).npy, dense.F.npy
///     init/                (weights=on) the ydnn model's weights the run starts from
///     trained/             what the run writes back: weights.json + one NAME.npy per tensor
///
/// Weights use the tensor names and shapes of `ParameterLayout` (one .npy each,
/// rows × cols, row-major as `Parameter.value`), so reading them back is the
/// layout's own check.
public enum TorchRecBundle {
    public static let format = "ydnn-torchrec"
    public static let version = 1
    public static let weightsFormat = "ydnn-weights"

    /// What the exported run trains with: the recipe's `train` settings.
    public struct Training: Codable, Equatable, Sendable {
        public var epochs: Int
        public var batch: Int
        public var optimizer: OptimizerSpec
        public init(epochs: Int, batch: Int, optimizer: OptimizerSpec) {
            self.epochs = epochs; self.batch = batch; self.optimizer = optimizer
        }
    }

    struct Manifest: Codable {
        struct Feature: Codable { var name: String; var kind: String; var vocabulary_size: Int }
        struct Tensor: Codable {
            var name: String, rows: Int, cols: Int, sparse: Bool, owner: String, role: String
            /// "gaussian" (std), "zeros", "lstm" (Glorot weights, forget-gate bias 1),
            /// "dense" (Glorot, ×√2 for ReLU, zero bias), as `ParameterLayout.Initialization`.
            var init_kind: String, init_std: Float?, init_relu: Bool?
        }
        struct Shard: Codable { var dir: String; var samples: Int }
        struct Split: Codable {
            var samples: Int
            var shards: [Shard]
            /// Sparse columns: name → whether a weights file is there.
            var sparse: [String: Bool]
            var dense: [String]
        }
        var format: String
        var version: Int
        var spec_file: String
        var spec_hash: String
        var features: [Feature]
        var item_count: Int
        var seed: UInt64
        var training: Training
        var tensors: [Tensor]
        var splits: [String: Split]
        var vocabularies: [String]
        var init_weights: String?
    }

    struct WeightsManifest: Codable {
        struct Entry: Codable { var name: String; var rows: Int; var cols: Int; var file: String }
        var format: String
        var version: Int
        var spec_hash: String
        var tensors: [Entry]
        var epochs_trained: Int
        var loss_history: [Double]?
    }

    /// The spec exactly as written to model_spec.json (sorted keys, so the same spec gives the same bytes).
    public static func specBytes(_ spec: ModelSpec) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try e.encode(spec))
    }

    /// FNV-1a, 64 bits, as 16 hex digits: the spec file's identity (python/ydnn_torchrec checks it).
    public static func hash(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    private static func json<T: Encodable>(_ value: T) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try e.encode(value)) + [10]
    }

    /// What `write` wrote, for the command's one-line report.
    public struct Written: Sendable {
        public var samples: [String: Int]
        public var shards: Int
        public var specHash: String
    }

    /// What the bundle describes: the resolved spec and what it was built for. No weights
    /// are allocated, so a catalogue too large for ydnn's own training still exports.
    public struct Network: Sendable {
        public var spec: ModelSpec
        public var features: [FeatureInfo]
        public var itemCount: Int
        public var seed: UInt64
        /// The noise / sampling distribution (`Model.noiseDistribution`), as `train` sets it.
        public var noise: [Float]
        public init(spec: ModelSpec, features: [FeatureInfo], itemCount: Int, seed: UInt64, noise: [Float]) {
            self.spec = spec; self.features = features; self.itemCount = itemCount; self.seed = seed; self.noise = noise
        }
        var layout: ParameterLayout { ParameterLayout(spec: spec, features: features, itemCount: itemCount) }
    }

    /// Writes the bundle for `network`. `splits` are the prepared sample sets by name
    /// ("train", "test", "serving"); only the columns the spec reads are written. With
    /// `initWeights` (a model of the same spec), its weights go to init/ and the run starts from them.
    public static func write(to dir: String, network: Network, training: Training, vocabularies: [String: [String]],
                             splits: [(name: String, batch: any SampleSource)], shardSize: Int, initWeights: Model? = nil,
                             token: CancellationToken = .process) throws -> Written {
        precondition(shardSize > 0 && network.noise.count == network.itemCount)
        let spec = network.spec
        precondition(initWeights.map { $0.spec == spec } ?? true)
        let specFile = try specBytes(spec)
        let specHash = hash(specFile)
        try AtomicFileWriter.write(specFile + [10], to: dir + "/model_spec.json")
        try Npy.write(network.noise, shape: [network.itemCount], to: dir + "/noise.npy")
        for (name, keys) in vocabularies { try AtomicFileWriter.write(try json(keys), to: dir + "/vocab/\(name).json") }
        let sparseColumns = Array(Set(spec.encoders.map(\.feature))).sorted()
        var manifestSplits: [String: Manifest.Split] = [:]
        var shardCount = 0
        for (name, batch) in splits {
            var shards: [Manifest.Shard] = []
            var weighted: [String: Bool] = [:]
            try batch.forEachChunk(of: shardSize) { shard in  // an empty split still gets one (empty) shard
                try token.check()
                let rel = "data/\(name)/" + String(format: "%05d", shards.count)
                try writeShard(shard, columns: sparseColumns, dense: spec.denseInputs, to: dir + "/" + rel)
                shards.append(.init(dir: rel, samples: shard.count))
                // Every shard of a split has the same columns, an empty one too.
                if weighted.isEmpty { weighted = Dictionary(uniqueKeysWithValues: sparseColumns.map { ($0, shard.sparse[$0]?.weights != nil) }) }
            }
            shardCount += shards.count
            manifestSplits[name] = .init(samples: batch.count, shards: shards, sparse: weighted, dense: spec.denseInputs)
        }
        if let initWeights { try writeWeights(initWeights, to: dir + "/init") }
        let manifest = Manifest(
            format: format, version: version, spec_file: "model_spec.json", spec_hash: specHash,
            features: network.features.map { .init(name: $0.name, kind: $0.kind.rawValue, vocabulary_size: $0.vocabularySize) },
            item_count: network.itemCount, seed: network.seed, training: training,
            tensors: network.layout.tensors.map(manifestTensor), splits: manifestSplits,
            vocabularies: vocabularies.keys.sorted(), init_weights: initWeights == nil ? nil : "init")
        try AtomicFileWriter.write(try json(manifest), to: dir + "/bundle.json")
        return Written(samples: manifestSplits.mapValues(\.samples), shards: shardCount, specHash: specHash)
    }

    private static func manifestTensor(_ t: ParameterLayout.Tensor) -> Manifest.Tensor {
        let owner: String
        switch t.owner {
        case .encoder(let i): owner = "encoder:\(i)"
        case .dense(let i): owner = "dense:\(i)"
        case .output: owner = "output"
        // `export torchrec` refuses a model with an item tower before it gets here.
        case .itemEncoder(let i): owner = "item_encoder:\(i)"
        case .itemDense(let i): owner = "item_dense:\(i)"
        }
        var m = Manifest.Tensor(name: t.name, rows: t.rows, cols: t.cols, sparse: t.sparse, owner: owner, role: t.role.rawValue,
                                init_kind: "zeros", init_std: nil, init_relu: nil)
        switch t.initialization {
        case .gaussian(let std): m.init_kind = "gaussian"; m.init_std = std
        case .zeros: break
        // `export torchrec` refuses batch norms (the only tensors starting at one) before it gets here.
        case .ones: m.init_kind = "ones"
        case .lstm: m.init_kind = "lstm"
        case .dense(let relu, _): m.init_kind = "dense"; m.init_relu = relu
        case .fanInUniform: m.init_kind = "fan_in_uniform"
        }
        return m
    }

    private static func writeShard(_ b: SampleBatch, columns: [String], dense: [String], to dir: String) throws {
        try Npy.write(b.labels, shape: [b.count], to: dir + "/labels.npy")
        let users = b.users.isEmpty ? [Int32](repeating: -1, count: b.count) : b.users
        try Npy.write(users, shape: [b.count], to: dir + "/users.npy")
        for f in columns {
            let col = b.sparse[f] ?? RaggedIDs(offsets: [Int32](repeating: 0, count: b.count + 1), ids: [])
            try Npy.write(col.offsets.map(Int64.init), shape: [col.offsets.count], to: dir + "/sparse.\(f).offsets.npy")
            try Npy.write(col.ids, shape: [col.ids.count], to: dir + "/sparse.\(f).ids.npy")
            if let w = col.weights { try Npy.write(w, shape: [w.count], to: dir + "/sparse.\(f).weights.npy") }
        }
        for f in dense {
            try Npy.write(b.dense[f] ?? [Float](repeating: 0, count: b.count), shape: [b.count], to: dir + "/dense.\(f).npy")
        }
    }

    /// Writes the model's weights as weights.json + NAME.npy (the form run.sh writes to trained/).
    public static func writeWeights(_ model: Model, to dir: String) throws {
        let specHash = hash(try specBytes(model.spec))
        var entries: [WeightsManifest.Entry] = []
        for (t, p) in zip(model.layout.tensors, model.parameters) {
            try Npy.write(p.value, shape: [t.rows, t.cols], to: dir + "/\(t.name).npy")
            entries.append(.init(name: t.name, rows: t.rows, cols: t.cols, file: "\(t.name).npy"))
        }
        let m = WeightsManifest(format: weightsFormat, version: version, spec_hash: specHash, tensors: entries,
                                epochs_trained: model.epochsTrained, loss_history: model.lossHistory)
        try AtomicFileWriter.write(try json(m), to: dir + "/weights.json")
    }

    /// A bundle's model with the weights in `weightsDir` (default: its trained/), and
    /// the vocabularies it was exported with. Checks the spec's hash, every tensor's
    /// name and shape against `ParameterLayout`, and that every value is finite.
    public static func readModel(from dir: String, weightsDir: String? = nil) throws -> (model: Model, vocabularies: [String: [String]]) {
        func fail(_ m: String) -> ModelError { .checkpoint("\(dir): \(m)") }
        func read(_ path: String) throws -> Data {
            guard let d = FileManager.default.contents(atPath: path) else { throw fail("cannot read \(path)") }
            return d
        }
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: try read(dir + "/bundle.json")) } catch let e as ModelError {
            throw e
        } catch { throw fail("bundle.json is not a ydnn TorchRec export (\(error))") }
        guard manifest.format == format, manifest.version == version else {
            throw fail("bundle.json has format \(manifest.format) version \(manifest.version); this build reads \(format) version \(version)")
        }
        let specData = try read(dir + "/" + manifest.spec_file)
        var specBytes = Array(specData)
        if specBytes.last == 10 { specBytes.removeLast() }
        guard hash(specBytes) == manifest.spec_hash else { throw fail("\(manifest.spec_file) does not match the hash in bundle.json (edited?)") }
        let spec: ModelSpec
        do { spec = try JSONDecoder().decode(ModelSpec.self, from: specData) } catch { throw fail("unreadable model spec (\(error))") }
        var features: [FeatureInfo] = []
        for f in manifest.features {
            guard let kind = FeatureInfo.Kind(rawValue: f.kind) else { throw fail("feature '\(f.name)' has unknown kind '\(f.kind)'") }
            features.append(FeatureInfo(name: f.name, kind: kind, vocabularySize: f.vocabulary_size))
        }
        let wdir = weightsDir ?? dir + "/trained"
        let weights: WeightsManifest
        do { weights = try JSONDecoder().decode(WeightsManifest.self, from: try read(wdir + "/weights.json")) } catch let e as ModelError {
            throw e
        } catch { throw fail("\(wdir)/weights.json is unreadable (\(error))") }
        guard weights.format == weightsFormat else { throw fail("\(wdir)/weights.json is not a ydnn weights manifest") }
        guard weights.spec_hash == manifest.spec_hash else {
            throw fail("the weights in \(wdir) were trained for spec \(weights.spec_hash), the bundle's is \(manifest.spec_hash)")
        }
        let model: Model
        do { model = try Model(spec: spec, features: features, itemCount: manifest.item_count, seed: manifest.seed) } catch {
            throw fail("the exported spec does not build a model: \(error)")
        }
        for (t, p) in zip(model.layout.tensors, model.parameters) {
            guard let e = weights.tensors.first(where: { $0.name == t.name }) else { throw fail("\(wdir) has no tensor '\(t.name)'") }
            let (rows, cols, values) = try Npy.readFloats(path: wdir + "/" + e.file)
            guard rows == t.rows, cols == t.cols else { throw fail("tensor '\(t.name)' is \(rows)×\(cols) but the spec needs \(t.shape)") }
            if let i = values.firstIndex(where: { !$0.isFinite }) { throw fail("tensor '\(t.name)' holds \(values[i]) at element \(i)") }
            p.value = values
        }
        if let extra = weights.tensors.first(where: { model.layout.index(named: $0.name) == nil }) {
            throw fail("\(wdir) holds tensor '\(extra.name)' that the spec lacks")
        }
        model.epochsTrained = weights.epochs_trained
        model.lossHistory = (weights.loss_history ?? []).filter(\.isFinite)
        var vocabularies: [String: [String]] = [:]
        for name in manifest.vocabularies {
            do { vocabularies[name] = try JSONDecoder().decode([String].self, from: try read(dir + "/vocab/\(name).json")) } catch let e as ModelError {
                throw e
            } catch { throw fail("vocab/\(name).json is unreadable (\(error))") }
        }
        return (model, vocabularies)
    }
}
