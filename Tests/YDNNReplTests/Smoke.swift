import XCTest

final class YDNNReplTestsSmoke: XCTestCase {
    func testBuilds() { XCTAssertEqual(1 + 1, 2) }
}
