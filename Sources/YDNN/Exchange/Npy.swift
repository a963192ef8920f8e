import Foundation

/// NumPy `.npy` files (format 1.0, little-endian, C order) of any shape: what the
/// TorchRec export writes its samples and weights as, since `numpy.load` (with
/// `mmap_mode="r"`, so a reader streams a shard without reading it whole) and
/// every array library read them without a schema.
public enum Npy {
    public enum DType: String, Sendable {
        case float32 = "<f4", int32 = "<i4", int64 = "<i8"
        var size: Int { self == .int64 ? 8 : 4 }
    }

    /// The 1.0 header: magic, version, header length, then the dict literal padded
    /// with spaces so the data starts on a 64-byte boundary.
    public static func header(_ dtype: DType, shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var dict = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': (\(dims)), }"
        let unpadded = 10 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let len = UInt16(dict.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(len & 0xFF), UInt8(len >> 8)] + Array(dict.utf8)
    }

    public static func write(_ values: [Float], shape: [Int], to path: String) throws {
        try write(values, .float32, shape: shape, to: path)
    }

    public static func write(_ values: [Int32], shape: [Int], to path: String) throws {
        try write(values, .int32, shape: shape, to: path)
    }

    public static func write(_ values: [Int64], shape: [Int], to path: String) throws {
        try write(values, .int64, shape: shape, to: path)
    }

    /// Raw little-endian values after the header, atomically (x86 and ARM are little-endian).
    private static func write<T>(_ values: [T], _ dtype: DType, shape: [Int], to path: String) throws {
        precondition(shape.reduce(1, *) == values.count && MemoryLayout<T>.size == dtype.size,
                     "npy \(path): \(values.count) values for shape \(shape)")
        let w = try AtomicFileWriter(path: path)
        try w.write(header(dtype, shape: shape))
        try values.withUnsafeBytes { try w.write($0) }
        try w.commit()
    }

    /// A float32 array of 1 or 2 dimensions as (rows, cols, values); a 1-d array is rows × 1.
    public static func readFloats(path: String) throws -> (rows: Int, cols: Int, values: [Float]) {
        func bad(_ why: String) -> ModelError { .checkpoint("\(path): \(why)") }
        guard let data = FileManager.default.contents(atPath: path) else { throw bad("cannot read the file") }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else { throw bad("not a .npy file") }
        let major = bytes[6]
        let lenBytes = major == 1 ? 2 : 4
        var headerLength = 0
        for i in 0..<lenBytes { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        let start = 8 + lenBytes + headerLength
        guard start <= bytes.count else { throw bad("truncated .npy header") }
        let header = String(decoding: bytes[(8 + lenBytes)..<start], as: UTF8.self)
        guard header.contains("'<f4'"), header.contains("'fortran_order': False") else {
            throw bad("expected a little-endian float32 C-order array")
        }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw bad("no shape in the .npy header")
        }
        let dims = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard dims.count == 1 || dims.count == 2, dims.allSatisfy({ $0 >= 0 }) else { throw bad("expected a 1-d or 2-d array") }
        let rows = dims[0], cols = dims.count == 2 ? dims[1] : 1
        let (n, overflow) = rows.multipliedReportingOverflow(by: cols)
        guard !overflow, bytes.count - start == n * 4 else { throw bad("the data length does not match the shape \(dims)") }
        let values = bytes.withUnsafeBytes { raw in
            (0..<n).map { raw.loadUnaligned(fromByteOffset: start + $0 * 4, as: Float.self) }
        }
        return (rows, cols, values)
    }
}
