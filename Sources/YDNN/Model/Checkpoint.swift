import Foundation

/// The model file: everything needed to rebuild a trained model and its
/// vocabularies, and to go on training it as if it had never stopped, checked
/// before anything is trusted.
///
///     offset 0   magic "YDNNMDL\0"
///            8   format version (UInt32, little-endian)
///           12   header length H (UInt32)
///           16   header: JSON {spec, features, itemCount, seed, epochsTrained, parameters: [{name, rows, cols}],
///                              extras: [{name, count}], lossHistory,
///                              optimizer: {spec, step, tensors: [{name, first, second}]}, training: {run, ...}}
///       16 + H   parameter values, Float32 little-endian, in header order
///                optimizer moments, Float32: per optimizer tensor its first, then its second moment, if it has them
///                extras (opaque bytes from the caller: vocabularies...), in header order
///      end − 4   CRC-32 of every byte before it
///
/// Format 1 (no optimizer or training state) still loads; its model continues with
/// a fresh optimizer and a new run of random streams.
/// Files are written to a temporary name and renamed, so a crash never leaves a
/// half-written model under the real name.
public enum Checkpoint {
    public static let magic: [UInt8] = Array("YDNNMDL\0".utf8)
    public static let formatVersion: UInt32 = 2
    /// The extra holding an item tower's per-item feature values (`ItemInputs`).
    static let itemInputsExtra = "model.item_inputs"
    /// Versions this build reads.
    static let readableVersions: ClosedRange<UInt32> = 1...2

    struct Header: Codable {
        struct Feature: Codable { var name: String; var kind: String; var vocabularySize: Int }
        struct Blob: Codable { var name: String; var rows: Int; var cols: Int }
        struct Extra: Codable { var name: String; var count: Int }
        /// The moments stored for one tensor (each as many floats as the tensor).
        struct Moments: Codable { var name: String; var first: Bool; var second: Bool }
        struct OptimizerState: Codable { var spec: OptimizerSpec; var step: Int; var tensors: [Moments] }
        var spec: ModelSpec
        var features: [Feature]
        var itemCount: Int
        var seed: UInt64
        var epochsTrained: Int
        var parameters: [Blob]
        var extras: [Extra]
        /// Mean loss of every training batch (optional: plots survive a save/load).
        var lossHistory: [Double]?
        /// Format 2: the optimizer's step count and moments, so Adam and Adagrad go on.
        var optimizer: OptimizerState?
        /// Format 2: where the training run's random streams stand.
        var training: TrainingStreams.Position?
    }

    /// Serialises the model; `extras` (e.g. vocabularies) are stored verbatim, in key
    /// order. With `optimizerState` (the default) the optimizer's moments are kept
    /// too (Adam: twice the weights' size again), so training goes on exactly where
    /// it stopped; without, the file is smaller and a later `train` starts Adam anew.
    public static func encode(_ model: Model, extras callerExtras: [String: [UInt8]] = [:], optimizerState: Bool = true) throws -> [UInt8] {
        var extras = callerExtras
        if let inputs = model.itemInputs { extras[itemInputsExtra] = inputs.encoded() }
        let names = extras.keys.sorted()
        var moments: [(Header.Moments, [Float], [Float])] = []
        var optimizer: Header.OptimizerState? = nil
        if optimizerState, let o = model.optimizerState, o.step > 0 {
            for p in model.parameters {
                guard let (m, v) = o.state(of: p) else { continue }
                moments.append((Header.Moments(name: p.name, first: !m.isEmpty, second: !v.isEmpty), m, v))
            }
            optimizer = Header.OptimizerState(spec: o.spec, step: o.step, tensors: moments.map(\.0))
        }
        let header = Header(
            spec: model.spec,
            features: model.features.map { .init(name: $0.name, kind: $0.kind.rawValue, vocabularySize: $0.vocabularySize) },
            itemCount: model.itemCount, seed: model.seed, epochsTrained: model.epochsTrained,
            parameters: model.layout.tensors.map { .init(name: $0.name, rows: $0.rows, cols: $0.cols) },
            extras: names.map { .init(name: $0, count: extras[$0]!.count) },
            lossHistory: model.lossHistory, optimizer: optimizer,
            // The run goes on only with the optimizer that trained it.
            training: optimizer == nil ? nil : model.streamPosition)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try Array(encoder.encode(header))
        let floats = model.parameterCount + moments.reduce(0) { $0 + $1.1.count + $1.2.count }
        var out = magic
        out.reserveCapacity(16 + json.count + floats * 4 + names.reduce(0) { $0 + extras[$1]!.count } + 4)
        append(formatVersion, to: &out)
        append(UInt32(json.count), to: &out)
        out += json
        for p in model.parameters { for v in p.value { append(v.bitPattern, to: &out) } }
        for (_, m, v) in moments {
            for x in m { append(x.bitPattern, to: &out) }
            for x in v { append(x.bitPattern, to: &out) }
        }
        for n in names { out += extras[n]! }
        append(crc32(out), to: &out)
        return out
    }

    /// Rebuilds a model from `encode`'s bytes. Every problem is a `ModelError.checkpoint`.
    public static func decode(_ bytes: [UInt8]) throws -> (model: Model, extras: [String: [UInt8]]) {
        func fail(_ m: String) -> ModelError { .checkpoint(m) }
        guard bytes.count >= 20, Array(bytes[0..<8]) == magic else { throw fail("not a ydnn model file") }
        let version = readU32(bytes, 8)
        guard readableVersions.contains(version) else {
            throw fail("model file format version \(version) is not supported (this build reads versions "
                       + "\(readableVersions.lowerBound) to \(readableVersions.upperBound))")
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
        let layout = ParameterLayout(spec: header.spec, features: features, itemCount: header.itemCount)
        guard layout.tensors.count == header.parameters.count else {
            throw fail("the file holds \(header.parameters.count) weight blocks but its spec needs \(layout.tensors.count)")
        }
        for (want, blob) in zip(layout.tensors, header.parameters) {
            guard want.name == blob.name, want.rows == blob.rows, want.cols == blob.cols else {
                throw fail("weight '\(blob.name)' is \(blob.rows)×\(blob.cols) but the spec needs '\(want.name)' \(want.shape)")
            }
        }
        // Optimizer moments: each names a tensor of the layout, at most once, and is as large.
        var momentTensors: [(index: Int, first: Bool, second: Bool)] = []
        if let o = header.optimizer {
            guard o.step >= 0 else { throw fail("the optimizer state has step \(o.step)") }
            var seen = Set<String>()
            for t in o.tensors {
                guard let i = layout.index(named: t.name), seen.insert(t.name).inserted else {
                    throw fail("the optimizer state names tensor '\(t.name)' that the spec lacks or names twice")
                }
                momentTensors.append((i, t.first, t.second))
                payload += 4 * layout.tensors[i].count * ((t.first ? 1 : 0) + (t.second ? 1 : 0))
            }
        }
        for e in header.extras {
            guard e.count >= 0, e.count <= bytes.count, payload <= bytes.count else {
                throw fail("extra '\(e.name)' has an impossible size \(e.count)")
            }
            payload += e.count
        }
        guard 16 + headerLength + payload == bytes.count - 4 else {
            throw fail("the file is \(bytes.count) bytes but its header describes \(16 + headerLength + payload + 4)")
        }
        // The extras end the payload; the item tower's inputs among them are needed to build the model.
        var extras: [String: [UInt8]] = [:]
        var extraOffset = bytes.count - 4 - header.extras.reduce(0) { $0 + $1.count }
        for e in header.extras {
            extras[e.name] = Array(bytes[extraOffset..<(extraOffset + e.count)])
            extraOffset += e.count
        }
        let itemInputs = try extras.removeValue(forKey: itemInputsExtra).map(ItemInputs.decode)
        let model: Model
        do {
            model = try Model(spec: header.spec, features: features, itemCount: header.itemCount, seed: header.seed, itemInputs: itemInputs)
        } catch {
            throw fail("the stored spec does not build a model: \(error)")
        }
        var offset = 16 + headerLength
        // Reads `count` floats; a NaN or infinity is refused with the tensor's name,
        // since it would silently poison every score computed from it.
        func floats(_ count: Int, _ what: String) throws -> [Float] {
            var out = [Float](repeating: 0, count: count)
            for i in 0..<count {
                let v = Float(bitPattern: readU32(bytes, offset + 4 * i))
                guard v.isFinite else { throw fail("\(what) holds \(v.isNaN ? "NaN" : v > 0 ? "+infinity" : "-infinity") at element \(i)") }
                out[i] = v
            }
            offset += 4 * count
            return out
        }
        for p in model.parameters { p.value = try floats(p.count, "tensor '\(p.name)'") }
        if let o = header.optimizer {
            var states: [(Parameter, m: [Float], v: [Float])] = []
            for (i, first, second) in momentTensors {
                let p = model.parameters[i]
                let m = first ? try floats(p.count, "the optimizer's first moment of '\(p.name)'") : []
                let v = second ? try floats(p.count, "the optimizer's second moment of '\(p.name)'") : []
                states.append((p, m, v))
            }
            let optimizer = Optimizer(o.spec, step: o.step, states: states)
            // A file whose moments do not fit its rule (Adam without m) cannot continue it.
            for (p, m, v) in states where m.isEmpty == optimizer.keepsFirstMoment || v.isEmpty == optimizer.keepsSecondMoment {
                throw fail("the optimizer state of '\(p.name)' does not fit \(o.spec.kind.rawValue)")
            }
            model.optimizerState = optimizer
        }
        model.epochsTrained = header.epochsTrained
        model.lossHistory = (header.lossHistory ?? []).filter(\.isFinite)
        model.savedStreamPosition = header.training
        return (model, extras)
    }

    /// Writes atomically (a temporary file beside it, then rename).
    public static func save(_ model: Model, to path: String, extras: [String: [UInt8]] = [:], optimizerState: Bool = true) throws {
        let bytes = try encode(model, extras: extras, optimizerState: optimizerState)
        // A FileWriteError says "cannot write PATH: why" itself.
        try AtomicFileWriter.write(bytes, to: path)
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
    public func save(to path: String, extras: [String: [UInt8]] = [:], optimizerState: Bool = true) throws {
        try Checkpoint.save(self, to: path, extras: extras, optimizerState: optimizerState)
    }

    /// `load model "path"`.
    public static func load(from path: String) throws -> (model: Model, extras: [String: [UInt8]]) {
        try Checkpoint.load(from: path)
    }
}
