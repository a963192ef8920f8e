import Foundation

/// An interning table of byte strings: every distinct key gets the next id
/// (0, 1, 2, ... in order of first appearance). Keys live back to back in one byte
/// arena and the hash index is an open-addressing array of ids, so a table of a
/// million keys costs a few bytes per key plus the key bytes, and a lookup while
/// parsing needs no `String` at all.
public struct StringTable: Sendable {
    private var arena: [UInt8] = []
    private var ends: [Int32] = []     // key i is arena[ends[i-1] ..< ends[i]]
    private var hashes: [UInt32] = []  // per key, so growth and misses skip memcmp
    private var slots: [Int32]         // -1 = empty
    private var mask: Int

    public init() {
        slots = [Int32](repeating: -1, count: 16)
        mask = 15
    }

    public var count: Int { ends.count }

    /// Bytes held (arena, index and per-key arrays), for memory accounting.
    public var memoryBytes: Int {
        arena.capacity + ends.capacity * 4 + hashes.capacity * 4 + slots.capacity * 4
    }
    /// Bytes of the keys themselves plus a 4-byte offset each.
    public var compactBytes: Int { arena.count + ends.count * 4 }

    @inline(__always)
    static func hash(_ p: UnsafeRawPointer, _ n: Int) -> UInt32 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                w |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift
                shift += 8; i += 1
            }
            h = (h ^ w) &* 0xC4CE_B9FE_1A85_EC53
        }
        h ^= h >> 29
        h = h &* 0x9E37_79B9_7F4A_7C15
        return UInt32(truncatingIfNeeded: h >> 32)
    }

    @inline(__always)
    private func start(_ id: Int) -> Int { id == 0 ? 0 : Int(ends[id - 1]) }

    @inline(__always)
    private func matches(_ id: Int, _ p: UnsafeRawPointer, _ n: Int) -> Bool {
        let s = start(id)
        guard Int(ends[id]) - s == n else { return false }
        return arena.withUnsafeBufferPointer { a in memcmp(a.baseAddress! + s, p, n) == 0 }
    }

    /// The id of `key`, adding it when new.
    @inline(__always)
    public mutating func intern(_ key: UnsafeBufferPointer<UInt8>) -> Int32 {
        let n = key.count
        let p = UnsafeRawPointer(key.baseAddress ?? UnsafePointer(bitPattern: 1)!)
        let h = StringTable.hash(p, n)
        var s = Int(h) & mask
        while true {
            let id = slots[s]
            if id < 0 { break }
            if hashes[Int(id)] == h && matches(Int(id), p, n) { return id }
            s = (s + 1) & mask
        }
        let id = Int32(ends.count)
        arena.append(contentsOf: key)
        ends.append(Int32(arena.count))
        hashes.append(h)
        slots[s] = id
        if ends.count * 2 > slots.count { grow() }
        return id
    }

    @discardableResult
    public mutating func intern(_ key: String) -> Int32 {
        var k = key
        return k.withUTF8 { intern($0) }
    }

    /// The id of `key`, or nil when absent.
    public func find(_ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        let n = key.count
        let p = UnsafeRawPointer(key.baseAddress ?? UnsafePointer(bitPattern: 1)!)
        let h = StringTable.hash(p, n)
        var s = Int(h) & mask
        while true {
            let id = slots[s]
            if id < 0 { return nil }
            if hashes[Int(id)] == h && matches(Int(id), p, n) { return id }
            s = (s + 1) & mask
        }
    }

    public func find(_ key: String) -> Int32? {
        var k = key
        return k.withUTF8 { find($0) }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for id in 0..<ends.count {
            var s = Int(hashes[id]) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(id)
        }
    }

    /// Calls `body` with the bytes of key `id`.
    public func withBytes<R>(_ id: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let s = start(Int(id)), e = Int(ends[Int(id)])
        return try arena.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[s..<e])) }
    }

    public subscript(id: Int32) -> String { withBytes(id) { $0.decodedString() } }

    public var keys: [String] { (0..<count).map { self[Int32($0)] } }

    /// Drops spare capacity once loading is done.
    mutating func shrink() {
        arena = compacted(arena)
        ends = compacted(ends)
        hashes = compacted(hashes)
    }
}

/// A copy without spare capacity (`Array(a)` would share the old buffer).
func compacted<T>(_ a: [T]) -> [T] {
    if a.capacity == a.count { return a }
    var b = [T]()
    b.reserveCapacity(a.count)
    b.append(contentsOf: a)
    return b
}
