import Foundation
import XCTest

/// The folders of YDNNScript are layers, each using only the ones before it:
/// Syntax → Semantics → Rendering → Runtime → Commands → Report → Interactive.
/// A name declared in a later layer that appears in an earlier one is a cycle.
final class LayeringTests: XCTestCase {
    static let layers = ["Syntax", "Semantics", "Rendering", "Runtime", "Commands", "Report", "Interactive"]

    func testNoLayerUsesALaterOne() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/YDNNScript")
        let fm = FileManager.default
        XCTAssertEqual(Set(try fm.contentsOfDirectory(atPath: root.path)), Set(Self.layers), "every folder is a layer")
        // Code lines (comments dropped) and top-level non-private declarations, per layer.
        var code: [String: [(file: String, text: String)]] = [:]
        var declared: [String: Set<String>] = [:]
        let declaration = try NSRegularExpression(
            pattern: #"^(?:@\w+(?:\([^)]*\))? )*(?:public |internal |final |nonisolated\(unsafe\) )*(?:struct|class|enum|protocol|typealias|func|let|var) +([A-Za-z_]\w*)"#,
            options: [.anchorsMatchLines])
        for layer in Self.layers {
            for name in try fm.contentsOfDirectory(atPath: root.appendingPathComponent(layer).path) where name.hasSuffix(".swift") {
                let text = try String(contentsOf: root.appendingPathComponent(layer).appendingPathComponent(name), encoding: .utf8)
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                    .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
                code[layer, default: []].append((name, lines.joined(separator: "\n")))
                for m in declaration.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    if let r = Range(m.range(at: 1), in: text) { declared[layer, default: []].insert(String(text[r])) }
                }
            }
        }
        for (i, layer) in Self.layers.enumerated() {
            for later in Self.layers[(i + 1)...] {
                for name in declared[later] ?? [] {
                    let word = try NSRegularExpression(pattern: "\\b\(NSRegularExpression.escapedPattern(for: name))\\b")
                    for (file, text) in code[layer] ?? [] where word.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil {
                        XCTFail("\(layer)/\(file) uses '\(name)' from the later layer \(later)")
                    }
                }
            }
        }
    }
}
