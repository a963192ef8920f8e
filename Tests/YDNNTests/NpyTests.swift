import Foundation
import XCTest
@testable import YDNN

final class NpyTests: XCTestCase {
    func testHeaderIsAlignedAndDescribesTheArray() {
        for shape in [[3], [2, 5], [0]] {
            let h = Npy.header(.int64, shape: shape)
            XCTAssertEqual(h.count % 64, 0)
            XCTAssertEqual(h.last, 10)
            let text = String(decoding: h[10...], as: UTF8.self)
            XCTAssertTrue(text.contains("'descr': '<i8'"), text)
            XCTAssertTrue(text.contains(shape.count == 1 ? "(\(shape[0]),)" : "(2, 5)"), text)
        }
    }

    func testFloatsRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let values: [Float] = [1, -2.5, 3e-7, 4, 5, 6]
        try Npy.write(values, shape: [2, 3], to: dir.path + "/a.npy")
        let (rows, cols, read) = try Npy.readFloats(path: dir.path + "/a.npy")
        XCTAssertEqual(rows, 2); XCTAssertEqual(cols, 3); XCTAssertEqual(read, values)
        try Npy.write(values, shape: [6], to: dir.path + "/b.npy")
        let one = try Npy.readFloats(path: dir.path + "/b.npy")
        XCTAssertEqual(one.rows, 6); XCTAssertEqual(one.cols, 1)
        try Npy.write([Int32(1), 2], shape: [2], to: dir.path + "/c.npy")
        XCTAssertThrowsError(try Npy.readFloats(path: dir.path + "/c.npy"))  // int32, not float32
    }

    func testSpecHashIsFNV1a() {
        XCTAssertEqual(TorchRecBundle.hash([]), "cbf29ce484222325")
        XCTAssertEqual(TorchRecBundle.hash(Array("a".utf8)), "af63dc4c8601ec8c")
    }
}
