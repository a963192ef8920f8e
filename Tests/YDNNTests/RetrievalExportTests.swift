import Foundation
import XCTest
import YDNN

final class RetrievalExportTests: XCTestCase {
    var dir = ""
    override func setUp() {
        dir = NSTemporaryDirectory() + "ydnn-export-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Runs python3 and returns its stdout, or nil when python3 with numpy is missing.
    func python(_ script: String) throws -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    func fixture() -> VectorSet {
        var v = VectorSet.randomUnit(count: 37, dimension: 5, seed: 51)
        v.setRow(0, [1e-30, -0.0, 3.4e38, 1.0 / 3.0, -7])
        return v
    }

    func testBinaryExportsReadBackByNumpyIdentically() throws {
        let v = fixture()
        guard try python("import numpy") != nil else { throw XCTSkip("python3 with numpy not available") }
        for format in [VectorFileFormat.npy, .fvecs] {
            let path = dir + "/v.\(format.rawValue)"
            try VectorExport.write(v, to: path, format: format)
            let load = format == .npy ? "a = numpy.load('\(path)')"
                : "r = numpy.fromfile('\(path)', dtype='<i4'); d = r[0]; a = r.reshape(-1, d + 1)[:, 1:].view('<f4')"
            // Print the bit patterns: identical values, not merely close ones.
            let out = try XCTUnwrap(try python("import numpy\n\(load)\nprint(a.shape[0], a.shape[1])\nprint(' '.join(str(x) for x in numpy.ascontiguousarray(a, dtype='<f4').view('<u4').ravel()))"))
            let lines = out.split(separator: "\n")
            XCTAssertEqual(lines[0], "37 5", "\(format)")
            XCTAssertEqual(lines[1].split(separator: " ").map { UInt32($0)! }, v.values.map(\.bitPattern), "\(format)")
            // And our own reader agrees.
            XCTAssertEqual(try VectorExport.read(path: path, format: format).vectors, v)
        }
    }

    func testTSVWithKeysRoundTripsAndNumpyReadsIt() throws {
        let v = fixture()
        let keys = (0..<v.count).map { "item_\($0)" }
        let path = dir + "/v.tsv"
        try VectorExport.write(v, to: path, format: .tsv, keys: keys)
        let back = try VectorExport.read(path: path, format: .tsv)
        XCTAssertEqual(back.vectors, v)
        XCTAssertEqual(back.keys, keys)
        if let out = try python("import numpy\na = numpy.loadtxt('\(path)', dtype='<f4', usecols=range(1, 6))\nprint(' '.join(str(x) for x in a.view('<u4').ravel()))") {
            XCTAssertEqual(out.split(separator: " ").map { UInt32($0.trimmingCharacters(in: .whitespacesAndNewlines))! },
                           v.values.map(\.bitPattern))
        }
        XCTAssertThrowsError(try VectorExport.write(v, to: path, format: .tsv, keys: ["only one"]))
        // Numeric keys need `keyed: true`.
        try VectorExport.write(v, to: path, format: .tsv, keys: (0..<v.count).map { String($0 + 100) })
        let numeric = try VectorExport.read(path: path, format: .tsv, keyed: true)
        XCTAssertEqual(numeric.vectors, v)
        XCTAssertEqual(numeric.keys?.first, "100")
        XCTAssertEqual(try VectorExport.read(path: path, format: .tsv).vectors.dimension, 6)
    }

    func testSimpleLSHExportAndFormatFromPath() throws {
        let items = VectorSet.randomUnit(count: 10, dimension: 3, seed: 52)
        let t = SimpleLSH.transformItems(items, form: .appended).vectors
        let path = dir + "/sub/items.npy"  // the directory is created
        try VectorExport.write(t, to: path, format: VectorFileFormat(path: path)!)
        XCTAssertEqual(try VectorExport.read(path: path, format: .npy).vectors.dimension, 4)
        XCTAssertEqual(VectorFileFormat(path: "x.fvecs"), .fvecs)
        XCTAssertNil(VectorFileFormat(path: "x.bin"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/sub"), ["items.npy"])
    }
}
