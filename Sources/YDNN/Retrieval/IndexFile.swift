import Foundation

/// Little-endian binary encoder for index payloads.
struct BinaryWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}

    public mutating func write<T: FixedWidthInteger>(_ x: T) {
        withUnsafeBytes(of: x.littleEndian) { bytes.append(contentsOf: $0) }
    }
    public mutating func write(_ x: Float) { write(x.bitPattern) }
    public mutating func write(_ s: String) {
        let u = Array(s.utf8)
        write(UInt32(u.count))
        bytes.append(contentsOf: u)
    }
    /// Count-prefixed raw array of a trivial type (Float, UInt32, Int32, UInt8, UInt64).
    public mutating func writeArray<T: BitwiseCopyable>(_ a: [T]) {
        write(UInt64(a.count))
        a.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
    public mutating func writeRaw<T>(_ p: UnsafePointer<T>, count: Int) {
        write(UInt64(count))
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: p, count: count * MemoryLayout<T>.stride))
    }
    public mutating func write(_ v: VectorSet) {
        write(UInt64(v.count)); write(UInt64(v.dimension)); writeArray(v.values)
    }
}

/// The matching decoder: every read checks the remaining length and fails with
/// a `corruptFile` error instead of trapping.
struct BinaryReader {
    let bytes: [UInt8]
    let path: String
    private(set) var position: Int
    let end: Int

    init(bytes: [UInt8], path: String, start: Int, end: Int) {
        self.bytes = bytes; self.path = path; self.position = start; self.end = end
    }

    func failure(_ reason: String) -> RetrievalError { .corruptFile(path: path, reason: reason) }

    mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let n = MemoryLayout<T>.size
        guard position + n <= end else { throw failure("truncated payload") }
        var x: T = 0
        _ = withUnsafeMutableBytes(of: &x) { dst in
            bytes.withUnsafeBytes { src in memcpy(dst.baseAddress!, src.baseAddress! + position, n) }
        }
        position += n
        return T(littleEndian: x)
    }
    mutating func readInt() throws -> Int {
        let v: Int64 = try read()
        return Int(v)
    }
    mutating func readFloat() throws -> Float { Float(bitPattern: try read(UInt32.self)) }
    mutating func readString() throws -> String {
        let n = Int(try read(UInt32.self))
        guard n <= end - position else { throw failure("truncated string") }
        defer { position += n }
        return String(decoding: bytes[position ..< position + n], as: UTF8.self)
    }
    mutating func readArray<T: BitwiseCopyable>(_: T.Type = T.self, expected: Int? = nil) throws -> [T] {
        let n64: UInt64 = try read()
        let size = MemoryLayout<T>.stride
        guard n64 <= UInt64(end - position) / UInt64(size) else { throw failure("array longer than the file") }
        let n = Int(n64)
        if let e = expected, e != n { throw failure("array of \(n) elements where \(e) were expected") }
        let start = position
        let out = [T](unsafeUninitializedCapacity: n) { buf, initialized in
            if n > 0 {
                bytes.withUnsafeBytes { src in
                    _ = memcpy(UnsafeMutableRawPointer(buf.baseAddress!), src.baseAddress! + start, n * size)
                }
            }
            initialized = n
        }
        position += n * size
        return out
    }
    mutating func readVectorSet() throws -> VectorSet {
        let count = try read(UInt64.self), dim = try read(UInt64.self)
        guard dim > 0, dim < 1 << 24, count < 1 << 40 else { throw failure("implausible vector shape \(count) x \(dim)") }
        let values: [Float] = try readArray(expected: Int(count * dim))
        return try VectorSet(count: Int(count), dimension: Int(dim), values: values)
    }
}

/// The on-disk form of every index (format 2):
///   8 bytes magic "YDNNIDX\n", UInt32 format version, UInt32 kind,
///   UInt64 payload length, UInt64 fingerprint flag (1: recorded, 0: not),
///   UInt64 fingerprint of the item vectors the index was built from, payload,
///   UInt64 checksum of flag + fingerprint + payload.
/// Format 1 had no flag and fingerprint, and its checksum covered the payload only.
/// Any mismatch (magic, version, length, checksum, payload structure) is reported
/// as `RetrievalError.corruptFile` naming the file and the reason.
///
/// The fingerprint ties an index to the model whose item vectors it holds: an
/// index of another model (or of this one before more training) has the right
/// shape and loads fine, but answers with the wrong items.
///
///     try IndexFile.save(index, to: path, itemFingerprint: model.itemVectorFingerprint())
///     let index = try IndexFile.load(path: path, expectedItemFingerprint: model.itemVectorFingerprint())
public enum IndexFile {
    public enum Kind: UInt32, Sendable { case exact = 1, lsh = 2, hnsw = 3 }
    static let magic: [UInt8] = Array("YDNNIDX\n".utf8)
    public static let formatVersion: UInt32 = 2

    /// The fingerprint `write` records: set around an index's own `save(to:)` by
    /// `save(_:to:itemFingerprint:)` (task-local, so concurrent saves never mix them up).
    @TaskLocal static var pendingFingerprint: UInt64?

    /// Saves `index` (through its own `save(to:)`) recording `itemFingerprint`,
    /// e.g. `model.itemVectorFingerprint`, for `load(path:expectedItemFingerprint:)`.
    public static func save(_ index: VectorIndex, to path: String, itemFingerprint: UInt64) throws {
        try $pendingFingerprint.withValue(itemFingerprint) { try index.save(to: path) }
    }

    /// 64-bit fingerprint of item vectors (rows × dimension floats, bit patterns):
    /// any change of a value, of the count or of the dimension changes it except by
    /// a 2^-64 chance.
    public static func fingerprint(vectors: [Float], dimension: Int) -> UInt64 {
        var shape = BinaryWriter()
        shape.write(UInt64(dimension)); shape.write(UInt64(vectors.count))
        let h = vectors.withUnsafeBytes { checksum($0) }
        return shape.bytes.withUnsafeBytes { checksum($0) } ^ (h &* 0x9E37_79B9_7F4A_7C15)
    }

    static func write(kind: Kind, payload: BinaryWriter, to path: String) throws {
        var header = BinaryWriter()
        header.write(formatVersion)
        header.write(kind.rawValue)
        header.write(UInt64(payload.bytes.count))
        let flag: UInt64 = pendingFingerprint == nil ? 0 : 1, fingerprint = pendingFingerprint ?? 0
        var stamp = BinaryWriter()
        stamp.write(flag)
        stamp.write(fingerprint)
        var trailer = BinaryWriter()
        trailer.write(payload.bytes.withUnsafeBytes { checksum($0, prefix: [flag, fingerprint]) })
        let w = try AtomicFileWriter(path: path)
        try w.write(magic)
        try w.write(header.bytes)
        try w.write(stamp.bytes)
        try w.write(payload.bytes)
        try w.write(trailer.bytes)
        try w.commit()
    }

    /// Reads an index saved by any index's `save(to:)`, without checking which item
    /// vectors it was built from (files of format 1 and 2).
    public static func load(path: String) throws -> VectorIndex { try read(path: path).index }

    /// Reads an index and checks it was built from the item vectors whose
    /// fingerprint is `expectedItemFingerprint` (the current model's). Refused: an
    /// index of other item vectors, and one that recorded none (format 1, or saved
    /// with plain `save(to:)`), which cannot be trusted and is cheap to rebuild.
    public static func load(path: String, expectedItemFingerprint: UInt64) throws -> VectorIndex {
        let (index, recorded) = try read(path: path)
        guard let recorded else {
            throw RetrievalError.invalidArgument(
                "\(path): the index file does not record which item vectors it was built from "
                    + "(written before indexes carried a fingerprint); rebuild the index for the current model and save it again")
        }
        guard recorded == expectedItemFingerprint else {
            throw RetrievalError.invalidArgument(
                "\(path): the index was built from other item vectors than the current model's (fingerprint "
                    + hex(recorded) + ", the model's " + hex(expectedItemFingerprint)
                    + "): it belongs to another model or to this one before further training; rebuild it")
        }
        return index
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// The index and the fingerprint it recorded, if any.
    static func read(path: String) throws -> (index: VectorIndex, fingerprint: UInt64?) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RetrievalError.io(path: path, reason: "cannot read file")
        }
        let bytes = [UInt8](data)
        let corrupt = { (reason: String) in RetrievalError.corruptFile(path: path, reason: reason) }
        guard bytes.count >= 32, Array(bytes[0..<8]) == magic else { throw corrupt("not a ydnn index file") }
        var head = BinaryReader(bytes: bytes, path: path, start: 8, end: 24)
        let version: UInt32 = try head.read()
        guard version == 1 || version == formatVersion else {
            throw corrupt("format version \(version), this build reads versions 1 and \(formatVersion)")
        }
        let kindRaw: UInt32 = try head.read()
        let length: UInt64 = try head.read()
        // Format 2 has the 16-byte fingerprint stamp between header and payload.
        let stampBytes = version == 1 ? 0 : 16
        guard bytes.count >= 32 + stampBytes, length == UInt64(bytes.count - 32 - stampBytes) else {
            throw corrupt("truncated or padded: payload length mismatch")
        }
        let payloadStart = 24 + stampBytes, payloadEnd = payloadStart + Int(length)
        var tail = BinaryReader(bytes: bytes, path: path, start: payloadEnd, end: payloadEnd + 8)
        let stored: UInt64 = try tail.read()
        let actual = bytes.withUnsafeBytes { checksum(UnsafeRawBufferPointer(rebasing: $0[24..<payloadEnd])) }
        guard stored == actual else { throw corrupt("checksum mismatch") }
        var fingerprint: UInt64? = nil
        if version >= 2 {
            var stamp = BinaryReader(bytes: bytes, path: path, start: 24, end: payloadStart)
            let flag: UInt64 = try stamp.read(), value: UInt64 = try stamp.read()
            guard flag <= 1 else { throw corrupt("fingerprint flag \(flag)") }
            if flag == 1 { fingerprint = value }
        }
        guard let kind = Kind(rawValue: kindRaw) else { throw corrupt("unknown index kind \(kindRaw)") }
        var r = BinaryReader(bytes: bytes, path: path, start: payloadStart, end: payloadEnd)
        let index: VectorIndex
        switch kind {
        case .exact: index = try ExactIndex.read(&r)
        case .lsh: index = try LSHIndex.read(&r)
        case .hnsw: index = try HNSWIndex.read(&r)
        }
        return (index, fingerprint)
    }

    /// 64-bit checksum over 8-byte words: xor, odd multiply and rotate are each
    /// bijective, so any change confined to one word always changes the result;
    /// the mixing makes multi-word changes collide only by chance (2^-64).
    /// `prefix` words count as if they stood before `buf` (little-endian), so the
    /// writer need not copy a large payload behind its 16-byte stamp.
    static func checksum(_ buf: UnsafeRawBufferPointer, prefix: [UInt64] = []) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(buf.count + 8 * prefix.count)
        for w in prefix {
            h = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
            h = (h << 31) | (h >> 33)
        }
        let words = buf.count / 8
        for i in 0..<words {
            let w = buf.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            h = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
            h = (h << 31) | (h >> 33)
        }
        for i in (words * 8)..<buf.count {
            h = (h ^ UInt64(buf[i])) &* 0x0000_0100_0000_01B3
        }
        return h ^ (h >> 29)
    }
}
