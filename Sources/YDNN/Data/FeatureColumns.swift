/// Declared features: the columns of a click log beyond its keys, clicks and the
/// Paddle format's five fixed fields. A loader declares each one by name, with
/// what a row of it belongs to (a user, an item or a click) and what kind of value
/// it holds. Nothing is declared for the Paddle format, so its path through the
/// sample builder is the one it always was; every declared column costs memory in
/// proportion to its rows.
///
///     user gender (categorical), user age (continuous), item genres (bag),
///     event device (categorical): what `load movielens` / `load csv ...` declare.

/// What a row of a declared column belongs to.
public enum FeatureScope: String, Sendable, CaseIterable {
    /// One row per user (gender, age): every sample of the user sees it.
    case user
    /// One row per item (genres): the user tower sees the bag over the history's
    /// items, an item tower sees the item's own.
    case item
    /// One row per click (device, time of day): the context of the sample whose
    /// target the click is; unknown (`<unk>`, missing) when serving without one.
    case event
}

/// The kind of value a declared column holds.
public enum FeatureValueKind: String, Sendable, CaseIterable {
    /// One string value per row, mapped to a vocabulary id (`embed NAME DIM`).
    case categorical
    /// A list of string values per row (genres `Action|Comedy`), pooled (`embed NAME DIM pool=avg`).
    case bag
    /// A number per row, fed as its training quantile (`continuous NAME transforms=[x, x2, sqrt]`).
    case continuous
}

/// One declared column of a finished `ClickLog`: raw value ids into `values` per
/// row (categorical and bag), or numbers (continuous, NaN when missing).
public struct FeatureColumn: Sendable {
    public let name: String
    public let scope: FeatureScope
    public internal(set) var kind: FeatureValueKind
    /// The distinct string values (categorical and bag); empty for continuous.
    public internal(set) var values = StringTable()
    /// Row r's values are `ids[offsets[r] ..< offsets[r+1]]`; nil when every row
    /// has exactly one value (row r's is `ids[r]`), which halves a categorical column.
    public internal(set) var offsets: [Int32]? = nil
    public internal(set) var ids: [Int32] = []
    /// Continuous only: one number per row, NaN when the row has none.
    public internal(set) var numbers: [Float] = []

    init(name: String, scope: FeatureScope, kind: FeatureValueKind) {
        self.name = name; self.scope = scope; self.kind = kind
    }

    public var rows: Int { kind == .continuous ? numbers.count : (offsets.map { $0.count - 1 } ?? ids.count) }

    /// The raw value ids of row `r`.
    public func valueIDs(ofRow r: Int) -> ArraySlice<Int32> {
        guard let o = offsets else { return ids[r ... r] }
        return ids[Int(o[r]) ..< Int(o[r + 1])]
    }

    /// The row's values as text (`|`-joined for a bag; "" for a missing number), for display.
    public func text(ofRow r: Int) -> String {
        if kind == .continuous {
            let x = numbers[r]
            return x.isNaN ? "" : (x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : String(x))
        }
        return valueIDs(ofRow: r).map { values[$0] }.joined(separator: "|")
    }

    var memoryBytes: Int {
        values.memoryBytes + (offsets?.capacity ?? 0) * 4 + ids.capacity * 4 + numbers.capacity * 4
    }
    var compactBytes: Int { values.compactBytes + (offsets?.count ?? 0) * 4 + ids.count * 4 + numbers.count * 4 }
}

/// A declared column while a loader fills it: rows may be set in any order and
/// the first setting of a row wins (as for the fixed features).
struct FeatureColumnBuilder: Sendable {
    var column: FeatureColumn
    /// Per row: a raw value id, -1 unset, -2 several values (in `lists`).
    var single: [Int32] = []
    var lists: [Int32: [Int32]] = [:]
    var numbers: [Float] = []

    init(name: String, scope: FeatureScope, kind: FeatureValueKind) {
        column = FeatureColumn(name: name, scope: scope, kind: kind)
    }

    func isSet(_ row: Int) -> Bool {
        column.kind == .continuous ? row < numbers.count && !numbers[row].isNaN : row < single.count && single[row] != -1
    }

    mutating func set(_ row: Int, values ids: [Int32]) {
        while single.count <= row { single.append(-1) }
        guard single[row] == -1 else { return }
        if ids.count == 1 { single[row] = ids[0] } else { single[row] = -2; lists[Int32(row)] = ids }
    }

    mutating func set(_ row: Int, number: Float) {
        while numbers.count <= row { numbers.append(.nan) }
        if numbers[row].isNaN { numbers[row] = number }
    }

    mutating func truncate(to rows: Int) {
        if single.count > rows { single.removeSubrange(rows...) }
        if numbers.count > rows { numbers.removeSubrange(rows...) }
        lists = lists.filter { Int($0.key) < rows }
    }

    /// The finished column of `rows` rows, event rows put in `order` (new row k is
    /// old row order[k]) when given. Unset rows get the value "NULL" (`<unk>` in
    /// every vocabulary) or NaN; an empty list is "NULL" too.
    func build(rows: Int, order: [Int32]?) -> FeatureColumn {
        var c = column, single = single, numbers = numbers
        if c.kind == .continuous {
            numbers += [Float](repeating: .nan, count: max(0, rows - numbers.count))
            c.numbers = order.map { o in o.map { numbers[Int($0)] } } ?? numbers
            return c
        }
        single += [Int32](repeating: -1, count: max(0, rows - single.count))
        var null: Int32 = -1
        func nullID() -> Int32 {
            if null < 0 { null = c.values.intern("NULL") }
            return null
        }
        let rowAt: (Int) -> Int = order.map { o in { Int(o[$0]) } } ?? { $0 }
        if lists.isEmpty {
            c.ids = (0..<rows).map { k in let v = single[rowAt(k)]; return v >= 0 ? v : nullID() }
            c.offsets = nil
        } else {
            var offsets: [Int32] = [0], ids: [Int32] = []
            offsets.reserveCapacity(rows + 1); ids.reserveCapacity(rows + lists.count)
            for k in 0..<rows {
                let r = rowAt(k), v = single[r]
                if v >= 0 { ids.append(v) } else if v == -2, let l = lists[Int32(r)], !l.isEmpty { ids.append(contentsOf: l) } else { ids.append(nullID()) }
                offsets.append(Int32(ids.count))
            }
            c.ids = ids; c.offsets = offsets
            c.kind = .bag
        }
        c.values.shrink()
        return c
    }
}

extension ClickLog {
    /// The declared column called `name`, if any.
    public func declaredColumn(_ name: String) -> FeatureColumn? { declared.first { $0.name == name } }

    /// The sparse inputs every log's samples have (`Vocabularies.all`'s first seven).
    public static let fixedSparseFeatures = ["user_id", "province", "city", "phone", "items", "categories", "tags"]

    /// Names the sample builder gives its own inputs; a declared feature may not take one.
    public static let reservedFeatureNames = Set(fixedSparseFeatures + ["example_age"])
}

extension ClickLogBuilder {
    /// Declares a column and returns its slot for the setters below. Throws when
    /// the name is taken (by the sample builder's own inputs or an earlier column).
    public mutating func declare(_ name: String, scope: FeatureScope, kind: FeatureValueKind) throws -> Int {
        if ClickLog.reservedFeatureNames.contains(name) {
            throw DataError.invalidOption("feature name '\(name)' is taken by a built-in input (\(ClickLog.reservedFeatureNames.sorted().joined(separator: ", ")))")
        }
        if declared.contains(where: { $0.column.name == name }) {
            throw DataError.invalidOption("feature '\(name)' is declared twice")
        }
        if name.isEmpty { throw DataError.invalidOption("a feature needs a name") }
        declared.append(FeatureColumnBuilder(name: name, scope: scope, kind: kind))
        return declared.count - 1
    }

    public var hasEventFeatures: Bool { declared.contains { $0.column.scope == .event } }
    public func isSet(_ slot: Int, row: Int) -> Bool { declared[slot].isSet(row) }

    /// The raw id of a value of column `slot` (categorical or bag).
    public mutating func value(_ slot: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        declared[slot].column.values.intern(bytes)
    }
    public mutating func value(_ slot: Int, _ s: String) -> Int32 { declared[slot].column.values.intern(s) }

    /// Sets row `row` (a user, item or click index, by the column's scope); the first setting wins.
    public mutating func set(_ slot: Int, row: Int, values: [Int32]) { declared[slot].set(row, values: values) }
    public mutating func set(_ slot: Int, row: Int, number: Float) { declared[slot].set(row, number: number) }

    /// Splits `field` on `separator` and sets the trimmed, non-empty parts.
    public mutating func set(_ slot: Int, row: Int, field: UnsafeBufferPointer<UInt8>, separator: UInt8) {
        guard !declared[slot].isSet(row) else { return }
        var ids: [Int32] = []
        var s = 0
        while s <= field.count {
            var e = s
            while e < field.count && field[e] != separator { e += 1 }
            let part = field.slice(s..<e).trimmed()
            if part.count > 0 { ids.append(value(slot, part)) }
            s = e + 1
        }
        if !ids.isEmpty { set(slot, row: row, values: ids) }
    }
}
