import Foundation

/// Just enough PNG decoding to count pixel colours in a browser screenshot:
/// 8-bit RGB or RGBA, not interlaced (what Chromium writes). Inflate comes from
/// the system's zlib through dlopen, because the package has no zlib module and
/// the test must not add one; zlib is present wherever Chromium is.
struct DecodedPNG {
    let width: Int, height: Int
    /// RGBA, row-major, 4 bytes per pixel.
    let rgba: [UInt8]

    enum Failure: Error, CustomStringConvertible {
        case notPNG, unsupported(String), zlib(String)
        var description: String {
            switch self {
            case .notPNG: return "not a PNG file"
            case .unsupported(let s): return "unsupported PNG: \(s)"
            case .zlib(let s): return "zlib: \(s)"
            }
        }
    }

    init(data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count > 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { throw Failure.notPNG }
        func u32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        var pos = 8, w = 0, h = 0, colorType = 0
        var idat: [UInt8] = []
        while pos + 8 <= bytes.count {
            let length = u32(pos), type = String(decoding: bytes[pos + 4..<pos + 8], as: UTF8.self)
            let body = pos + 8
            guard body + length <= bytes.count else { throw Failure.notPNG }
            switch type {
            case "IHDR":
                w = u32(body); h = u32(body + 4)
                let depth = bytes[body + 8]; colorType = Int(bytes[body + 9])
                guard depth == 8, colorType == 2 || colorType == 6, bytes[body + 12] == 0 else {
                    throw Failure.unsupported("depth \(depth), colour type \(colorType), interlace \(bytes[body + 12])")
                }
            case "IDAT": idat += bytes[body..<body + length]
            default: break
            }
            if type == "IEND" { break }
            pos = body + length + 4  // skip CRC
        }
        let channels = colorType == 6 ? 4 : 3
        let stride = w * channels
        var raw = [UInt8](repeating: 0, count: h * (stride + 1))
        try DecodedPNG.inflate(idat, into: &raw)

        // Undo the per-row filters (PNG spec, section 9).
        var out = [UInt8](repeating: 255, count: w * h * 4)
        var prev = [UInt8](repeating: 0, count: stride), cur = [UInt8](repeating: 0, count: stride)
        for y in 0..<h {
            let filter = raw[y * (stride + 1)]
            let rowStart = y * (stride + 1) + 1
            for i in 0..<stride {
                let x = raw[rowStart + i]
                let a = i >= channels ? Int(cur[i - channels]) : 0, b = Int(prev[i]), c = i >= channels ? Int(prev[i - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw Failure.unsupported("filter \(filter)")
                }
                cur[i] = UInt8(truncatingIfNeeded: Int(x) + predictor)
            }
            for px in 0..<w {
                for ch in 0..<channels { out[(y * w + px) * 4 + ch] = cur[px * channels + ch] }
            }
            swap(&prev, &cur)
        }
        width = w; height = h; rgba = out
    }

    private typealias Uncompress = @convention(c) (UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt>?,
                                                   UnsafePointer<UInt8>?, UInt) -> Int32

    private static func inflate(_ input: [UInt8], into output: inout [UInt8]) throws {
        guard let lib = dlopen("libz.so.1", RTLD_NOW) ?? dlopen("libz.so", RTLD_NOW) else { throw Failure.zlib("libz.so.1 not found") }
        defer { dlclose(lib) }
        guard let sym = dlsym(lib, "uncompress") else { throw Failure.zlib("no uncompress symbol") }
        let uncompress = unsafeBitCast(sym, to: Uncompress.self)
        var outLength = UInt(output.count)
        let expected = output.count
        let status = output.withUnsafeMutableBufferPointer { o in
            input.withUnsafeBufferPointer { i in uncompress(o.baseAddress, &outLength, i.baseAddress, UInt(i.count)) }
        }
        guard status == 0, Int(outLength) == expected else { throw Failure.zlib("status \(status), \(outLength) of \(expected) bytes") }
    }

    /// Pixels within `tolerance` (per channel) of the colour "#rrggbb".
    func count(_ hex: String, tolerance: Int = 12) -> Int {
        let v = Int(hex.dropFirst(), radix: 16)!
        let r = v >> 16, g = (v >> 8) & 255, b = v & 255
        var n = 0
        for i in stride(from: 0, to: rgba.count, by: 4)
        where abs(Int(rgba[i]) - r) <= tolerance && abs(Int(rgba[i + 1]) - g) <= tolerance && abs(Int(rgba[i + 2]) - b) <= tolerance {
            n += 1
        }
        return n
    }

    /// Rows holding a run of at least `minLength` consecutive pixels near a
    /// colour: a filled shape (a bar), which text antialiasing never produces even
    /// where its greys come close to the colour.
    func rowsWithRun(_ hex: String, minLength: Int, tolerance: Int = 6) -> [Int] {
        let v = Int(hex.dropFirst(), radix: 16)!
        let r = v >> 16, g = (v >> 8) & 255, b = v & 255
        var rows: [Int] = []
        for y in 0..<height {
            var run = 0, best = 0
            for x in 0..<width {
                let i = (y * width + x) * 4
                if abs(Int(rgba[i]) - r) <= tolerance && abs(Int(rgba[i + 1]) - g) <= tolerance && abs(Int(rgba[i + 2]) - b) <= tolerance {
                    run += 1; best = max(best, run)
                } else { run = 0 }
            }
            if best >= minLength { rows.append(y) }
        }
        return rows
    }

    /// The bounding box (minX, minY, maxX, maxY) of pixels near a colour, or nil.
    func boundingBox(_ hex: String, tolerance: Int = 12) -> (Int, Int, Int, Int)? {
        let v = Int(hex.dropFirst(), radix: 16)!
        let r = v >> 16, g = (v >> 8) & 255, b = v & 255
        var box: (Int, Int, Int, Int)? = nil
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 4
                guard abs(Int(rgba[i]) - r) <= tolerance && abs(Int(rgba[i + 1]) - g) <= tolerance && abs(Int(rgba[i + 2]) - b) <= tolerance else { continue }
                box = box.map { (min($0.0, x), min($0.1, y), max($0.2, x), max($0.3, y)) } ?? (x, y, x, y)
            }
        }
        return box
    }
}
