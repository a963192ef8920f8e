import XCTest

final class YDNNScriptTestsSmoke: XCTestCase {
    func testBuilds() { XCTAssertEqual(1 + 1, 2) }
}
