import XCTest
import YDNN

final class RNGTests: XCTestCase {
    func testSameSeedSameStream() {
        var a = RNG(seed: 42), b = RNG(seed: 42)
        for _ in 0..<1000 { XCTAssertEqual(a.next(), b.next()) }
    }

    func testStreamsDiffer() {
        var a = RNG(seed: 42, stream: "init"), b = RNG(seed: 42, stream: "shuffle")
        XCTAssertNotEqual(a.next(), b.next())
    }

    func testUniformRanges() {
        var r = RNG(seed: 1)
        var sum = 0.0
        for _ in 0..<100_000 {
            let f = r.nextFloat(); XCTAssert(f >= 0 && f < 1)
            let i = r.nextInt(below: 7); XCTAssert(i >= 0 && i < 7)
            sum += Double(f)
        }
        XCTAssertEqual(sum / 100_000, 0.5, accuracy: 0.01)
    }
}
