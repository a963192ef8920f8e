import XCTest
import YDNN
@testable import YDNNScript

/// The nbformat side of notebooks: recipes split into cells, reports laid out
/// as executed notebooks, and the JSON read back. (python/tests validates the
/// same files with nbformat and runs them in Jupyter.)
final class NotebookFileTests: XCTestCase {
    let recipe = """
        # demo.ydnn: a small run.
        #   ydnn run demo.ydnn --set epochs=2
        let epochs = 1

        seed 3
        generate users=50 items=30   # tiny

        # The model.
        embed user_id 8
        nce

        experiment "a" {
          train epochs=$epochs

          evaluate hr@10
        }
        # after code: stays in the code

        # trailing notes
        """

    func testRecipeParagraphsBecomeCells() {
        let cells = RecipeCells.split(recipe)
        XCTAssertEqual(cells.map(\.kind), [.markdown, .code, .code, .markdown, .code, .code, .markdown])
        XCTAssertEqual(cells[0].source, "# demo.ydnn: a small run.\n```\nydnn run demo.ydnn --set epochs=2\n```")
        XCTAssertEqual(cells[1].source, "let epochs = 1")
        XCTAssertEqual(cells[1].lines, 3...3)
        XCTAssertEqual(cells[2].source, "seed 3\ngenerate users=50 items=30   # tiny")
        XCTAssertEqual(cells[3].source, "The model.")
        XCTAssertEqual(cells[4].lines, 9...10)
        // A block keeps its blank line and stays one cell.
        XCTAssertEqual(cells[5].source, "experiment \"a\" {\n  train epochs=$epochs\n\n  evaluate hr@10\n}\n# after code: stays in the code")
        XCTAssertEqual(cells[5].lines, 12...17)
        XCTAssertEqual(cells[6].source, "trailing notes")
        XCTAssertEqual(RecipeCells.split(""), [])
        XCTAssertEqual(RecipeCells.split("\n\ntrain\n\n").map(\.source), ["train"])
    }

    func testConvertedNotebookRoundTrips() throws {
        let doc = RecipeCells.notebook(recipe: recipe, version: "9.9")
        let json = try doc.json()
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(object["nbformat"] as? Int, 4)
        XCTAssertEqual(object["nbformat_minor"] as? Int, 5)
        let meta = try XCTUnwrap(object["metadata"] as? [String: Any])
        XCTAssertEqual((meta["kernelspec"] as? [String: Any])?["name"] as? String, "ydnn")
        XCTAssertEqual((meta["language_info"] as? [String: Any])?["name"] as? String, "ydnn")
        let cells = try XCTUnwrap(object["cells"] as? [[String: Any]])
        XCTAssertEqual(Set(cells.compactMap { $0["id"] as? String }).count, cells.count, "unique cell ids")
        // Sources are lists of lines, each keeping its newline but the last.
        XCTAssertEqual(cells[5]["source"] as? [String], ["experiment \"a\" {\n", "  train epochs=$epochs\n", "\n", "  evaluate hr@10\n", "}\n",
                                                         "# after code: stays in the code"])
        XCTAssertTrue(cells[1]["execution_count"] is NSNull)

        let back = try NotebookDocument.read(Data(json.utf8))
        XCTAssertTrue(back.isYDNN)
        XCTAssertEqual(back.cells.map(\.source), doc.cells.map(\.source))
    }

    func testReadingRejectsWhatIsNotANotebook() {
        XCTAssertThrowsError(try NotebookDocument.read(Data("{".utf8), name: "x.ipynb")) { e in
            XCTAssertTrue("\(e)".contains("x.ipynb: not a notebook"), "\(e)")
        }
        XCTAssertThrowsError(try NotebookDocument.read(Data(#"{"nbformat": 3, "cells": []}"#.utf8))) { e in
            XCTAssertTrue("\(e)".contains("nbformat 4"), "\(e)")
        }
        let python = #"{"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3"}}, "#
            + #""cells": [{"cell_type": "code", "source": ["print(1)\n", "x"], "outputs": [], "metadata": {}}]}"#
        let doc = try? NotebookDocument.read(Data(python.utf8))
        XCTAssertEqual(doc?.isYDNN, false)
        XCTAssertEqual(doc?.cells.first?.source, "print(1)\nx")
    }

    func testReportIsLaidOutAsTheRecipesCellsWithTheirOutputs() throws {
        let dir = try ReportSupport.tempDir(self)
        let path = dir.appendingPathComponent("demo.ydnn").path
        try recipe.write(toFile: path, atomically: true, encoding: .utf8)
        var nb = Notebook(title: "ydnn run demo.ydnn", manifest: try RunManifest.forRecipe(at: path, version: "t", threads: 1))
        nb.beginStatement("let epochs = 1", line: 3)
        nb.beginStatement("seed 3", line: 5)
        nb.beginStatement("generate users=50 items=30", line: 6)
        nb.appendOutput("loaded \u{1B}[1m50\u{1B}[0m users\n")
        nb.beginStatement("embed user_id 8", line: 9)
        nb.beginStatement("nce", line: 10)
        nb.beginStatement("experiment \"a\" { ... }", line: 12)
        var t = TextTable(["metric", "model"]); t.add(["hr@10", "0.1234"])
        nb.appendTable(t, title: nil)
        nb.appendChart(Charts.svgLineChart([ChartSeries(name: "loss", values: [3, 2, 1])], title: "Training loss"), title: "loss")

        let doc = nb.notebookDocument()
        XCTAssertEqual(doc.cells.count, 1 + RecipeCells.split(recipe).count, "a manifest cell, then the recipe's cells")
        guard case .markdown(let header) = doc.cells[0] else { return XCTFail("no manifest cell") }
        XCTAssertTrue(header.hasPrefix("# ydnn run demo.ydnn\n") && header.contains("| recipe sha256 |"), header)
        guard case .code(_, let setup, let n2) = doc.cells[3], case .code(_, let block, let n5) = doc.cells[6] else {
            return XCTFail("cells: \(doc.cells)")
        }
        XCTAssertEqual(n2, 2); XCTAssertEqual(n5, 4)
        guard case .stream("stdout", let text)? = setup.first else { return XCTFail("\(setup)") }
        XCTAssertEqual(text, "loaded 50 users\n", "terminal escapes are cleaned")
        XCTAssertEqual(block.count, 2)
        guard case .display(let table) = block[0], case .display(let chart) = block[1] else { return XCTFail("\(block)") }
        XCTAssertEqual(table["text/html"], Notebook.htmlTable(t, title: nil), "the HTML report's renderer")
        XCTAssertEqual(table["text/plain"], t.render())
        XCTAssertTrue(chart["image/svg+xml"]?.hasPrefix("<svg") == true)

        // Written through the atomic writer, by extension.
        XCTAssertEqual(Notebook.format(forPath: "r.IPYNB"), .ipynb)
        let out = dir.appendingPathComponent("r.ipynb").path
        XCTAssertEqual(try nb.write(to: out), [out])
        let back = try NotebookDocument.read(path: out)
        XCTAssertEqual(back.cells.count, doc.cells.count)
        XCTAssertNotNil(back.extraMetadata["ydnn"])
    }

    func testProgressBundle() {
        let b = Notebook.mimeBundle(progress: 0.5, text: "epoch 1/2 <loss>")
        XCTAssertEqual(b["text/plain"], String(repeating: "█", count: 12) + String(repeating: "░", count: 12) + "  50% epoch 1/2 <loss>")
        XCTAssertTrue(b["text/html"]!.contains("value=\"500\"") && b["text/html"]!.contains("&lt;loss&gt;"))
    }
}
