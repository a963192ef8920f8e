import XCTest
import YDNN
@testable import YDNNScript

final class ReportNotebookTests: XCTestCase {
    // MARK: SHA-256

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex(of: ""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(of: Data(repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // 55, 56 and 64 bytes: the padding boundaries.
        XCTAssertEqual(SHA256.hex(of: String(repeating: "a", count: 55)),
                       "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        XCTAssertEqual(SHA256.hex(of: String(repeating: "a", count: 56)),
                       "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
        XCTAssertEqual(SHA256.hex(of: String(repeating: "a", count: 64)),
                       "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
    }

    func testSHA256IncrementalAndFile() throws {
        var rng = RNG(seed: 3)
        let bytes = (0..<10_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        var h = SHA256()
        var i = 0
        for chunk in [1, 63, 64, 65, 1000, 7] where i < bytes.count {
            h.update(Data(bytes[i..<min(bytes.count, i + chunk)])); i += chunk
        }
        h.update(bytes[i...])  // the generic path for the rest
        XCTAssertEqual(SHA256.hex(h.finalize()), SHA256.hex(of: Data(bytes)))
        let dir = try ReportSupport.tempDir(self)
        let file = dir.appendingPathComponent("blob.bin")
        try Data(bytes).write(to: file)
        XCTAssertEqual(try SHA256.hex(ofFile: file.path), SHA256.hex(of: Data(bytes)))
        XCTAssertThrowsError(try SHA256.hex(ofFile: dir.appendingPathComponent("missing").path))
    }

    // MARK: Notebook

    func manifest() -> RunManifest {
        RunManifest(version: "0.9.0", recipePath: "examples/ablation.ydnn",
                    recipeSHA256: String(repeating: "ab", count: 32),
                    dataFiles: [.init(path: "../shared/data/ml-100k/u.data", sha256: String(repeating: "cd", count: 32), bytes: 1979173)],
                    seed: 7, threads: 2, wallTimeSeconds: 12.34, date: Date(timeIntervalSince1970: 1_790_000_000))
    }

    func sampleNotebook() -> Notebook {
        var nb = Notebook(title: "ablation.ydnn", manifest: manifest())
        nb.beginStatement("print \"<script>alert(1)</script>\"", line: 3)
        nb.appendOutput("<script>alert(1)</script>\n")
        nb.beginStatement("train epochs=2", line: 4)
        nb.appendOutput("\r[###       ] 30%\r[##########] 100%\n")
        nb.appendOutput("\u{1B}[1mepoch 1\u{1B}[0m loss 2.5 & falling\n")
        var t = TextTable(["metric", "model", "most-popular"])
        t.add(["hr@10", "0.1967", "0.0475"]); t.add(["<b>", "1", "2"])
        nb.appendTable(t, title: "evaluate")
        nb.appendChart(Charts.svgLineChart([ChartSeries(name: "loss", values: [2.6, 2.1, 1.9])], title: "loss"), title: "loss (per epoch)")
        return nb
    }

    func testHTMLEscapesOutputAndCarriesManifest() {
        let html = sampleNotebook().renderHTML()
        XCTAssertFalse(html.contains("<script"), "no markup from output")
        XCTAssert(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssert(html.contains("print &quot;&lt;script&gt;"), "source escaped too")
        XCTAssert(html.contains("&lt;b&gt;"), "table cells escaped")
        XCTAssert(html.contains("loss 2.5 &amp; falling"))
        XCTAssertFalse(html.contains("\u{1B}"), "ANSI codes removed")
        XCTAssert(html.contains("[##########] 100%") && !html.contains("30%"), "only the progress bar's final state")
        for needle in ["0.9.0", "examples/ablation.ydnn", String(repeating: "ab", count: 32), "u.data",
                       String(repeating: "cd", count: 32), "<td>seed</td><td>7</td>", "<td>threads</td><td>2</td>",
                       "12.3 s", "2026-09-21T"] {
            XCTAssert(html.contains(needle), "manifest shows \(needle)")
        }
        XCTAssert(html.contains("<svg") && html.contains("<figcaption>loss (per epoch)</figcaption>"))
        XCTAssert(html.contains("<td class=\"num\">0.1967</td>"))
        XCTAssert(html.hasPrefix("<!DOCTYPE html>") && html.contains("<meta charset=\"utf-8\">"))
        XCTAssertFalse(html.contains("http://") && html.contains("src="), "no external resources")
    }

    func testHTMLWithZeroEntries() throws {
        let html = Notebook(title: "empty", manifest: manifest()).renderHTML()
        XCTAssert(html.contains("(no statements)") && html.contains("0.9.0") && html.hasSuffix("</html>\n"))
        // The page is well-formed enough for an XML parser once the doctype is dropped.
        let body = html.replacingOccurrences(of: "<!DOCTYPE html>", with: "")
            .replacingOccurrences(of: "<meta charset=\"utf-8\">", with: "<meta charset=\"utf-8\"/>")
            .replacingOccurrences(of: "initial-scale=1\">", with: "initial-scale=1\"/>")
            .replacingOccurrences(of: "\">\n<title>", with: "\"/>\n<title>")
        XCTAssertEqual(ReportSupport.xmlRoot(body), "html")
    }

    func testMarkdownLinksChartFiles() throws {
        let dir = try ReportSupport.tempDir(self)
        let path = dir.appendingPathComponent("out.md").path
        let written = try sampleNotebook().write(to: path)
        XCTAssertEqual(written.count, 2)
        let md = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssert(md.contains("![loss (per epoch)](out_charts/01-loss-per-epoch.svg)"), md)
        let svg = try String(contentsOfFile: dir.appendingPathComponent("out_charts/01-loss-per-epoch.svg").path, encoding: .utf8)
        XCTAssert(svg.hasPrefix("<?xml"))
        XCTAssertEqual(ReportSupport.xmlRoot(svg), "svg")
        XCTAssert(md.contains("| metric | model | most-popular |"))
        XCTAssert(md.contains("```\nprint \"<script>alert(1)</script>\"\n```"))
        XCTAssert(md.contains("| recipe sha256 | `\(String(repeating: "ab", count: 32))` |"))
        XCTAssertFalse(md.contains("30%"))
        // No temporary files left behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(left, [])
    }

    func testMarkdownFenceCannotBeClosedByOutput() {
        var nb = Notebook(title: "t", manifest: manifest())
        nb.beginStatement("print x")
        nb.appendOutput("```\n# not a heading\n")
        let md = nb.renderMarkdown(chartDirectory: "c").markdown
        XCTAssert(md.contains("````text\n```\n# not a heading\n````"), md)
        XCTAssert(Notebook(title: "t", manifest: manifest()).renderMarkdown(chartDirectory: "c").markdown.contains("(no statements)"))
    }

    func testHTMLFileWrite() throws {
        let dir = try ReportSupport.tempDir(self)
        let path = dir.appendingPathComponent("sub/report.html").path
        XCTAssertEqual(try sampleNotebook().write(to: path), [path])
        XCTAssert(try String(contentsOfFile: path, encoding: .utf8).contains("</html>"))
        XCTAssertEqual(Notebook.format(forPath: "a.MD"), .markdown)
        XCTAssertEqual(Notebook.format(forPath: "a.htm"), .html)
    }

    func testCleanTerminalText() {
        XCTAssertEqual(Notebook.cleanTerminalText("a\r\nb\n"), "a\nb\n")
        XCTAssertEqual(Notebook.cleanTerminalText("\u{1B}[31mred\u{1B}[0m"), "red")
        XCTAssertEqual(Notebook.cleanTerminalText("10%\r50%\r100%\ndone"), "100%\ndone")
    }

    func testManifestForRecipeHashesFiles() throws {
        let dir = try ReportSupport.tempDir(self)
        let recipe = dir.appendingPathComponent("r.ydnn")
        try "seed 7\n".write(to: recipe, atomically: true, encoding: .utf8)
        var m = try RunManifest.forRecipe(at: recipe.path, version: "1.0", seed: 7, threads: 2)
        XCTAssertEqual(m.recipeSHA256, SHA256.hex(of: "seed 7\n"))
        try m.addDataFile(recipe.path); try m.addDataFile(recipe.path)
        XCTAssertEqual(m.dataFiles.count, 1)
        XCTAssertEqual(m.dataFiles[0].bytes, 7)
    }
}
