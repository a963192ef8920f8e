import XCTest

final class CLITestsSmoke: XCTestCase {
    func testBuilds() { XCTAssertEqual(1 + 1, 2) }
}
