import Foundation
import XCTest
import YDNN

/// Nothing wrong loads silently: a byte-order mark is not part of the first key,
/// and control bytes from a data file reach the terminal only escaped.
final class DataHygieneTests: XCTestCase {
    func testByteOrderMarkIsNotPartOfTheFirstKey() throws {
        let dir = TempDir()
        let path = dir.write("bom.txt", "\u{FEFF}U1\tP1\tC1\tA:X:t1;B:Y:t2\tiOS\nU2\tP1\tC1\tA:X:t1;B:Y:t2\tiOS\n")
        let log = try ClickLog.loadPaddle(path: path)
        XCTAssertNotNil(log.user(key: "U1"), "the first user key must be 'U1', not a BOM and 'U1'")
        XCTAssertEqual(log.userKeys.count, 2)
    }

    func testByteOrderMarkInACSVHeader() throws {
        let dir = TempDir()
        let path = dir.write("bom.csv", "\u{FEFF}user,item,ts\nu1,i1,1\nu1,i2,2\n")
        let log = try ClickLog.loadCSV(path: path, columns: CSVColumns(user: "user", item: "item", time: "ts"))
        XCTAssertEqual(log.numClicks, 2)
    }

    func testControlBytesInExcerptsAreEscaped() {
        let m = MalformedLine(file: "x.txt", line: 3, reason: "bad field '\u{1B}]0;pwned\u{07}'")
        XCTAssertEqual(m.description, "x.txt:3: bad field '\\x1B]0;pwned\\x07'")
        XCTAssertFalse(m.description.unicodeScalars.contains { $0.value < 0x20 })
    }
}
