import Foundation
import YDNNSignals

/// File formats for `vectors users|items "path" format=...`:
/// - tsv: one vector per line, tab-separated, optionally led by its key;
/// - npy: NumPy v1.0 array, little-endian float32, shape (count, dimension)
///   (`numpy.load`);
/// - fvecs: per vector an int32 dimension then the floats (Faiss / TEXMEX tools).
public enum VectorFileFormat: String, Sendable, CaseIterable {
    case tsv, npy, fvecs

    /// The format implied by a file's extension, if any.
    public init?(path: String) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "tsv", "txt": self = .tsv
        case "npy": self = .npy
        case "fvecs": self = .fvecs
        default: return nil
        }
    }
}

public enum VectorExport {
    /// Writes `vectors` atomically (temporary file + rename). `keys` (one per row)
    /// lead each TSV line; the binary formats carry no keys, so write them beside
    /// with `writeKeys` if needed. When `token` is cancelled (checked by every
    /// write) it throws `Cancelled` and leaves whatever was at `path` before.
    public static func write(_ vectors: VectorSet, to path: String, format: VectorFileFormat, keys: [String]? = nil,
                             token: CancellationToken = .process) throws {
        if let k = keys, k.count != vectors.count {
            throw RetrievalError.shapeMismatch("\(k.count) keys for \(vectors.count) vectors")
        }
        let w = try AtomicFileWriter(path: path, token: token)
        switch format {
        case .tsv:
            var buf = [UInt8]()
            buf.reserveCapacity(1 << 20)
            let d = vectors.dimension
            for i in 0..<vectors.count {
                if let k = keys { buf.append(contentsOf: k[i].utf8); buf.append(9) }
                for j in 0..<d {
                    if j > 0 { buf.append(9) }
                    // Float's description is the shortest text that reads back to the same Float.
                    buf.append(contentsOf: vectors.values[i * d + j].description.utf8)
                }
                buf.append(10)
                if buf.count > 1 << 20 { try w.write(buf); buf.removeAll(keepingCapacity: true) }
            }
            try w.write(buf)
        case .npy:
            try w.write(npyHeader(count: vectors.count, dimension: vectors.dimension))
            try vectors.values.withUnsafeBytes { try w.write($0) }  // x86-64 and arm64 are little-endian
        case .fvecs:
            let d = vectors.dimension
            var dim = Int32(d).littleEndian
            try vectors.values.withUnsafeBufferPointer { v in
                for i in 0..<vectors.count {
                    try withUnsafeBytes(of: &dim) { try w.write($0) }
                    try w.write(UnsafeRawBufferPointer(start: v.baseAddress! + i * d, count: d * 4))
                }
            }
        }
        try w.commit()
    }

    /// One key per line, atomically (the companion of a .npy / .fvecs export).
    public static func writeKeys(_ keys: [String], to path: String) throws {
        try AtomicFileWriter.write(Array((keys.joined(separator: "\n") + (keys.isEmpty ? "" : "\n")).utf8), to: path)
    }

    /// The NumPy 1.0 header: magic, version, little-endian header length, then a
    /// Python dict literal padded with spaces to a 64-byte boundary and ended by \n.
    static func npyHeader(count: Int, dimension: Int) -> [UInt8] {
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(count), \(dimension)), }"
        let unpadded = 10 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let len = UInt16(dict.utf8.count)
        out += [UInt8(len & 0xFF), UInt8(len >> 8)]
        out += Array(dict.utf8)
        return out
    }

    /// Reads a file written by `write` (or by numpy / Faiss tools in the same
    /// layouts). For TSV, `keyed` says whether the first field is a key; nil guesses
    /// from the first line (a key that looks like a number, e.g. a numeric user id,
    /// defeats the guess, so pass `keyed` when you know).
    public static func read(path: String, format: VectorFileFormat, keyed: Bool? = nil) throws -> (vectors: VectorSet, keys: [String]?) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RetrievalError.io(path: path, reason: "cannot read file")
        }
        let bytes = [UInt8](data)
        let bad = { (why: String) in RetrievalError.io(path: path, reason: why) }
        switch format {
        case .npy:
            guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else { throw bad("not a .npy file") }
            let major = bytes[6]
            let headerLen = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
                : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            let start = (major == 1 ? 10 : 12) + headerLen
            guard start <= bytes.count else { throw bad("truncated .npy header") }
            let header = String(decoding: bytes[(major == 1 ? 10 : 12)..<start], as: UTF8.self)
            guard header.contains("'<f4'"), header.contains("'fortran_order': False") else {
                throw bad("only little-endian float32 C-order .npy arrays are supported")
            }
            guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
                throw bad("no shape in .npy header")
            }
            let dims = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard dims.count == 2 else { throw bad("expected a 2-d array, got shape (\(header[open.upperBound..<close]))") }
            guard (bytes.count - start) == dims[0] * dims[1] * 4 else { throw bad("data length does not match the shape") }
            let values = bytes.withUnsafeBytes { raw in
                (0..<(dims[0] * dims[1])).map { raw.loadUnaligned(fromByteOffset: start + $0 * 4, as: Float.self) }
            }
            return (try VectorSet(count: dims[0], dimension: dims[1], values: values), nil)
        case .fvecs:
            guard bytes.count >= 4 else { throw bad("empty .fvecs file") }
            let d = bytes.withUnsafeBytes { Int($0.loadUnaligned(as: Int32.self)) }
            guard d > 0, bytes.count % (4 + 4 * d) == 0 else { throw bad("file length is not a multiple of the record size") }
            let n = bytes.count / (4 + 4 * d)
            var values = [Float]()
            values.reserveCapacity(n * d)
            try bytes.withUnsafeBytes { raw in
                for i in 0..<n {
                    let off = i * (4 + 4 * d)
                    guard Int(raw.loadUnaligned(fromByteOffset: off, as: Int32.self)) == d else { throw bad("record \(i) has another dimension") }
                    for j in 0..<d { values.append(raw.loadUnaligned(fromByteOffset: off + 4 + 4 * j, as: Float.self)) }
                }
            }
            return (try VectorSet(count: n, dimension: d, values: values), nil)
        case .tsv:
            var rows: [[Float]] = [], keys: [String] = []
            var keyed = keyed
            for (ln, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n").enumerated() {
                var fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                if keyed == nil { keyed = Float(fields[0]) == nil }
                if keyed! { keys.append(String(fields.removeFirst())) }
                let row = fields.compactMap { Float($0) }
                guard row.count == fields.count, !row.isEmpty else { throw bad("line \(ln + 1): not a vector") }
                rows.append(row)
            }
            guard !rows.isEmpty else { throw bad("no vectors") }
            return (try VectorSet(rows: rows), keyed == true ? keys : nil)
        }
    }
}
