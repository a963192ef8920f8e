import ArgumentParser
import Foundation
import YDNN
import YDNNScript

/// `ydnn notebook recipe.ydnn out.ipynb`: a recipe as an unexecuted notebook for
/// the ydnn kernel, one code cell per paragraph, comment paragraphs as markdown.
struct NotebookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notebook",
        abstract: "Convert a recipe to an unexecuted Jupyter notebook for the ydnn kernel.",
        discussion: """
        Paragraphs of the recipe (statements between blank lines) become code cells;
        comment paragraphs, and the comments that lead a paragraph, become markdown.
        Run the notebook in Jupyter (kernel "ydnn", see 'make jupyter'), or with
        'ydnn run out.ipynb'.
        """)

    @ArgumentParser.Argument(help: "The recipe (.ydnn file).")
    var recipe: String

    @ArgumentParser.Argument(help: "The notebook to write (.ipynb).")
    var output: String

    mutating func validate() throws {
        guard FileManager.default.fileExists(atPath: recipe) else { throw ValidationError("no such file: \(recipe)") }
        guard output.lowercased().hasSuffix(".ipynb") else { throw ValidationError("the notebook's name must end in .ipynb: \(output)") }
    }

    mutating func run() throws {
        let text: String
        do { text = try String(contentsOfFile: recipe, encoding: .utf8) } catch {
            throw ValidationError("cannot read \(recipe): \(error.localizedDescription)")
        }
        let doc = RecipeCells.notebook(recipe: text, version: ydnnVersion)
        try doc.write(to: output)
        let code = doc.cells.filter { if case .code = $0 { return true } else { return false } }.count
        print("wrote \(output): \(doc.cells.count) cells, \(code) of code")
    }
}

/// `ydnn run notebook.ipynb`: runs the code cells of a ydnn notebook in order in
/// one session, as Jupyter's "Run All" would. Each cell is checked just before it
/// runs; the first error stops the run (exit 1). Outputs go to stdout; `--report`
/// writes the run as .html, .md or an executed .ipynb.
func runNotebook(path: String, assignments: [String], report: String?, noLog: Bool) throws {
    let doc: NotebookDocument
    do { doc = try NotebookDocument.read(path: path) } catch let e as NotebookDocument.ReadError {
        throw ValidationError(e.description)
    }
    guard doc.isYDNN else {
        throw ValidationError("\(path) is a notebook for the '\(doc.kernelName ?? doc.languageName ?? "unknown")' kernel, not ydnn")
    }
    let codeCells = doc.cells.compactMap { cell -> String? in
        if case .code(let source, _, _) = cell { return source }
        return nil
    }

    let recorder = try RunRecorder(recipePath: path, version: ydnnVersion)
    var notebook = Notebook(title: "ydnn run \((path as NSString).lastPathComponent)", manifest: recorder.notebook.manifest)
    notebook.cellLayout = doc.cells.compactMap { cell in
        switch cell {
        case .markdown(let s): return NotebookSourceCell(kind: .markdown, source: s)
        case .code(let s, _, _): return NotebookSourceCell(kind: .code, source: s)
        case .raw: return nil
        }
    }
    final class Box { var notebook: Notebook; init(_ n: Notebook) { notebook = n } }
    let box = Box(notebook)
    let base = Console.standard()
    let console = Console(isTerminal: base.isTerminal,
                          out: { text in base.write(text); box.notebook.appendOutput(text) },
                          err: { text in base.error(text); box.notebook.appendOutput(text) })
    console.chartSink = { svg, title in box.notebook.appendChart(svg, title: title) }
    console.tableSink = { table, title, indent in
        base.print(table.render(indent: indent))
        box.notebook.appendTable(table, title: title)
    }
    let interpreter = Interpreter(console: console)
    let cellsToRun = try applyNotebookOverrides(assignments, cells: codeCells, path: path, registry: interpreter.registry)

    CancellationToken.installInterruptHandler()
    var status: Int32 = 0
    for (k, source) in cellsToRun.enumerated() {
        box.notebook.beginStatement(source)
        if source.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
        if !interpreter.run(source: source, name: "\(path) cell \(k + 1)", firstLine: 1) || CancellationToken.process.isCancelled {
            status = CancellationToken.process.reset() ? 130 : 1
            break
        }
    }
    status = finishRun(recorder, interpreter, status: status, noLog: noLog, report: report) { report in
        box.notebook.manifest = recorder.manifest(for: interpreter)
        return try WriteSandbox.unrestricted.during { try box.notebook.write(to: report) }
    }
    if status != 0 { throw ExitCode(status) }
}

/// `--set name=value` for a notebook: replaces the value of the first top-level
/// `let name = ...` in its code cells (as `--set` does for a recipe's), by
/// rewriting that expression in the cell's text before it runs; line and column
/// numbers of everything else stay as written. A value that is not a literal
/// (a bare path) is taken as text. Returns the cells to run.
func applyNotebookOverrides(_ assignments: [String], cells: [String], path: String,
                            registry: CommandRegistry) throws -> [String] {
    var overrides: [(name: String, text: String)] = []
    for a in assignments {
        guard let eq = a.firstIndex(of: "="), eq != a.startIndex else {
            throw ValidationError("--set expects name=value, got '\(a)'")
        }
        overrides.append((String(a[..<eq]), String(a[a.index(after: eq)...])))
    }
    guard !overrides.isEmpty else { return cells }
    var pending = Dictionary(overrides.map { ($0.name, overrideLiteral($0.text)) }, uniquingKeysWith: { _, last in last })
    var names: Set<String> = []
    var result = cells
    for (k, cell) in cells.enumerated() {
        let file = SourceFile(name: "", text: cell)
        let (statements, _) = Parser.parse(file, commandNames: Set(registry.names))
        var replacements: [(Range<Int>, String)] = []
        for statement in statements {
            guard case .binding(let name, _, let value, _) = statement else { continue }
            names.insert(name)
            guard case .expression(let e) = value, let literal = pending.removeValue(forKey: name) else { continue }
            replacements.append((e.span.start..<e.span.end, literal))
        }
        guard !replacements.isEmpty else { continue }
        var bytes = Array(cell.utf8)
        for (range, literal) in replacements.sorted(by: { $0.0.lowerBound > $1.0.lowerBound }) {
            bytes.replaceSubrange(range, with: Array(literal.utf8))
        }
        result[k] = String(decoding: bytes, as: UTF8.self)
    }
    for name in pending.keys.sorted() {
        let hint = closestMatch(to: name, in: Array(names)).map { "; did you mean '\($0)'?" } ?? ""
        throw ValidationError("--set \(name): \(path) has no 'let \(name) = ...'\(hint)")
    }
    return result
}

/// A `--set` value as ydnn source: a literal (5, 1e-3, adam, hr@10, [1, 2],
/// "text") as given, anything else as a quoted string.
func overrideLiteral(_ text: String) -> String {
    let (statements, errors) = Parser.parse(SourceFile(name: "--set", text: "let v = " + text), commandNames: [])
    func isLiteral(_ e: Expr) -> Bool {
        switch e {
        case .integer, .float, .symbol, .metric: return true
        case .string: return !text.contains("$")  // no interpolation: it would read the session
        case .list(let items, _): return items.allSatisfy(isLiteral)
        case .variable: return false
        }
    }
    if errors.isEmpty, statements.count == 1, case .binding(_, _, .expression(let e), _) = statements[0], isLiteral(e) {
        return text
    }
    return Value.string(text).literal
}
