import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Helpers shared by the report tests.
enum ReportSupport {
    /// A fresh temporary directory, removed when the test ends.
    static func tempDir(_ test: XCTestCase) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ydnn-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// Parses `text` as XML and returns the root element's name, failing the
    /// test (and returning nil) when it is not well-formed.
    static func xmlRoot(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            let doc = try XMLDocument(data: Data(text.utf8), options: [])
            return doc.rootElement()?.name
        } catch {
            XCTFail("not well-formed XML: \(error)\n\(text.prefix(400))", file: file, line: line)
            return nil
        }
    }

    /// Elements named `name` anywhere under the root, via XPath.
    static func elements(_ text: String, _ xpath: String) throws -> [XMLNode] {
        let doc = try XMLDocument(data: Data(text.utf8), options: [])
        return try doc.nodes(forXPath: xpath)
    }

    /// Every number in the d, x, y, cx, cy, width, height attributes: all must be finite.
    static func coordinates(_ svg: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: "\\b(?:d|x|y|x1|y1|x2|y2|cx|cy|width|height)=\"([^\"]*)\"")
        let ns = svg as NSString
        return pattern.matches(in: svg, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
    }
}
