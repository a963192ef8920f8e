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

    @Argument(help: "The recipe (.ydnn file).")
    var recipe: String

    @Argument(help: "The notebook to write (.ipynb).")
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
    interpreter.overrides = try notebookOverrides(assignments, cells: codeCells, path: path)

    Interrupt.installHandler()
    var status: Int32 = 0
    for (k, source) in codeCells.enumerated() {
        box.notebook.beginStatement(source)
        if source.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
        if !interpreter.run(source: source, name: "\(path) cell \(k + 1)", firstLine: 1) || Interrupt.isRequested {
            status = Interrupt.clear() ? 130 : 1
            break
        }
    }
    do {
        if !noLog, let log = try recorder.appendRunLog(interpreter) {
            FileHandle.standardError.write(Data("results appended to \(log)\n".utf8))
        }
        if let report {
            box.notebook.manifest = recorder.manifest(for: interpreter)
            let files = try box.notebook.write(to: report)
            FileHandle.standardError.write(Data("report written: \(files.joined(separator: ", "))\n".utf8))
        }
    } catch {
        interpreter.report(error)
        status = status == 0 ? 1 : status
    }
    if status != 0 { throw ExitCode(status) }
}

/// `--set name=value` for a notebook: the name must be bound by a `let` in one of its code cells.
func notebookOverrides(_ assignments: [String], cells: [String], path: String) throws -> [String: Value] {
    var overrides: [String: Value] = [:]
    for a in assignments {
        guard let eq = a.firstIndex(of: "="), eq != a.startIndex else {
            throw ValidationError("--set expects name=value, got '\(a)'")
        }
        overrides[String(a[..<eq])] = parseOverride(String(a[a.index(after: eq)...]))
    }
    guard !overrides.isEmpty else { return [:] }
    var names: Set<String> = []
    let pattern = try NSRegularExpression(pattern: #"(?m)^\s*let\s+([A-Za-z_][A-Za-z0-9_]*)\s*="#)
    for cell in cells {
        for m in pattern.matches(in: cell, range: NSRange(cell.startIndex..., in: cell)) {
            if let r = Range(m.range(at: 1), in: cell) { names.insert(String(cell[r])) }
        }
    }
    for name in overrides.keys.sorted() where !names.contains(name) {
        let hint = closestMatch(to: name, in: Array(names)).map { "; did you mean '\($0)'?" } ?? ""
        throw ValidationError("--set \(name): \(path) has no 'let \(name) = ...'\(hint)")
    }
    return overrides
}
