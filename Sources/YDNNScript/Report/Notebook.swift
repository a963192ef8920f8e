import Foundation
import YDNN

/// A notebook-style transcript of a run (`ydnn run FILE --report out.html`):
/// each statement with what it printed, its tables and charts, then rendered as
/// one self-contained HTML page or as Markdown.
///
/// Markdown charts are written as separate .svg files in a folder beside the .md
/// (`out.md` → `out_charts/01-loss.svg`) and linked, not inlined as data: URIs,
/// because GitHub and several Markdown viewers refuse data: images; a folder of
/// SVGs also diffs and opens on its own.
public struct Notebook {
    public enum Item {
        /// Text the statement printed (ANSI colours and progress-bar redraws cleaned).
        case text(String)
        case table(TextTable, title: String?)
        /// An SVG chart (as made by `Charts`), with a title for captions and file names.
        case chart(svg: String, title: String)
    }

    public struct Entry {
        /// The statement as written; empty for output not tied to a statement.
        public var source: String
        public var line: Int?
        public var items: [Item] = []
        public init(source: String, line: Int? = nil) { self.source = source; self.line = line }
    }

    public var title: String
    public var manifest: RunManifest
    public private(set) var entries: [Entry] = []
    /// How an .ipynb report lays out its cells; nil: from the recipe (`RecipeCells.split`).
    public var cellLayout: [NotebookSourceCell]?

    public init(title: String, manifest: RunManifest) {
        self.title = title; self.manifest = manifest
    }

    /// Starts a new cell for a statement; later output goes into it.
    public mutating func beginStatement(_ source: String, line: Int? = nil) {
        entries.append(Entry(source: source, line: line))
    }

    /// Adds printed text to the current cell, joining it with text printed just before.
    public mutating func appendOutput(_ text: String) {
        guard !text.isEmpty else { return }
        ensureEntry()
        if case .text(let previous)? = entries[entries.count - 1].items.last {
            entries[entries.count - 1].items[entries[entries.count - 1].items.count - 1] = .text(previous + text)
        } else {
            entries[entries.count - 1].items.append(.text(text))
        }
    }

    public mutating func appendTable(_ table: TextTable, title: String? = nil) {
        ensureEntry(); entries[entries.count - 1].items.append(.table(table, title: title))
    }

    public mutating func appendChart(_ svg: String, title: String) {
        ensureEntry(); entries[entries.count - 1].items.append(.chart(svg: svg, title: title))
    }

    private mutating func ensureEntry() { if entries.isEmpty { entries.append(Entry(source: "")) } }

    // MARK: - Text cleaning

    /// Terminal output as a reader would have seen it last: ANSI escape sequences
    /// removed and, on each line, only what follows the last carriage return (a
    /// progress bar's final state).
    public static func cleanTerminalText(_ text: String) -> String {
        var noEscapes = ""
        var it = text.unicodeScalars.makeIterator()
        while let c = it.next() {
            if c == "\u{1B}" {
                // CSI: ESC [ params final-byte(0x40...0x7E); other escapes: drop ESC + one char.
                guard let next = it.next() else { break }
                if next == "[" { while let p = it.next(), !(0x40...0x7E).contains(p.value) {} }
                continue
            }
            noEscapes.unicodeScalars.append(c)
        }
        // Scalars, not Characters: Swift treats "\r\n" as one Character.
        var out = String.UnicodeScalarView(), line = String.UnicodeScalarView()
        var pendingCR = false
        for c in noEscapes.unicodeScalars {
            if c == "\n" { out.append(contentsOf: line); out.append(c); line = .init(); pendingCR = false; continue }
            if pendingCR { line = .init(); pendingCR = false }  // text after \r overwrites the line
            if c == "\r" { pendingCR = true } else { line.append(c) }
        }
        out.append(contentsOf: line)
        return String(out)
    }

    // MARK: - HTML

    /// Escapes text for HTML content and attributes: `<script>` in a recipe's
    /// output must stay text.
    public static func htmlEscape(_ s: String) -> String { Charts.xmlEscape(s) }

    static let css = """
        body { margin: 0; background: #fafafa; color: #222; font: 15px/1.45 "DejaVu Sans", Helvetica, Arial, sans-serif; }
        main { max-width: 1000px; margin: 0 auto; padding: 24px; }
        h1 { font-size: 24px; margin: 0 0 16px; }
        h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        pre { margin: 0; padding: 8px 12px; overflow-x: auto; white-space: pre;
              font: 13px/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; }
        .cell { background: #fff; border: 1px solid #e2e2e2; border-radius: 6px; margin: 12px 0; overflow: hidden; }
        .source { background: #f3f6fa; border-bottom: 1px solid #e2e2e2; color: #0b3d91; }
        .source .ln { color: #999; display: inline-block; min-width: 3em; user-select: none; }
        .output { color: #222; }
        table { border-collapse: collapse; margin: 8px 12px; font: 13px "DejaVu Sans Mono", Menlo, Consolas, monospace; }
        th, td { border: 1px solid #ddd; padding: 3px 10px; text-align: left; }
        th { background: #f0f0f0; }
        td.num { text-align: right; }
        caption { text-align: left; font-weight: bold; padding: 4px 0; }
        figure { margin: 8px 12px; }
        figure svg { max-width: 100%; height: auto; }
        figcaption { color: #555; font-size: 13px; }
        table.manifest { font-family: inherit; margin: 0; }
        table.manifest td:first-child { color: #555; white-space: nowrap; }
        table.manifest td:last-child { font-family: "DejaVu Sans Mono", Menlo, monospace; word-break: break-all; }
        """

    /// Numbers right-aligned, as in `TextTable.render`.
    static func isNumeric(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { "0123456789.-+e%x±".contains($0) } && s.contains(where: \.isNumber)
    }

    static func htmlTable(_ t: TextTable, title: String?, cssClass: String? = nil, alignNumbers: Bool = true) -> String {
        var s = cssClass.map { "<table class=\"\($0)\">" } ?? "<table>"
        if let title { s += "<caption>\(htmlEscape(title))</caption>" }
        if !t.header.isEmpty {
            s += "<thead><tr>" + t.header.map { "<th>\(htmlEscape($0))</th>" }.joined() + "</tr></thead>"
        }
        s += "<tbody>\n"
        for row in t.rows {
            s += "<tr>" + row.map { alignNumbers && isNumeric($0) ? "<td class=\"num\">\(htmlEscape($0))</td>" : "<td>\(htmlEscape($0))</td>" }.joined() + "</tr>\n"
        }
        return s + "</tbody></table>\n"
    }

    /// An SVG ready to inline in HTML: without an XML declaration or doctype.
    static func inlineSVG(_ svg: String) -> String {
        var s = Substring(svg)
        while s.hasPrefix("<?") || s.hasPrefix("<!") {
            guard let end = s.firstIndex(of: ">") else { break }
            s = s[s.index(after: end)...].drop(while: \.isWhitespace)
        }
        return String(s)
    }

    var manifestTable: TextTable {
        var t = TextTable([])
        for (k, v) in manifest.rows { t.add([k, v]) }
        return t
    }

    /// One self-contained HTML page: inline CSS and SVG, no scripts, no external resources.
    public func renderHTML() -> String {
        var s = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="ydnn \(Self.htmlEscape(manifest.version))">
            <title>\(Self.htmlEscape(title))</title>
            <style>
            \(Self.css)
            </style>
            </head>
            <body>
            <main>
            <h1>\(Self.htmlEscape(title))</h1>
            <section id="manifest">
            <h2>Run</h2>

            """
        s += Self.htmlTable(manifestTable, title: nil, cssClass: "manifest", alignNumbers: false)
        s += "</section>\n<section id=\"transcript\">\n<h2>Transcript</h2>\n"
        if entries.isEmpty { s += "<p>(no statements)</p>\n" }
        for e in entries {
            s += "<div class=\"cell\">\n"
            if !e.source.isEmpty {
                let ln = e.line.map { "<span class=\"ln\">\($0)</span>" } ?? ""
                s += "<pre class=\"source\">\(ln)\(Self.htmlEscape(e.source))</pre>\n"
            }
            for item in e.items {
                switch item {
                case .text(let text):
                    let clean = Self.cleanTerminalText(text)
                    if !clean.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                        s += "<pre class=\"output\">\(Self.htmlEscape(clean))</pre>\n"
                    }
                case .table(let t, let title):
                    s += Self.htmlTable(t, title: title)
                case .chart(let svg, let title):
                    s += "<figure>\n\(Self.inlineSVG(svg))\n<figcaption>\(Self.htmlEscape(title))</figcaption>\n</figure>\n"
                }
            }
            s += "</div>\n"
        }
        return s + "</section>\n</main>\n</body>\n</html>\n"
    }

    // MARK: - Markdown

    /// A fence longer than any run of backticks in `text`, so output cannot end it.
    static func fence(for text: String) -> String {
        var longest = 0, run = 0
        for c in text { if c == "`" { run += 1; longest = max(longest, run) } else { run = 0 } }
        return String(repeating: "`", count: max(3, longest + 1))
    }

    /// A file-name-safe slug of a chart title ("loss (smoothed)" → "loss-smoothed").
    static func slug(_ s: String) -> String {
        var out = "", dash = false
        for c in s.lowercased().unicodeScalars {
            if CharacterSet.alphanumerics.contains(c) && c.isASCII { out.unicodeScalars.append(c); dash = false }
            else if !dash && !out.isEmpty { out += "-"; dash = true }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return String(out.prefix(40)).isEmpty ? "chart" : String(out.prefix(40))
    }

    /// The Markdown text and the chart files it links, as (relative path, SVG
    /// document) pairs; the paths start with `chartDirectory`.
    public func renderMarkdown(chartDirectory: String) -> (markdown: String, charts: [(path: String, svg: String)]) {
        func inlineCode(_ s: String) -> String {
            let f = s.contains("`") ? "`` " : "`"
            return f + s + (f == "`" ? "`" : " ``")
        }
        var md = "# \(title)\n\n## Run\n\n| | |\n|---|---|\n"
        for (k, v) in manifest.rows {
            md += "| \(k.replacingOccurrences(of: "|", with: "\\|")) | \(inlineCode(v).replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        md += "\n## Transcript\n\n"
        if entries.isEmpty { md += "(no statements)\n" }
        var charts: [(path: String, svg: String)] = []
        for e in entries {
            if !e.source.isEmpty {
                let f = Self.fence(for: e.source)
                md += "\(f)\n\(e.source)\n\(f)\n\n"
            }
            for item in e.items {
                switch item {
                case .text(let text):
                    var clean = Self.cleanTerminalText(text)
                    while clean.hasSuffix("\n") { clean.removeLast() }
                    guard !clean.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
                    let f = Self.fence(for: clean)
                    md += "\(f)text\n\(clean)\n\(f)\n\n"
                case .table(let t, let title):
                    if let title { md += "**\(title)**\n\n" }
                    md += t.markdown() + "\n\n"
                case .chart(let svg, let title):
                    let path = chartDirectory + "/" + String(format: "%02d", charts.count + 1) + "-" + Self.slug(title) + ".svg"
                    charts.append((path, Charts.svgDocument(Self.inlineSVG(svg))))
                    let alt = title.replacingOccurrences(of: "]", with: "\\]")
                    md += "![\(alt)](\(path.replacingOccurrences(of: " ", with: "%20")))\n\n"
                }
            }
        }
        return (md, charts)
    }

    // MARK: - Writing

    public enum Format { case html, markdown, ipynb }

    /// .md and .markdown are Markdown, .ipynb a Jupyter notebook; everything else is HTML.
    public static func format(forPath path: String) -> Format {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        if ext == "ipynb" { return .ipynb }
        return ext == "md" || ext == "markdown" ? .markdown : .html
    }

    /// Writes the report (and, for Markdown, its chart files) atomically: each
    /// file is written beside its target and renamed over it, so a reader never
    /// sees half a report. Returns the paths written, the report last.
    @discardableResult
    public func write(to path: String) throws -> [String] {
        switch Self.format(forPath: path) {
        case .html:
            try AtomicFileWriter.write(renderHTML(), to: path)
            return [path]
        case .ipynb:
            try notebookDocument().write(to: path)
            return [path]
        case .markdown:
            let url = URL(fileURLWithPath: path)
            let dirName = url.deletingPathExtension().lastPathComponent + "_charts"
            let (md, charts) = renderMarkdown(chartDirectory: dirName)
            var written: [String] = []
            for c in charts {
                let p = url.deletingLastPathComponent().appendingPathComponent(c.path).path
                try AtomicFileWriter.write(c.svg, to: p)
                written.append(p)
            }
            try AtomicFileWriter.write(md, to: path)
            return written + [path]
        }
    }
}
