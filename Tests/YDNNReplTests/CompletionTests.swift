import XCTest
import YDNNRepl

final class CompletionTests: XCTestCase {
    func testWordKeepsDollarColonAndPathCharacters() {
        XCTAssertEqual(ReplCompletion.word(in: "print $va", cursor: 9), "$va")
        XCTAssertEqual(ReplCompletion.word(in: ":he", cursor: 3), ":he")
        XCTAssertEqual(ReplCompletion.word(in: #"load "data/tr"#, cursor: 13), "data/tr")
        XCTAssertEqual(ReplCompletion.word(in: "train epochs=3 lr", cursor: 17), "lr")
        XCTAssertEqual(ReplCompletion.word(in: "x[1,$i", cursor: 6), "$i")
        XCTAssertEqual(ReplCompletion.word(in: "print ", cursor: 6), "")
        // The cursor is a UTF-8 offset and may sit before the end of the line.
        XCTAssertEqual(ReplCompletion.word(in: "print $é rest", cursor: 9), "$é")
        XCTAssertEqual(ReplCompletion.word(in: "pri", cursor: 0), "")
    }

    func testUsableCandidatesExtendTheWordSortedAndUnique() {
        XCTAssertEqual(
            ReplCompletion.usableCandidates(["$var", "$value", "$var", "print", "", "$v"], for: "$v"),
            ["$v", "$value", "$var"])
        XCTAssertEqual(ReplCompletion.usableCandidates(["print"], for: "x"), [])
    }

    func testAppendCharacter() {
        let space = UInt8(ascii: " ")
        XCTAssertEqual(ReplCompletion.appendCharacter(after: ["print"], line: "pri", cursor: 3), space)
        XCTAssertNil(ReplCompletion.appendCharacter(after: ["print", "printf"], line: "pri", cursor: 3))
        XCTAssertNil(ReplCompletion.appendCharacter(after: ["data/"], line: "load da", cursor: 7))
        XCTAssertNil(ReplCompletion.appendCharacter(after: ["epochs="], line: "train epo", cursor: 9))
        XCTAssertEqual(ReplCompletion.appendCharacter(after: [":vars"], line: ":va", cursor: 3), space)
        XCTAssertNil(ReplCompletion.appendCharacter(after: ["data/train.tsv"], line: #"load "data/tr"#, cursor: 13))
    }
}
