import XCTest
import YDNNScript

/// A NUL byte cannot hide inside a string (it would cut paths and output short).
final class LexerHygieneTests: XCTestCase {
    func testNulInsideAStringIsAnError() {
        let (console, read) = Console.capture()
        let i = Interpreter(console: console)
        XCTAssertFalse(i.run(source: "print \"ab\u{0}cd\"\n"))
        let err = read().err
        XCTAssertTrue(err.contains("a NUL byte inside a string"), err)
        XCTAssertTrue(err.contains("<repl>:1:10"), err)
    }
}
