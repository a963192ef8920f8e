/// One row of `Model.summary()`.
public struct LayerSummary: Sendable, Equatable {
    public var layer: String
    public var kind: String
    /// Output shape per sample, e.g. "64" or "1 (loss)".
    public var output: String
    /// Parameter shapes, e.g. "943×64".
    public var shapes: String
    public var parameters: Int
}

extension Model {
    /// Layers in order of computation with their shapes and parameter counts.
    public func summary() -> [LayerSummary] {
        func count(_ names: [String]) -> Int { names.compactMap { parameter(named: $0)?.count }.reduce(0, +) }
        func shape(_ names: [String]) -> String {
            names.compactMap { parameter(named: $0) }.map { "\($0.rows)×\($0.cols)" }.joined(separator: ", ")
        }
        var rows: [LayerSummary] = []
        for e in spec.encoders {
            var names = [e.tableName]
            let kind: String
            switch e.kind {
            case .embedding:
                let single = features.first { $0.name == e.feature }?.kind == .single
                kind = single ? "embed" : "embed pool=\(e.pool.rawValue)" + (e.weighted ? " weighted" : "")
            case .lstm:
                names += [".wx", ".wh", ".b"].map { e.tableName + $0 }
                kind = "lstm \(e.hidden) pool=\(e.pool.rawValue)"
            case .attention:
                names.append(e.tableName + ".query")
                kind = "attention" + (e.weighted ? " weighted" : "")
            }
            rows.append(LayerSummary(layer: e.feature, kind: kind + (e.lastSlot ? " +last" : ""),
                                     output: "\(e.outputDimension)", shapes: shape(names), parameters: count(names)))
        }
        if !spec.denseInputs.isEmpty {
            rows.append(LayerSummary(layer: spec.denseInputs.joined(separator: ", "), kind: "dense input",
                                     output: "\(spec.denseInputs.count)", shapes: "", parameters: 0))
        }
        rows.append(LayerSummary(layer: "concat", kind: "concat", output: "\(spec.concatDimension)", shapes: "", parameters: 0))
        for (i, h) in spec.hidden.enumerated() {
            let names = ["dense\(i + 1).w", "dense\(i + 1).b"]
            rows.append(LayerSummary(layer: "dense\(i + 1)", kind: "dense" + (h.activation == .relu ? " relu" : ""),
                                     output: "\(h.units)", shapes: shape(names), parameters: count(names)))
        }
        if spec.normalize {
            rows.append(LayerSummary(layer: "normalize", kind: "l2 temperature=\(spec.temperature)",
                                     output: "\(spec.towerDimension)", shapes: "", parameters: 0))
        }
        let o = spec.output
        let kind: String
        switch o.loss {
        case .nce: kind = "nce negatives=\(o.negatives) noise=\(o.noise.rawValue)"
        case .sampledSoftmax: kind = "softmax sampled=\(o.negatives) noise=\(o.noise.rawValue) logq=\(o.logQ ? "on" : "off")"
        case .fullSoftmax: kind = "softmax full"
        case .inBatch: kind = "softmax in-batch logq=\(o.logQ ? "on" : "off")"
        }
        let names = ["output.w", "output.b"]
        rows.append(LayerSummary(layer: "output", kind: kind, output: "1 (loss)", shapes: shape(names), parameters: count(names)))
        return rows
    }

    /// `summary()` as an aligned text table with a total line.
    public func summaryTable() -> String {
        let rows = summary()
        let header = ["layer", "type", "output", "weights", "params"]
        var cells = rows.map { [$0.layer, $0.kind, $0.output, $0.shapes, "\($0.parameters)"] }
        cells.append(["total", "", "", "", "\(parameterCount)"])
        let widths = header.indices.map { c in max(header[c].count, cells.map { $0[c].count }.max() ?? 0) }
        func line(_ r: [String]) -> String {
            r.indices.map { c in
                c == r.count - 1 ? String(repeating: " ", count: widths[c] - r[c].count) + r[c]
                    : r[c] + String(repeating: " ", count: widths[c] - r[c].count)
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + cells.dropLast().map(line) + [rule, line(cells.last!)]).joined(separator: "\n")
    }
}
