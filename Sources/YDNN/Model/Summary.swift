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
        // Shapes and counts come from the layout, the one declaration of the tensors.
        func row(_ owner: ParameterLayout.Owner, _ layer: String, _ kind: String, _ output: String) -> LayerSummary {
            let tensors = layout.tensors(of: owner)
            return LayerSummary(layer: layer, kind: kind, output: output, shapes: tensors.map(\.shape).joined(separator: ", "),
                                parameters: tensors.reduce(0) { $0 + $1.count })
        }
        var rows: [LayerSummary] = []
        for (i, e) in spec.encoders.enumerated() {
            let kind: String
            switch e.kind {
            case .embedding:
                let single = features.first { $0.name == e.feature }?.kind == .single
                kind = (single ? "embed" : "embed pool=\(e.pool.rawValue)" + (e.weighted ? " weighted" : ""))
                    + (e.shared ? " shared (output.w)" : "")
            case .lstm: kind = "lstm \(e.hidden) pool=\(e.pool.rawValue)"
            case .attention: kind = "attention" + (e.weighted ? " weighted" : "")
            }
            rows.append(row(.encoder(i), e.feature, kind + (e.lastSlot ? " +last" : ""), "\(e.outputDimension)"))
        }
        if !spec.denseInputs.isEmpty {
            rows.append(LayerSummary(layer: spec.denseInputs.joined(separator: ", "), kind: "dense input",
                                     output: "\(spec.denseInputs.count)", shapes: "", parameters: 0))
        }
        rows.append(LayerSummary(layer: "concat", kind: "concat", output: "\(spec.concatDimension)", shapes: "", parameters: 0))
        for (i, h) in spec.hidden.enumerated() {
            rows.append(row(.dense(i), "dense\(i + 1)", "dense" + (h.activation == .relu ? " relu" : "")
                            + (h.norm == .batch ? " norm=batch" : ""), "\(h.units)"))
        }
        if spec.normalize {
            rows.append(LayerSummary(layer: "normalize", kind: "l2 temperature=\(spec.temperature)",
                                     output: "\(spec.towerDimension)", shapes: "", parameters: 0))
        }
        let o = spec.output
        let kind: String
        switch o.loss {
        case .nce: kind = "nce negatives=\(o.negatives) noise=\(o.noise)"
        case .sampledSoftmax:
            kind = "softmax sampled=\(o.negatives)" + (o.perSample ? " per=sample" : "") + " noise=\(o.noise) logq=\(o.logQ ? "on" : "off")"
        case .fullSoftmax: kind = "softmax full"
        case .inBatch: kind = "softmax in-batch logq=\(o.logQ ? "on" : "off")"
        }
        if let tower = spec.itemTower {
            for (i, e) in tower.encoders.enumerated() {
                rows.append(row(.itemEncoder(i), "item \(e.feature)", "item embed pool=\(e.pool.rawValue)", "\(e.outputDimension)"))
            }
            for (i, h) in tower.hidden.enumerated() {
                rows.append(row(.itemDense(i), "item dense\(i + 1)", "dense" + (h.activation == .relu ? " relu" : ""), "\(h.units)"))
            }
            rows.append(row(.itemDense(tower.hidden.count), "item out", "item vector = w_i + this", "\(spec.towerDimension)"))
        }
        rows.append(row(.output, "output", kind, "1 (loss)"))
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
