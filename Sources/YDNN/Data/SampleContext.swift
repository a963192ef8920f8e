import Foundation

/// The click log re-expressed in vocabulary ids, ready for cutting samples:
/// per user, the training clicks on known items (unknown items drop out of
/// histories, as in Paddle's reader), and per item id its category and tags.
struct SampleContext {
    let numUsers: Int
    /// Known training clicks of user u: `knownItems[knownStart[u] ..< knownStart[u+1]]`.
    var knownStart: [Int]
    var knownItems: [Int32]
    var knownTimes: [Int32]
    /// Pooling weight of each known click when the log has ratings (else nil):
    /// see `weight(rating:scale:)`.
    var knownWeights: [Float]?
    /// Category of each known click, and its tags back to back: a history is a
    /// run of consecutive known clicks, so its three id lists are three block
    /// copies instead of per-item lookups. (With this, the 10M-click benchmark's
    /// 50-click histories take ~2 s of user CPU; the rest is the kernel handing
    /// out fresh pages.)
    var knownCategories: [Int32]
    var knownTags: [Int32]
    /// Prefix sums of tag counts over `knownItems`: click j's tags are
    /// `knownTags[tagPrefix[j] ..< tagPrefix[j+1]]`.
    var tagPrefix: [Int]
    var itemCounts: [Int]
    var itemCategory: [Int32]   // per item id
    var itemTagStart: [Int32]   // per item id, CSR into itemTagIDs
    var itemTagIDs: [Int32]
    var userID: [Int32], province: [Int32], city: [Int32], phone: [Int32]
    /// The declared features' inputs (empty for Paddle logs).
    let declared: DeclaredInputs
    /// Only with per-click (event) features: the log click of each known click, and
    /// of each user's held-out click (-1 without one), for the samples' context.
    var knownClicks: [Int32]?
    var testClicks: [Int32]?
    /// Second history streams in vocabulary ids, with the clock they are cut by:
    /// the log's time origin, and per user the time of the held-out click
    /// (Int64.max without one), before which test and serving samples look.
    var tokenInputs: [TokenStreamInput] = []
    var timeOrigin: Int64 = 0
    var heldOutTimes: [Int64] = []

    init(log: ClickLog, vocab: Vocabularies, split: Split, report: inout SampleReport) {
        numUsers = log.numUsers
        let itemOf = vocab.items.idOfRaw
        let nItems = vocab.items.size
        // Per item id: category and tags in vocabulary ids; the pad/<unk> item 0
        // has category 0 and the single tag 0, as Paddle pads them.
        itemCategory = [Int32](repeating: 0, count: nItems)
        var tagLists = [[Int32]](repeating: [0], count: nItems)
        for r in 0..<log.numItems {
            let v = Int(itemOf[r])
            guard v > 0 else { continue }
            itemCategory[v] = vocab.categories.idOfRaw[Int(log.itemCategory[r])]
            tagLists[v] = log.tags(ofItem: r).map { vocab.tags.idOfRaw[Int($0)] }
        }
        itemTagStart = [0]
        itemTagIDs = []
        for l in tagLists { itemTagIDs.append(contentsOf: l); itemTagStart.append(Int32(itemTagIDs.count)) }

        knownStart = [Int](repeating: 0, count: numUsers + 1)
        knownItems = []
        knownTimes = []
        knownCategories = []
        knownTags = []
        knownCategories.reserveCapacity(split.trainingClicks)
        knownTags.reserveCapacity(split.trainingClicks * max(1, itemTagIDs.count / max(1, nItems)) + 16)
        knownItems.reserveCapacity(split.trainingClicks)
        knownTimes.reserveCapacity(split.trainingClicks)
        let ratings = log.clickRatings, scale = log.maxRating ?? 1
        knownWeights = ratings == nil ? nil : []
        knownWeights?.reserveCapacity(split.trainingClicks)
        tagPrefix = [0]
        tagPrefix.reserveCapacity(split.trainingClicks + 1)
        itemCounts = [Int](repeating: 0, count: nItems)
        var unknown = 0
        var tagTotal = 0
        for u in 0..<numUsers {
            let s = log.userClickStart[u]
            for k in s ..< s + Int(split.trainCount[u]) {
                let v = itemOf[Int(log.clickItems[k])]
                if v == 0 { unknown += 1; continue }
                knownItems.append(v)
                knownTimes.append(log.clickTimes[k])
                if let ratings { knownWeights!.append(SampleContext.weight(rating: ratings[k], scale: scale)) }
                knownCategories.append(itemCategory[Int(v)])
                for q in Int(itemTagStart[Int(v)]) ..< Int(itemTagStart[Int(v) + 1]) { knownTags.append(itemTagIDs[q]) }
                itemCounts[Int(v)] += 1
                tagTotal += Int(itemTagStart[Int(v) + 1] - itemTagStart[Int(v)])
                tagPrefix.append(tagTotal)
            }
            knownStart[u + 1] = knownItems.count
        }
        // Declared features after the loop above, which stays as it was for the
        // Paddle format (initialising them earlier cost it ~1% more instructions).
        declared = DeclaredInputs(log: log, vocab: vocab)
        knownClicks = nil
        testClicks = nil
        if !log.tokenStreams.isEmpty {
            tokenInputs = log.tokenStreams.map { s in
                let map = vocab.declared.vocabulary(s.name)!.idOfRaw
                return TokenStreamInput(stream: s, ids: s.ids.map { map[Int($0)] })
            }
            timeOrigin = log.timeOrigin
            heldOutTimes = (0..<numUsers).map { u in
                split.testIndex[u] >= 0 ? log.time(ofClick: log.userClickStart[u] + Int(split.testIndex[u])) : Int64.max
            }
        }
        // A second pass, so logs without per-click features pay nothing for them.
        if declared.hasEvents {
            testClicks = (0..<numUsers).map { u in split.testIndex[u] >= 0 ? Int32(log.userClickStart[u] + Int(split.testIndex[u])) : -1 }
            var clicks: [Int32] = []
            clicks.reserveCapacity(knownItems.count)
            for u in 0..<numUsers {
                let s = log.userClickStart[u]
                for k in s ..< s + Int(split.trainCount[u]) where itemOf[Int(log.clickItems[k])] != 0 { clicks.append(Int32(k)) }
            }
            knownClicks = clicks
        }
        report.unknownClicks = unknown
        userID = (0..<numUsers).map { vocab.userID.idOfRaw[$0] }
        province = log.userProvince.map { vocab.province.idOfRaw[Int($0)] }
        city = log.userCity.map { vocab.city.idOfRaw[Int($0)] }
        phone = log.userPhone.map { vocab.phone.idOfRaw[Int($0)] }
    }

    /// A click's pooling weight: its rating over the log's largest rating, so
    /// MovieLens' 1–5 stars become 0.2–1. Weighted avg pooling divides by the
    /// weights' sum and is blind to the scale; for sum and max pooling, weights in
    /// [0, 1] keep the pooled vector no larger than the unweighted one, so the
    /// initialisation and learning rates tuned without weights still fit. The
    /// best rating weighs 1, like the pad and like the clicks of a `recall
    /// history=[...]` query, which have no rating. Negative ratings (a signed
    /// CSV scale) weigh 0: a dislike should not pull the history towards the item,
    /// and a pooling weight cannot push it away. (A log whose ratings are all
    /// <= 0 has no scale; every click then weighs 1.)
    static func weight(rating: Float, scale: Float) -> Float {
        scale > 0 ? max(0, rating) / scale : 1
    }

    /// The history of the sample whose target is known click `p` of `user`: known
    /// clicks `lo ..< hi` (global indices), preceded by the pad when `pad`.
    @inline(__always)
    func historyRange(_ user: Int32, _ p: Int32, _ history: SampleOptions.History) -> (lo: Int, hi: Int, pad: Bool) {
        let s = knownStart[Int(user)], p = Int(p)
        switch history {
        case .window(let n):
            // Padded position of the target is p + 1; padded[0] is the pad.
            let start = max(0, p + 1 - n)
            return start == 0 ? (s, s + p, true) : (s + start - 1, s + p, false)
        case .recent(let n):
            let lo = s + max(0, p - n)
            // An empty history (a test user with no known training click) gets the
            // pad so every sample has at least one item.
            return (lo, s + p, lo == s + p)
        }
    }

    /// A sample description. Label, tag count and age are worked out while the
    /// candidates are visited in log order (cache-friendly), so after shuffling
    /// only the histories themselves need random access.
    struct Spec {
        var user: Int32
        var pos: Int32
        var label: Int32
        var tagCount: Int32
        var age: Int32
    }

    func spec(user: Int, pos: Int, label: Int32, age: Int32, _ history: SampleOptions.History) -> Spec {
        let (lo, hi, pad) = historyRange(Int32(user), Int32(pos), history)
        return Spec(user: Int32(user), pos: Int32(pos), label: label,
                    tagCount: Int32(tagPrefix[hi] - tagPrefix[lo] + (pad ? 1 : 0)), age: age)
    }

    /// A batch's tag ids are addressed by Int32 offsets: throws when `specs`
    /// together hold more, which also rules it out for every subset of them.
    static func checkTagTotal(_ specs: [Spec]) throws {
        if specs.reduce(0, { $0 + Int($1.tagCount) }) > Int(Int32.max) {
            throw DataError.unusable("the samples hold more than 2^31 tag ids; use a smaller window or history")
        }
    }

    /// The samples `specs` describe, in that order (`checkTagTotal` first).
    /// `withContext`: the samples are of clicks (training targets, held-out test
    /// clicks), whose event features they carry; serving samples have none.
    func materialize(specs: [Spec], ageScale: Float?, history: SampleOptions.History,
                     withContext: Bool = true) -> SampleBatch {
        let n = specs.count
        var itemOff = [Int32](repeating: 0, count: n + 1)
        var tagOff = [Int32](repeating: 0, count: n + 1)
        var ni = 0, nt = 0
        for k in 0..<n {
            let (lo, hi, pad) = historyRange(specs[k].user, specs[k].pos, history)
            ni += hi - lo + (pad ? 1 : 0)
            nt += Int(specs[k].tagCount)
            itemOff[k + 1] = Int32(ni); tagOff[k + 1] = Int32(truncatingIfNeeded: nt)
        }
        precondition(nt <= Int(Int32.max), "materialize: more than 2^31 tag ids (checkTagTotal was skipped)")
        // A trainer's shard (64-256 samples) stays on its own thread: fanning out
        // only pays from a few thousand samples up.
        let chunks = n < 4096 ? 1 : max(1, min(ProcessInfo.processInfo.activeProcessorCount, n / 4096 + 1))
        // Weights of the `items` column, aligned with its ids (the pad weighs 1).
        var weights: [Float]? = nil
        if knownWeights != nil {
            weights = [Float](unsafeUninitializedCapacity: ni) { wp, wc in
                runWorkers(chunks) { c in
                    fillWeights(specs, (n * c / chunks) ..< (n * (c + 1) / chunks), history, itemOff, wp.baseAddress!)
                }
                wc = ni
            }
        }
        var cats: [Int32] = [], tags: [Int32] = []
        let items = [Int32](unsafeUninitializedCapacity: ni) { ip, ic in
            cats = [Int32](unsafeUninitializedCapacity: ni) { cp, cc in
                tags = [Int32](unsafeUninitializedCapacity: nt) { tp, tc in
                    runWorkers(chunks) { c in
                        fill(specs, (n * c / chunks) ..< (n * (c + 1) / chunks), history,
                             itemOff, tagOff, ip.baseAddress!, cp.baseAddress!, tp.baseAddress!)
                    }
                    tc = nt
                }
                cc = ni
            }
            ic = ni
        }
        let users = specs.map(\.user)
        let counting = (0...n).map { Int32($0) }
        func single(_ col: [Int32]) -> RaggedIDs {
            RaggedIDs(offsets: counting, ids: users.map { col[Int($0)] })
        }
        var dense: [String: [Float]] = [:]
        if let ageScale { dense["example_age"] = specs.map { Float($0.age) * ageScale } }
        let itemColumn = RaggedIDs(offsets: itemOff, ids: items, weights: weights)
        var sparse = [
            "user_id": single(userID), "province": single(province),
            "city": single(city), "phone": single(phone),
            "items": itemColumn,
            "categories": RaggedIDs(offsets: itemOff, ids: cats),
            "tags": RaggedIDs(offsets: tagOff, ids: tags),
        ]
        if !declared.isEmpty {
            let events = withContext ? knownClicks.map { known in
                specs.map { s in
                    let start = knownStart[Int(s.user)], count = knownStart[Int(s.user) + 1] - start
                    return Int(s.pos) < count ? known[start + Int(s.pos)] : testClicks![Int(s.user)]
                }
            } : nil
            let extra = declared.columns(users: users, history: itemColumn, events: events)
            sparse.merge(extra.sparse) { a, _ in a }
            dense.merge(extra.dense) { a, _ in a }
        }
        if !tokenInputs.isEmpty {
            // The target click's time; one step past the known clicks is the held-out click.
            let times = specs.map { s -> Int64 in
                let start = knownStart[Int(s.user)], count = knownStart[Int(s.user) + 1] - start
                return Int(s.pos) < count ? timeOrigin + Int64(knownTimes[start + Int(s.pos)]) : heldOutTimes[Int(s.user)]
            }
            for t in tokenInputs { sparse[t.stream.name] = t.column(users: users, times: times) }
        }
        return SampleBatch(count: n, labels: specs.map(\.label), users: users, sparse: sparse, dense: dense)
    }

    private func fill(_ specs: [Spec], _ range: Range<Int>, _ history: SampleOptions.History,
                      _ itemOff: [Int32], _ tagOff: [Int32],
                      _ ip: UnsafeMutablePointer<Int32>, _ cp: UnsafeMutablePointer<Int32>,
                      _ tp: UnsafeMutablePointer<Int32>) {
        knownItems.withUnsafeBufferPointer { known in
        knownCategories.withUnsafeBufferPointer { cats in
        knownTags.withUnsafeBufferPointer { tags in
        tagPrefix.withUnsafeBufferPointer { prefix in
            for k in range {
                let (lo, hi, pad) = historyRange(specs[k].user, specs[k].pos, history)
                var i = Int(itemOff[k]), t = Int(tagOff[k])
                if pad { ip[i] = 0; cp[i] = 0; tp[t] = 0; i += 1; t += 1 }
                let n = hi - lo
                if n > 0 {
                    (ip + i).update(from: known.baseAddress! + lo, count: n)
                    (cp + i).update(from: cats.baseAddress! + lo, count: n)
                    let t0 = prefix[lo]
                    (tp + t).update(from: tags.baseAddress! + t0, count: prefix[hi] - t0)
                }
            }
        }}}}
    }

    private func fillWeights(_ specs: [Spec], _ range: Range<Int>, _ history: SampleOptions.History,
                             _ itemOff: [Int32], _ wp: UnsafeMutablePointer<Float>) {
        knownWeights!.withUnsafeBufferPointer { known in
            for k in range {
                let (lo, hi, pad) = historyRange(specs[k].user, specs[k].pos, history)
                var i = Int(itemOff[k])
                if pad { wp[i] = 1; i += 1 }
                if hi > lo { (wp + i).update(from: known.baseAddress! + lo, count: hi - lo) }
            }
        }
    }

    /// Per user: sorted unique item ids of the known training clicks.
    func seenItems() -> RaggedIDs {
        var out = RaggedIDs()
        out.offsets.reserveCapacity(numUsers + 1)
        out.ids.reserveCapacity(knownItems.count)
        var scratch: [Int32] = []
        for u in 0..<numUsers {
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: knownItems[knownStart[u] ..< knownStart[u + 1]])
            scratch.sort()
            var last: Int32 = -1
            for x in scratch where x != last { out.ids.append(x); last = x }
            out.offsets.append(Int32(out.ids.count))
        }
        return out
    }
}
