import Foundation

/// The model file: everything needed to rebuild a trained model and its
/// vocabularies, checked before anything is trusted.
///
///     offset 0   magic "YDNNMDL\0"
///            8   format version (UInt32, little-endian)
///           12   header length H (UInt32)
///           16   header: JSON {spec, features, itemCount, seed, epochsTrained, parameters: [{name, rows, cols}],
///                              extras: [{name, count}]}
///       16 + H   parameter values, Float32 little-endian, in header order
///                extras (opaque bytes from the caller: vocabularies...), in header order
///      end − 4   CRC-32 of every byte before it
///
/// Files are written to a temporary name and renamed, so a crash never leaves a
/// half-written model under the real name.
public enum Checkpoint {
    public static let magic: [UInt8] = Array("YDNNMDL\0".utf8)
    public static let formatVersion: UInt32 = 1

    struct Header: Codable {
        struct Feature: Codable { var name: String; var kind: String; var vocabularySize: Int }
        struct Blob: Codable { var name: String; var rows: Int; var cols: Int }
        struct Extra: Codable { var name: String; var count: Int }
        var spec: ModelSpec
        var features: [Feature]
        var itemCount: Int
        var seed: UInt64
        var epochsTrained: Int
        var parameters: [Blob]
        var extras: [Extra]
        /// Mean loss of every training batch (optional: plots survive a save/load).
        var lossHistory: [Double]?
    }

    /// Serialises the model; `extras` (e.g. vocabularies) are stored verbatim, in key order.
    public static func encode(_ model: Model, extras: [String: [UInt8]] = [:]) throws -> [UInt8] {
        let names = extras.keys.sorted()
        let header = Header(
            spec: model.spec,
            features: model.features.map { .init(name: $0.name, kind: $0.kind.rawValue, vocabularySize: $0.vocabularySize) },
            itemCount: model.itemCount, seed: model.seed, epochsTrained: model.epochsTrained,
            parameters: model.parameters.map { .init(name: $0.name, rows: $0.rows, cols: $0.cols) },
            extras: names.map { .init(name: $0, count: extras[$0]!.count) },
            lossHistory: model.lossHistory)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try Array(encoder.encode(header))
        var out = magic
        out.reserveCapacity(16 + json.count + model.parameterCount * 4 + names.reduce(0) { $0 + extras[$1]!.count } + 4)
        append(formatVersion, to: &out)
        append(UInt32(json.count), to: &out)
        out += json
        for p in model.parameters { for v in p.value { append(v.bitPattern, to: &out) } }
        for n in names { out += extras[n]! }
        append(crc32(out), to: &out)
        return out
    }

    /// Rebuilds a model from `encode`'s bytes. Every problem is a `ModelError.checkpoint`.
    public static func decode(_ bytes: [UInt8]) throws -> (model: Model, extras: [String: [UInt8]]) {
        func fail(_ m: String) -> ModelError { .checkpoint(m) }
        guard bytes.count >= 20, Array(bytes[0..<8]) == magic else { throw fail("not a ydnn model file") }
        let version = readU32(bytes, 8)
        guard version == formatVersion else {
            throw fail("model file format version \(version) is not supported (this build reads version \(formatVersion))")
        }
        let stored = readU32(bytes, bytes.count - 4)
        guard crc32(bytes[0..<(bytes.count - 4)]) == stored else {
            throw fail("checksum mismatch: the file is corrupt or truncated")
        }
        let headerLength = Int(readU32(bytes, 12))
        guard 16 + headerLength <= bytes.count - 4 else { throw fail("header length \(headerLength) runs past the end of the file") }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + headerLength)])) } catch {
            throw fail("unreadable header (\(error))")
        }
        var features: [FeatureInfo] = []
        for f in header.features {
            guard let kind = FeatureInfo.Kind(rawValue: f.kind) else { throw fail("feature '\(f.name)' has unknown kind '\(f.kind)'") }
            features.append(FeatureInfo(name: f.name, kind: kind, vocabularySize: f.vocabularySize))
        }
        // Sizes first, with overflow checks, so a forged header cannot make us
        // allocate terabytes or trap on an overflowing multiplication.
        var payload = 0
        for b in header.parameters {
            let (n, o1) = b.rows.multipliedReportingOverflow(by: b.cols)
            let (bytesN, o2) = n.multipliedReportingOverflow(by: 4)
            guard b.rows >= 0, b.cols >= 0, !o1, !o2, payload <= bytes.count, bytesN <= bytes.count else {
                throw fail("weight '\(b.name)' has an impossible shape \(b.rows)×\(b.cols)")
            }
            payload += bytesN
        }
        for e in header.extras {
            guard e.count >= 0, e.count <= bytes.count else { throw fail("extra '\(e.name)' has an impossible size \(e.count)") }
            payload += e.count
        }
        guard 16 + headerLength + payload == bytes.count - 4 else {
            throw fail("the file is \(bytes.count) bytes but its header describes \(16 + headerLength + payload + 4)")
        }
        let layout = Model.parameterLayout(spec: header.spec, features: features, itemCount: header.itemCount)
        guard layout.count == header.parameters.count else {
            throw fail("the file holds \(header.parameters.count) weight blocks but its spec needs \(layout.count)")
        }
        for (want, blob) in zip(layout, header.parameters) {
            guard want.name == blob.name, want.rows == blob.rows, want.cols == blob.cols else {
                throw fail("weight '\(blob.name)' is \(blob.rows)×\(blob.cols) but the spec needs '\(want.name)' \(want.rows)×\(want.cols)")
            }
        }
        let model: Model
        do { model = try Model(spec: header.spec, features: features, itemCount: header.itemCount, seed: header.seed) } catch {
            throw fail("the stored spec does not build a model: \(error)")
        }
        var offset = 16 + headerLength
        for p in model.parameters {
            for i in 0..<p.count { p.value[i] = Float(bitPattern: readU32(bytes, offset + 4 * i)) }
            offset += 4 * p.count
        }
        var extras: [String: [UInt8]] = [:]
        for e in header.extras {
            extras[e.name] = Array(bytes[offset..<(offset + e.count)])
            offset += e.count
        }
        model.epochsTrained = header.epochsTrained
        model.lossHistory = (header.lossHistory ?? []).filter(\.isFinite)
        return (model, extras)
    }

    /// Writes atomically (a temporary file beside it, then rename).
    public static func save(_ model: Model, to path: String, extras: [String: [UInt8]] = [:]) throws {
        let bytes = try encode(model, extras: extras)
        do { try AtomicFileWriter.write(bytes, to: path) } catch {
            throw ModelError.checkpoint("cannot write \(path): \(error)")
        }
    }

    public static func load(from path: String) throws -> (model: Model, extras: [String: [UInt8]]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError.checkpoint("cannot read \(path): no such file or not readable")
        }
        do { return try decode(Array(data)) } catch let ModelError.checkpoint(m) {
            throw ModelError.checkpoint("\(path): \(m)")
        }
    }

    /// Helpers for vocabularies as extras: length-prefixed UTF-8 strings.
    public static func encode(strings: [String]) -> [UInt8] {
        var out: [UInt8] = []
        append(UInt32(strings.count), to: &out)
        for s in strings { let u = Array(s.utf8); append(UInt32(u.count), to: &out); out += u }
        return out
    }

    public static func decode(strings bytes: [UInt8]) throws -> [String] {
        guard bytes.count >= 4 else { throw ModelError.checkpoint("string list is truncated") }
        let n = Int(readU32(bytes, 0))
        var out: [String] = [], offset = 4
        out.reserveCapacity(min(n, bytes.count / 4))
        for _ in 0..<n {
            guard offset + 4 <= bytes.count else { throw ModelError.checkpoint("string list is truncated") }
            let len = Int(readU32(bytes, offset)); offset += 4
            guard offset + len <= bytes.count else { throw ModelError.checkpoint("string list is truncated") }
            out.append(String(decoding: bytes[offset..<(offset + len)], as: UTF8.self)); offset += len
        }
        return out
    }

    // MARK: bytes

    static func append(_ v: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(v & 0xFF)); out.append(UInt8((v >> 8) & 0xFF))
        out.append(UInt8((v >> 16) & 0xFF)); out.append(UInt8(v >> 24))
    }

    static func readU32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    private static let crcTable: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (IEEE, as zlib).
    public static func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        crcTable.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}

extension Model {
    /// `save model "path"`: spec, weights and the caller's extras (vocabularies).
    public func save(to path: String, extras: [String: [UInt8]] = [:]) throws {
        try Checkpoint.save(self, to: path, extras: extras)
    }

    /// `load model "path"`.
    public static func load(from path: String) throws -> (model: Model, extras: [String: [UInt8]]) {
        try Checkpoint.load(from: path)
    }
}
