/// A plain-text table: numbers right-aligned, everything else left-aligned.
/// Every command that prints several numbers prints them through this.
public struct TextTable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(_ header: [String]) { self.header = header }

    public mutating func add(_ row: [String]) {
        rows.append(row + Array(repeating: "", count: max(0, header.count - row.count)))
    }

    public func render(indent: String = "") -> String {
        let columns = header.count
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.prefix(columns).enumerated() { widths[i] = max(widths[i], cell.count) } }
        func isNumeric(_ s: String) -> Bool {
            !s.isEmpty && s.allSatisfy { "0123456789.-+e%x±".contains($0) } && s.contains(where: \.isNumber)
        }
        func line(_ cells: [String]) -> String {
            var out = indent
            for (i, cell) in cells.prefix(columns).enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                out += isNumeric(cell) ? pad + cell : cell + (i == columns - 1 ? "" : pad)
                if i < columns - 1 { out += "  " }
            }
            while out.hasSuffix(" ") { out.removeLast() }
            return out
        }
        var lines = [line(header), indent + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        lines += rows.map(line)
        return lines.joined(separator: "\n")
    }

    /// The same table in Markdown (reports, README).
    public func markdown() -> String {
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        var lines = ["| " + header.map(esc).joined(separator: " | ") + " |",
                     "|" + header.map { _ in "---" }.joined(separator: "|") + "|"]
        lines += rows.map { "| " + $0.map(esc).joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n")
    }
}
