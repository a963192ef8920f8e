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

/// The on-disk form of every index:
///   8 bytes magic "YDNNIDX\n", UInt32 format version, UInt32 kind,
///   UInt64 payload length, payload, UInt64 checksum of the payload.
/// Any mismatch (magic, version, length, checksum, payload structure) is reported
/// as `RetrievalError.corruptFile` naming the file and the reason.
public enum IndexFile {
    public enum Kind: UInt32, Sendable { case exact = 1, lsh = 2, hnsw = 3 }
    static let magic: [UInt8] = Array("YDNNIDX\n".utf8)
    public static let formatVersion: UInt32 = 1

    static func write(kind: Kind, payload: BinaryWriter, to path: String) throws {
        var header = BinaryWriter()
        header.write(formatVersion)
        header.write(kind.rawValue)
        header.write(UInt64(payload.bytes.count))
        var trailer = BinaryWriter()
        trailer.write(payload.bytes.withUnsafeBytes { checksum($0) })
        let w = try AtomicFileWriter(path: path)
        try w.write(magic)
        try w.write(header.bytes)
        try w.write(payload.bytes)
        try w.write(trailer.bytes)
        try w.commit()
    }

    /// Reads an index saved by any index's `save(to:)`.
    public static func load(path: String) throws -> VectorIndex {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RetrievalError.io(path: path, reason: "cannot read file")
        }
        let bytes = [UInt8](data)
        let corrupt = { (reason: String) in RetrievalError.corruptFile(path: path, reason: reason) }
        guard bytes.count >= 32, Array(bytes[0..<8]) == magic else { throw corrupt("not a ydnn index file") }
        var head = BinaryReader(bytes: bytes, path: path, start: 8, end: 24)
        let version: UInt32 = try head.read()
        guard version == formatVersion else {
            throw corrupt("format version \(version), this build reads version \(formatVersion)")
        }
        let kindRaw: UInt32 = try head.read()
        let length: UInt64 = try head.read()
        guard length == UInt64(bytes.count - 32) else { throw corrupt("truncated or padded: payload length mismatch") }
        let payloadEnd = 24 + Int(length)
        var tail = BinaryReader(bytes: bytes, path: path, start: payloadEnd, end: payloadEnd + 8)
        let stored: UInt64 = try tail.read()
        let actual = bytes.withUnsafeBytes { checksum(UnsafeRawBufferPointer(rebasing: $0[24..<payloadEnd])) }
        guard stored == actual else { throw corrupt("checksum mismatch") }
        guard let kind = Kind(rawValue: kindRaw) else { throw corrupt("unknown index kind \(kindRaw)") }
        var r = BinaryReader(bytes: bytes, path: path, start: 24, end: payloadEnd)
        switch kind {
        case .exact: return try ExactIndex.read(&r)
        case .lsh: return try LSHIndex.read(&r)
        case .hnsw: return try HNSWIndex.read(&r)
        }
    }

    /// 64-bit checksum over 8-byte words: xor, odd multiply and rotate are each
    /// bijective, so any change confined to one word always changes the result;
    /// the mixing makes multi-word changes collide only by chance (2^-64).
    static func checksum(_ buf: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(buf.count)
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
