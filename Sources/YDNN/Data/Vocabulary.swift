/// A feature dictionary with Paddle's `feat_appear_limit` semantics: a value is
/// kept when its count is strictly greater than `minCount`, kept values get ids by
/// descending count (ties: first appearance), and everything else — rare values,
/// `NULL`, empty strings — maps to `<unk>`.
///
/// Deviation from Paddle, on purpose: id 0 is always `<unk>`. Paddle counts
/// `<unk>` as "total minus distinct values", which nearly always makes it the
/// most frequent value and so id 0 anyway; fixing it at 0 keeps it stable when
/// that count would not, and lets 0 double as the history pad, as in Paddle.
public struct Vocabulary: Sendable {
    public static let unknownKey = "<unk>"

    public let name: String
    public let minCount: Int
    /// Vocabulary id → raw id in the log's `StringTable` (-1 for `<unk>`).
    public let rawIDs: [Int32]
    /// Raw id → vocabulary id (0 for values that fell to `<unk>`).
    public let idOfRaw: [Int32]
    /// Count of each vocabulary id; `counts[0]` sums the values that fell to `<unk>`.
    public let counts: [Int]
    private let table: StringTable

    /// Builds from per-raw-id counts over `table`'s keys.
    public init(name: String, table: StringTable, rawCounts: [Int], minCount: Int) {
        precondition(rawCounts.count == table.count)
        self.name = name
        self.minCount = minCount
        self.table = table
        var kept: [Int] = []
        var unkCount = 0
        for r in 0..<rawCounts.count {
            let isNull = table.withBytes(Int32(r)) { $0.count == 0 || $0.equals("NULL") }
            if !isNull && rawCounts[r] > minCount { kept.append(r) } else { unkCount += rawCounts[r] }
        }
        // Stable sort: equal counts keep first-appearance order.
        kept = kept.enumerated().sorted { a, b in
            rawCounts[a.element] != rawCounts[b.element] ? rawCounts[a.element] > rawCounts[b.element] : a.offset < b.offset
        }.map(\.element)
        var idOfRaw = [Int32](repeating: 0, count: rawCounts.count)
        var rawIDs: [Int32] = [-1]
        var counts = [unkCount]
        for (k, r) in kept.enumerated() {
            idOfRaw[r] = Int32(k + 1)
            rawIDs.append(Int32(r))
            counts.append(rawCounts[r])
        }
        self.idOfRaw = idOfRaw
        self.rawIDs = rawIDs
        self.counts = counts
    }

    /// Number of ids including `<unk>`.
    public var size: Int { rawIDs.count }

    /// The key of a vocabulary id (`<unk>` for 0).
    public func key(_ id: Int32) -> String {
        id <= 0 || Int(id) >= rawIDs.count ? Vocabulary.unknownKey : table[rawIDs[Int(id)]]
    }

    /// The id of a key: 0 when the key is unknown or rare.
    public func id(of key: String) -> Int32 {
        guard let r = table.find(key) else { return 0 }
        return idOfRaw[Int(r)]
    }

    /// Whether the key made it into the vocabulary.
    public func contains(_ key: String) -> Bool { id(of: key) != 0 }
}

/// The seven feature dictionaries of the model, built from a click log with one
/// threshold, counted the way Paddle's `data_processor.py` counts: `user_id`,
/// items, categories and tags once per click (tags once per tag), province, city
/// and phone once per user (one Paddle line).
public struct Vocabularies: Sendable {
    public let minCount: Int
    public let userID: Vocabulary
    public let province: Vocabulary
    public let city: Vocabulary
    public let phone: Vocabulary
    public let items: Vocabulary
    public let categories: Vocabulary
    public let tags: Vocabulary
    /// The declared features' dictionaries and continuous scales (none for Paddle logs).
    public let declared: DeclaredVocabularies
    /// The declared feature inputs, from the log (kept so `featureInfos` needs no log).
    private let declaredInfos: [FeatureInfo]

    /// Paddle's default `feat_appear_limit`.
    public static let defaultMinCount = 20

    /// Builds the dictionaries from `log`, counting only the training clicks of
    /// `split` when one is given — as Paddle builds its dictionary from train.txt —
    /// so held-out clicks do not decide which items are known.
    /// With `allItems`, every item of the log's catalogue gets an id, however few
    /// its training clicks (none: an item only the test set or the items file
    /// knows), still in order of descending count.
    public init(log: ClickLog, minCount: Int = Vocabularies.defaultMinCount, split: Split? = nil, allItems: Bool = false) {
        self.minCount = minCount
        var userCount = [Int](repeating: 0, count: log.numUsers)
        var itemCount = [Int](repeating: 0, count: log.numItems)
        for u in 0..<log.numUsers {
            let r = log.clicks(ofUser: u)
            let n = split.map { Int($0.trainCount[u]) } ?? r.count
            userCount[u] = n
            for k in r.lowerBound ..< r.lowerBound + n { itemCount[Int(log.clickItems[k])] += 1 }
        }
        func perUser(_ col: [Int32], _ n: Int) -> [Int] {
            var c = [Int](repeating: 0, count: n)
            for u in 0..<log.numUsers { c[Int(col[u])] += 1 }
            return c
        }
        var catCount = [Int](repeating: 0, count: log.categories.count)
        var tagCount = [Int](repeating: 0, count: log.tags.count)
        for i in 0..<log.numItems where itemCount[i] > 0 {
            catCount[Int(log.itemCategory[i])] += itemCount[i]
            for t in log.tags(ofItem: i) { tagCount[Int(t)] += itemCount[i] }
        }
        userID = Vocabulary(name: "user_id", table: log.userKeys, rawCounts: userCount, minCount: minCount)
        province = Vocabulary(name: "province", table: log.provinces, rawCounts: perUser(log.userProvince, log.provinces.count), minCount: minCount)
        city = Vocabulary(name: "city", table: log.cities, rawCounts: perUser(log.userCity, log.cities.count), minCount: minCount)
        phone = Vocabulary(name: "phone", table: log.phones, rawCounts: perUser(log.userPhone, log.phones.count), minCount: minCount)
        // A count is kept when strictly greater than min_count: -1 keeps the never-clicked.
        items = Vocabulary(name: "items", table: log.itemKeys, rawCounts: itemCount, minCount: allItems ? -1 : minCount)
        categories = Vocabulary(name: "categories", table: log.categories, rawCounts: catCount, minCount: minCount)
        tags = Vocabulary(name: "tags", table: log.tags, rawCounts: tagCount, minCount: minCount)
        let counts = userCount
        declared = DeclaredVocabularies(log: log, minCount: minCount, trainCount: { counts[$0] })
        declaredInfos = declared.featureInfos(log: log)
    }

    /// Input features of the model with their vocabulary sizes (`example_age`
    /// included only when asked for).
    public func featureInfos(exampleAge: Bool) -> [FeatureInfo] {
        var f = [
            FeatureInfo(name: "user_id", kind: .single, vocabularySize: userID.size),
            FeatureInfo(name: "province", kind: .single, vocabularySize: province.size),
            FeatureInfo(name: "city", kind: .single, vocabularySize: city.size),
            FeatureInfo(name: "phone", kind: .single, vocabularySize: phone.size),
            FeatureInfo(name: "items", kind: .sequence, vocabularySize: items.size),
            FeatureInfo(name: "categories", kind: .multi, vocabularySize: categories.size),
            FeatureInfo(name: "tags", kind: .multi, vocabularySize: tags.size),
        ]
        if exampleAge { f.append(FeatureInfo(name: "example_age", kind: .dense, vocabularySize: 1)) }
        return f + declaredInfos
    }

    /// The fixed seven, then the declared features' in declaration order.
    public var all: [Vocabulary] { [userID, province, city, phone, items, categories, tags] + declared.vocabularies }
}
