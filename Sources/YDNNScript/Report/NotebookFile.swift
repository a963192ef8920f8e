import Foundation
import YDNN

/// A Jupyter notebook in nbformat 4.5 (the JSON that Jupyter, nbclient and GitHub
/// read): what `ydnn run --report out.ipynb` and `ydnn notebook` write and what
/// `ydnn run notebook.ipynb` reads. Only what ydnn needs is modelled: markdown,
/// code and raw cells; stream, display_data and error outputs.
public struct NotebookDocument {
    public enum Output {
        case stream(name: String, text: String)
        /// A MIME bundle (`text/plain`, `text/html`, `image/svg+xml`, ...).
        case display(data: [String: String])
        case error(ename: String, evalue: String, traceback: [String])
    }

    public enum Cell {
        case markdown(String)
        case code(source: String, outputs: [Output], executionCount: Int?)
        case raw(String)

        public var source: String {
            switch self {
            case .markdown(let s), .raw(let s): return s
            case .code(let s, _, _): return s
            }
        }
    }

    public var cells: [Cell]
    /// Extra notebook metadata beside `kernelspec` and `language_info` (e.g. `ydnn`: the manifest).
    public var extraMetadata: [String: Any] = [:]
    /// The kernel the notebook names (`metadata.kernelspec.name`); "ydnn" for the ones ydnn writes.
    public var kernelName: String?
    /// `metadata.language_info.name`.
    public var languageName: String?

    public init(cells: [Cell], version: String? = nil, extraMetadata: [String: Any] = [:]) {
        self.cells = cells
        self.extraMetadata = extraMetadata
        self.kernelName = "ydnn"
        self.languageName = "ydnn"
        self.languageVersion = version
    }

    var languageVersion: String?

    /// Whether the notebook is one for the ydnn kernel (by kernelspec or language).
    public var isYDNN: Bool { kernelName == "ydnn" || languageName == "ydnn" }

    // MARK: - Writing

    /// nbformat stores multi-line text as a list of lines, each keeping its "\n".
    static func lines(_ text: String) -> [String] {
        var out: [String] = [], current = ""
        for c in text.unicodeScalars {
            current.unicodeScalars.append(c)
            if c == "\n" { out.append(current); current = "" }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// The kernelspec and language metadata every ydnn notebook carries.
    public static func ydnnMetadata(version: String?) -> [String: Any] {
        var language: [String: Any] = ["name": "ydnn", "file_extension": ".ydnn", "mimetype": "text/x-ydnn",
                                       "codemirror_mode": "shell", "pygments_lexer": "bash"]
        if let version { language["version"] = version }
        return ["kernelspec": ["name": "ydnn", "display_name": "ydnn", "language": "ydnn"],
                "language_info": language]
    }

    static func outputJSON(_ o: Output) -> [String: Any] {
        switch o {
        case .stream(let name, let text):
            return ["output_type": "stream", "name": name, "text": lines(text)]
        case .display(let data):
            return ["output_type": "display_data", "metadata": [String: Any](), "data": data.mapValues { lines($0) }]
        case .error(let ename, let evalue, let traceback):
            return ["output_type": "error", "ename": ename, "evalue": evalue, "traceback": traceback]
        }
    }

    /// The notebook as JSON objects (nbformat 4.5: every cell has an `id`).
    public var jsonObject: [String: Any] {
        var cellObjects: [[String: Any]] = []
        for (i, cell) in cells.enumerated() {
            var o: [String: Any] = ["id": String(format: "cell-%03d", i + 1), "metadata": [String: Any]()]
            switch cell {
            case .markdown(let s): o["cell_type"] = "markdown"; o["source"] = Self.lines(s)
            case .raw(let s): o["cell_type"] = "raw"; o["source"] = Self.lines(s)
            case .code(let s, let outputs, let count):
                o["cell_type"] = "code"
                o["source"] = Self.lines(s)
                o["outputs"] = outputs.map(Self.outputJSON)
                o["execution_count"] = count.map { $0 as Any } ?? NSNull()
            }
            cellObjects.append(o)
        }
        var metadata = Self.ydnnMetadata(version: languageVersion)
        for (k, v) in extraMetadata { metadata[k] = v }
        return ["nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cellObjects]
    }

    /// The notebook's JSON text: keys sorted and indented, so saved notebooks diff well.
    public func json() throws -> String {
        let data = try JSONSerialization.data(withJSONObject: jsonObject,
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Writes the notebook through the atomic writer.
    public func write(to path: String) throws {
        try AtomicFileWriter.write(try json(), to: path)
    }

    // MARK: - Reading

    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    static func text(_ value: Any?) -> String {
        if let s = value as? String { return s }
        if let l = value as? [String] { return l.joined() }
        if let l = value as? [Any] { return l.compactMap { $0 as? String }.joined() }
        return ""
    }

    /// Reads an nbformat 4 notebook: its cells' sources and types, and which kernel
    /// it is for. Outputs of code cells are read for streams, MIME text and errors.
    public static func read(_ data: Data, name: String = "notebook") throws -> NotebookDocument {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw ReadError(description: "\(name): not a notebook (invalid JSON: \(error.localizedDescription))")
        }
        guard let root = object as? [String: Any], let cells = root["cells"] as? [[String: Any]] else {
            throw ReadError(description: "\(name): not a notebook (no 'cells' list)")
        }
        guard (root["nbformat"] as? Int) == 4 else {
            throw ReadError(description: "\(name): only nbformat 4 notebooks can be read (this one says \(root["nbformat"].map { "\($0)" } ?? "nothing"))")
        }
        var doc = NotebookDocument(cells: [])
        let metadata = root["metadata"] as? [String: Any] ?? [:]
        doc.kernelName = (metadata["kernelspec"] as? [String: Any])?["name"] as? String
        doc.languageName = (metadata["language_info"] as? [String: Any])?["name"] as? String
        doc.languageVersion = (metadata["language_info"] as? [String: Any])?["version"] as? String
        for (k, v) in metadata where k != "kernelspec" && k != "language_info" { doc.extraMetadata[k] = v }
        for c in cells {
            let source = text(c["source"])
            switch c["cell_type"] as? String {
            case "code":
                var outputs: [Output] = []
                for o in c["outputs"] as? [[String: Any]] ?? [] {
                    switch o["output_type"] as? String {
                    case "stream": outputs.append(.stream(name: o["name"] as? String ?? "stdout", text: text(o["text"])))
                    case "display_data", "execute_result":
                        var bundle: [String: String] = [:]
                        for (mime, v) in o["data"] as? [String: Any] ?? [:] { bundle[mime] = text(v) }
                        outputs.append(.display(data: bundle))
                    case "error":
                        outputs.append(.error(ename: o["ename"] as? String ?? "", evalue: o["evalue"] as? String ?? "",
                                              traceback: o["traceback"] as? [String] ?? []))
                    default: break
                    }
                }
                doc.cells.append(.code(source: source, outputs: outputs, executionCount: c["execution_count"] as? Int))
            case "markdown": doc.cells.append(.markdown(source))
            default: doc.cells.append(.raw(source))
            }
        }
        return doc
    }

    public static func read(path: String) throws -> NotebookDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError(description: "cannot read \(path)")
        }
        return try read(data, name: path)
    }
}

// MARK: - Recipes as cells

/// How a recipe becomes notebook cells (`ydnn notebook`, and the code cells of
/// `--report out.ipynb`): statements are grouped by blank lines, as people write
/// recipes in paragraphs; a paragraph's leading comment lines, and paragraphs of
/// comments only, become markdown cells; comments inside or after code stay in
/// the code. A block (`experiment ... { }`, a list over several lines) is never
/// split, even across blank lines.
public enum RecipeCells {
    public enum Kind: Equatable { case markdown, code }

    public struct Cell: Equatable {
        public var kind: Kind
        /// Markdown text, or the code exactly as in the recipe.
        public var source: String
        /// The recipe lines the cell came from (1-based, inclusive).
        public var lines: ClosedRange<Int>
    }

    static func isComment(_ line: Substring) -> Bool {
        line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#")
    }

    /// Whether a `{` or `[` is still open at the end of `code` (strings and
    /// comments are read by the lexer, so braces inside them do not count), or it
    /// ends in a line continuation.
    static func opensBlock(_ code: String) -> Bool {
        if code.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("\\") { return true }
        var depth = 0
        for t in Lexer.tokenize(SourceFile(name: "", text: code)).tokens {
            switch t.kind {
            case .leftBrace, .leftBracket: depth += 1
            case .rightBrace, .rightBracket: depth -= 1
            default: break
            }
        }
        return depth > 0
    }

    static func isBlank(_ line: Substring) -> Bool { line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" } }

    /// Comment lines as markdown: the `#` and one space dropped; lines indented
    /// further (command examples) in a code fence.
    static func markdown(fromComments lines: [Substring], heading: Bool) -> String {
        var out: [String] = [], fenced: [String] = []
        func flushFence() {
            guard !fenced.isEmpty else { return }
            let indent = fenced.map { $0.prefix(while: { $0 == " " }).count }.min() ?? 0
            out.append("```")
            out += fenced.map { String($0.dropFirst(indent)) }
            out.append("```")
            fenced = []
        }
        for (i, raw) in lines.enumerated() {
            var text = raw.drop(while: { $0 == " " || $0 == "\t" })
            if text.hasPrefix("#") { text = text.dropFirst() }
            if text.hasPrefix(" ") { text = text.dropFirst() }
            let t = String(text)
            if t.hasPrefix(" ") || t.hasPrefix("\t") { fenced.append(t); continue }
            flushFence()
            out.append(i == 0 && heading && !t.hasPrefix("#") ? "# " + t : t)
        }
        flushFence()
        return out.joined(separator: "\n")
    }

    /// Splits a recipe's text into cells.
    public static func split(_ text: String) -> [Cell] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // Paragraphs: runs of non-blank lines; a blank line inside an open block does not end one.
        var paragraphs: [(start: Int, lines: [Substring])] = []
        var current: [Substring] = [], start = 0
        for (i, line) in lines.enumerated() {
            if isBlank(line) {
                if current.isEmpty { continue }
                let code = current.filter { !isComment($0) }.joined(separator: "\n")
                if !code.isEmpty, opensBlock(code) { current.append(line); continue }
                paragraphs.append((start, current)); current = []
                continue
            }
            if current.isEmpty { start = i }
            current.append(line)
        }
        if !current.isEmpty { paragraphs.append((start, current)) }

        var cells: [Cell] = []
        func add(_ kind: Kind, _ source: String, _ range: ClosedRange<Int>) {
            if kind == .markdown, let last = cells.last, last.kind == .markdown {
                cells[cells.count - 1].source += "\n\n" + source
                cells[cells.count - 1].lines = last.lines.lowerBound...range.upperBound
            } else {
                cells.append(Cell(kind: kind, source: source, lines: range))
            }
        }
        for (n, p) in paragraphs.enumerated() {
            var body = p.lines[...]
            while let last = body.last, isBlank(last) { body = body.dropLast() }
            let leading = body.prefix(while: { isComment($0) && !$0.hasPrefix("#!") })
            let firstLine = p.start + 1
            if !leading.isEmpty {
                add(.markdown, markdown(fromComments: Array(leading), heading: n == 0 && p.start == 0),
                    firstLine...(firstLine + leading.count - 1))
            }
            let code = body.dropFirst(leading.count)
            if !code.isEmpty {
                let codeStart = firstLine + leading.count
                add(.code, code.joined(separator: "\n"), codeStart...(codeStart + code.count - 1))
            }
        }
        return cells
    }

    /// An unexecuted notebook of a recipe (`ydnn notebook recipe.ydnn out.ipynb`).
    public static func notebook(recipe text: String, version: String?) -> NotebookDocument {
        NotebookDocument(cells: split(text).map { c in
            c.kind == .markdown ? .markdown(c.source) : .code(source: c.source, outputs: [], executionCount: nil)
        }, version: version)
    }
}

// MARK: - The report as a notebook

extension Notebook {
    /// A table as a rich client shows it: HTML (the report's renderer) with the
    /// terminal's text beside it, so every front end shows the same numbers.
    public static func mimeBundle(table: TextTable, title: String?, indent: String = "") -> [String: String] {
        let text = (title.map { $0 + "\n" } ?? "") + table.render(indent: indent)
        return ["text/plain": text, "text/html": htmlTable(table, title: title)]
    }

    /// A chart: the SVG (without an XML declaration, as inlined in the HTML report) and its title as text.
    public static func mimeBundle(chart svg: String, title: String) -> [String: String] {
        ["image/svg+xml": inlineSVG(svg), "text/plain": "[chart: \(title)]"]
    }

    /// A progress display for the kernel: a bar in text and in HTML.
    public static func mimeBundle(progress fraction: Double, text: String) -> [String: String] {
        let f = min(1, max(0, fraction.isFinite ? fraction : 0))
        let width = 24, filled = Int((f * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let percent = String(format: "%3d%%", Int(f * 100))
        return ["text/plain": "\(bar) \(percent) \(text)",
                "text/html": "<div class=\"ydnn-progress\"><progress max=\"1000\" value=\"\(Int(f * 1000))\" style=\"width: 24em\"></progress> "
                    + "<code>\(htmlEscape(percent.trimmingCharacters(in: .whitespaces))) \(htmlEscape(text))</code></div>"]
    }

    /// One entry's outputs as notebook outputs: printed text as a stream (cleaned
    /// of terminal redraws), tables and charts as display data.
    public static func outputs(of items: [Item]) -> [NotebookDocument.Output] {
        var out: [NotebookDocument.Output] = []
        for item in items {
            switch item {
            case .text(let text):
                let clean = cleanTerminalText(text)
                guard !clean.isEmpty else { continue }
                if case .stream("stdout", let previous)? = out.last {
                    out[out.count - 1] = .stream(name: "stdout", text: previous + clean)
                } else {
                    out.append(.stream(name: "stdout", text: clean))
                }
            case .table(let t, let title): out.append(.display(data: mimeBundle(table: t, title: title)))
            case .chart(let svg, let title): out.append(.display(data: mimeBundle(chart: svg, title: title)))
            }
        }
        return out
    }

    /// The report as an executed notebook: a markdown cell with the run's
    /// manifest, then the recipe's cells (`RecipeCells.split`, or `cellLayout`)
    /// each with the outputs of the statements it holds.
    public func notebookDocument() -> NotebookDocument {
        var cells: [NotebookDocument.Cell] = []
        var header = "# \(title)\n\n| | |\n|---|---|\n"
        for (k, v) in manifest.rows {
            header += "| \(k.replacingOccurrences(of: "|", with: "\\|")) | `\(v.replacingOccurrences(of: "|", with: "\\|"))` |\n"
        }
        cells.append(.markdown(header))

        var layout = cellLayout
        if layout == nil, let path = manifest.recipePath, path.hasSuffix(".ydnn"),
           let text = try? String(contentsOfFile: path, encoding: .utf8) {
            layout = RecipeCells.split(text).map { NotebookSourceCell(kind: $0.kind, source: $0.source, lines: $0.lines) }
        }
        guard let layout else {
            // No recipe to lay out: one code cell per statement.
            for (i, e) in entries.enumerated() {
                cells.append(.code(source: e.source, outputs: Self.outputs(of: e.items), executionCount: i + 1))
            }
            return NotebookDocument(cells: cells, version: manifest.version, extraMetadata: ["ydnn": manifest.jsonObject])
        }

        // Entries go to the code cell holding their line; those without a line
        // (a check error before anything ran, a notebook's cells) in order.
        var assigned = [[Item]](repeating: [], count: layout.count)
        var reached = [Bool](repeating: false, count: layout.count)
        let codeIndices = layout.indices.filter { layout[$0].kind == .code }
        var nextInOrder = 0
        for e in entries {
            var target: Int?
            if let line = e.line {
                target = codeIndices.first { layout[$0].lines?.contains(line) == true }
            } else if nextInOrder < codeIndices.count, layout[codeIndices[nextInOrder]].lines == nil {
                target = codeIndices[nextInOrder]; nextInOrder += 1
            }
            let t = target ?? codeIndices.first
            guard let t else { continue }
            assigned[t] += e.items
            reached[t] = true
        }
        var count = 0
        for (i, c) in layout.enumerated() {
            switch c.kind {
            case .markdown: cells.append(.markdown(c.source))
            case .code:
                var n: Int? = nil
                if reached[i] { count += 1; n = count }
                cells.append(.code(source: c.source, outputs: Self.outputs(of: assigned[i]), executionCount: n))
            }
        }
        return NotebookDocument(cells: cells, version: manifest.version, extraMetadata: ["ydnn": manifest.jsonObject])
    }
}

/// A cell of the notebook a report is laid out as: markdown, or code that holds
/// the statements starting on `lines` (nil: the next statement entry, in order).
public struct NotebookSourceCell {
    public var kind: RecipeCells.Kind
    public var source: String
    public var lines: ClosedRange<Int>?
    public init(kind: RecipeCells.Kind, source: String, lines: ClosedRange<Int>? = nil) {
        self.kind = kind; self.source = source; self.lines = lines
    }
}
