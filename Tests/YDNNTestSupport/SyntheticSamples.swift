import YDNN

/// Small generated sample sets with the recipes' columns, for the model's tests and
/// benchmarks (the data half has its own click-log generator for real experiments).
///
/// The data has structure a model can learn: each user prefers one category, their
/// history and their next click come from it, and the next click follows the last
/// one in a fixed cycle within the category.
public enum SyntheticSamples {
    public struct Shape: Sendable {
        public var users = 200
        public var items = 300
        public var categories = 10
        public var tags = 40
        /// Maximum history length (the Paddle window, or the mean-pool recipe's 50).
        public var history = 5
        /// Every sample has exactly `history` items instead of 1...history.
        public var fullHistory = false
        /// Add per-item weights (like ratings) to the `items` column.
        public var weights = false
        public init() {}
    }

    public static func features(_ s: Shape) -> [FeatureInfo] {
        [FeatureInfo(name: "user_id", kind: .single, vocabularySize: s.users),
         FeatureInfo(name: "province", kind: .single, vocabularySize: 30),
         FeatureInfo(name: "city", kind: .single, vocabularySize: 100),
         FeatureInfo(name: "phone", kind: .single, vocabularySize: 8),
         FeatureInfo(name: "items", kind: .sequence, vocabularySize: s.items),
         FeatureInfo(name: "categories", kind: .multi, vocabularySize: s.categories),
         FeatureInfo(name: "tags", kind: .multi, vocabularySize: s.tags),
         FeatureInfo(name: "example_age", kind: .dense, vocabularySize: 1)]
    }

    public static func make(count: Int, shape s: Shape, seed: UInt64) -> SampleBatch {
        var rng = RNG(seed: seed, stream: "synthetic-samples")
        let perCategory = max(1, s.items / s.categories)
        func item(_ category: Int, _ k: Int) -> Int32 { Int32(min(s.items - 1, category + s.categories * (k % perCategory))) }
        var batch = SampleBatch(count: count)
        var user = RaggedIDs(), province = RaggedIDs(), city = RaggedIDs(), phone = RaggedIDs()
        var items = RaggedIDs(), categories = RaggedIDs(), tags = RaggedIDs()
        var age: [Float] = []
        for _ in 0..<count {
            let u = rng.nextInt(below: s.users)
            let taste = u % s.categories
            let len = s.fullHistory ? s.history : 1 + rng.nextInt(below: s.history)
            // Popular items (small k) are clicked more often: k = floor(perCategory · r²).
            var hist: [Int32] = []
            for _ in 0..<len {
                let r = rng.nextFloat()
                hist.append(item(taste, Int(Float(perCategory) * r * r)))
            }
            let last = Int(hist.last!)
            let label = item(taste, (last / s.categories + 1 + u % 3))
            batch.labels.append(label)
            batch.users.append(Int32(u))
            user.append([Int32(u)]); province.append([Int32(u % 30)]); city.append([Int32(u % 100)]); phone.append([Int32(u % 8)])
            items.append(hist, weights: s.weights ? hist.map { _ in 1 + Float(rng.nextInt(below: 5)) } : nil)
            categories.append(hist.map { $0 % Int32(s.categories) })
            tags.append(hist.flatMap { [($0 * 7) % Int32(s.tags), ($0 * 13 + 1) % Int32(s.tags)] })
            age.append(rng.nextFloat())
        }
        batch.sparse = ["user_id": user, "province": province, "city": city, "phone": phone,
                        "items": items, "categories": categories, "tags": tags]
        batch.dense = ["example_age": age]
        return batch
    }

    /// The Paddle youtube_recall network for these columns.
    public static func paddleSpec() -> ModelSpec {
        var spec = ModelSpec()
        spec.encoders = [.embedding("user_id", dim: 64), .embedding("province", dim: 8), .embedding("city", dim: 16),
                         .embedding("phone", dim: 16), .embedding("categories", dim: 8, pool: .avg),
                         .embedding("tags", dim: 64, pool: .avg), .lstm("items", hidden: 64, pool: .max)]
        spec.hidden = [DenseSpec(256), DenseSpec(31)]
        spec.output = .nce(negatives: 5, noise: .frequency)
        return spec
    }

    /// The DeepMatch-style network: mean-pooled history, sampled softmax with log-Q,
    /// normalised towers.
    public static func meanPoolSpec(dim: Int = 64, negatives: Int = 100) -> ModelSpec {
        var spec = ModelSpec()
        spec.encoders = [.embedding("items", dim: dim, pool: .avg), .embedding("user_id", dim: 32)]
        spec.hidden = [DenseSpec(dim)]
        spec.normalize = true
        spec.temperature = 0.05
        spec.output = .sampledSoftmax(negatives: negatives, noise: .frequency, logQ: true)
        return spec
    }
}
