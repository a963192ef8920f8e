import Foundation

/// One line of a chart: y values over x (batch, epoch, ...). Non-finite values
/// break the line instead of dragging the axis to infinity.
public struct ChartSeries: Sendable, Equatable {
    public var name: String
    public var x: [Double]
    public var y: [Double]

    /// Values at x = xStart, xStart + 1, ... (batches or epochs).
    public init(name: String, values: [Double], xStart: Double = 1) {
        self.name = name
        self.y = values
        self.x = values.indices.map { xStart + Double($0) }
    }

    public init(name: String, x: [Double], y: [Double]) {
        precondition(x.count == y.count, "a series needs as many x as y values")
        self.name = name; self.x = x; self.y = y
    }

    /// The points whose coordinates are both finite.
    var finitePoints: [(Double, Double)] {
        zip(x, y).filter { $0.0.isFinite && $0.1.isFinite }
    }
}

/// One bar of a comparison: an experiment's mean and its confidence interval.
public struct BarDatum: Sendable, Equatable {
    public var label: String
    public var value: Double
    public var low: Double?
    public var high: Double?

    public init(label: String, value: Double, low: Double? = nil, high: Double? = nil) {
        self.label = label; self.value = value; self.low = low; self.high = high
    }
}

/// Charts for `plot` and the notebook report: a Unicode chart for the terminal
/// and SVG 1.1 for files and HTML. Everything is computed from the data alone
/// (no fonts measured, no external resources), so the same run draws the same
/// bytes.
public enum Charts {
    /// Series colours (SVG), chosen to stay distinguishable for most colour-blind readers.
    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    /// The same order as ANSI colours for the terminal: blue, yellow, green, red, magenta, ...
    static let ansiColors = [34, 33, 32, 31, 35, 33, 35, 36]
    /// Markers for several series without colour, where braille dots would be indistinguishable.
    static let markers: [Character] = ["●", "×", "+", "◆", "○", "▲", "□", "*"]

    // MARK: - Smoothing

    /// Trailing moving average over `window` values (the first values average what
    /// there is), so a noisy per-batch loss shows its trend. Non-finite values are
    /// skipped, not propagated.
    public static func movingAverage(_ values: [Double], window: Int) -> [Double] {
        guard window > 1 else { return values }
        var out = [Double](repeating: .nan, count: values.count)
        var sum = 0.0, count = 0
        for i in values.indices {
            if values[i].isFinite { sum += values[i]; count += 1 }
            if i >= window, values[i - window].isFinite { sum -= values[i - window]; count -= 1 }
            out[i] = count > 0 ? sum / Double(count) : .nan
        }
        return out
    }

    // MARK: - Axes

    /// A "nice" axis: bounds and ticks on multiples of 1, 2 or 5 × 10^k.
    struct Axis {
        var lo: Double, hi: Double, step: Double
        var ticks: [Double] {
            var t: [Double] = []
            let n = Int(((hi - lo) / step).rounded())
            for i in 0...max(0, n) { let v = lo + Double(i) * step; t.append(abs(v) < step * 1e-9 ? 0 : v) }
            return t
        }
        /// Decimals that show the step exactly (0.05 → 2).
        var decimals: Int { max(0, Int((-log10(step) - 1e-9).rounded(.up))) }
        func label(_ v: Double) -> String { Charts.format(v, decimals: decimals) }
    }

    static func niceAxis(_ minValue: Double, _ maxValue: Double, ticks target: Int) -> Axis {
        var lo = minValue, hi = maxValue
        if !(lo.isFinite && hi.isFinite) { lo = 0; hi = 1 }
        if hi - lo <= abs(hi) * 1e-12 {  // one value: centre it in a small range
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad; hi += pad
        }
        let raw = (hi - lo) / Double(max(1, target))
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let f = raw / magnitude
        let step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude
        return Axis(lo: (lo / step).rounded(.down) * step, hi: (hi / step).rounded(.up) * step, step: step)
    }

    static func format(_ v: Double, decimals: Int) -> String {
        if abs(v) >= 1e6 { return String(format: "%.3g", v) }
        let s = String(format: "%.\(min(decimals, 8))f", v)
        return s.hasPrefix("-") && Double(s) == 0 ? String(s.dropFirst()) : s
    }

    /// A value in a label: integers as integers, others with 4 significant digits.
    static func compact(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return String(format: "%.4g", v)
    }

    private static func bounds(_ series: [ChartSeries]) -> (x: ClosedRange<Double>, y: ClosedRange<Double>)? {
        var xs: [Double] = [], ys: [Double] = []
        for s in series { for (x, y) in s.finitePoints { xs.append(x); ys.append(y) } }
        guard let x0 = xs.min(), let x1 = xs.max(), let y0 = ys.min(), let y1 = ys.max() else { return nil }
        return (x0...x1, y0...y1)
    }

    // MARK: - Terminal

    /// A line chart in Unicode for the terminal: braille dots (2×4 per character)
    /// for one series or with `color`; one marker per series and column otherwise,
    /// since uncoloured braille lines cannot be told apart. Returns lines joined
    /// by "\n" without a trailing newline.
    public static func terminalLineChart(_ series: [ChartSeries], width: Int = 60, height: Int = 12,
                                         title: String? = nil, color: Bool = false) -> String {
        var lines: [String] = []
        if let title { lines.append(title) }
        guard let b = bounds(series) else { return (lines + ["(no data to plot)"]).joined(separator: "\n") }
        let w = max(8, width), h = max(3, height)
        let axis = niceAxis(b.y.lowerBound, b.y.upperBound, ticks: max(2, h / 3))
        let xSpan = b.x.upperBound - b.x.lowerBound
        let useBraille = series.count == 1 || color

        // cells[row][col]: the character and the index of the series that drew it last.
        var glyph = [[Character]](repeating: [Character](repeating: " ", count: w), count: h)
        var owner = [[Int]](repeating: [Int](repeating: -1, count: w), count: h)
        if useBraille {
            var bits = [[UInt32]](repeating: [UInt32](repeating: 0, count: w), count: h)
            let cols = w * 2, rows = h * 4
            func dot(_ px: Int, _ py: Int, _ k: Int) {
                guard px >= 0, px < cols, py >= 0, py < rows else { return }
                let dx = px & 1, dy = py & 3
                let bit: UInt32 = dy == 3 ? (dx == 0 ? 0x40 : 0x80) : UInt32(1) << UInt32(dy + 3 * dx)
                bits[py >> 2][px >> 1] |= bit
                owner[py >> 2][px >> 1] = k
            }
            for (k, s) in series.enumerated() {
                var previous: (Int, Int)? = nil
                for (x, y) in zip(s.x, s.y) {
                    guard x.isFinite, y.isFinite else { previous = nil; continue }
                    let px = xSpan > 0 ? Int(((x - b.x.lowerBound) / xSpan * Double(cols - 1)).rounded()) : cols / 2
                    let py = Int(((axis.hi - y) / (axis.hi - axis.lo) * Double(rows - 1)).rounded())
                    if let (qx, qy) = previous { line(qx, qy, px, py) { dot($0, $1, k) } } else { dot(px, py, k) }
                    previous = (px, py)
                }
            }
            for r in 0..<h { for c in 0..<w where bits[r][c] != 0 { glyph[r][c] = Character(Unicode.Scalar(0x2800 + bits[r][c])!) } }
        } else {
            for (k, s) in series.enumerated() {
                let pts = s.finitePoints
                for c in 0..<w {
                    let x = b.x.lowerBound + (xSpan > 0 ? Double(c) / Double(w - 1) * xSpan : 0)
                    guard let y = interpolate(pts, at: x, tolerance: xSpan / Double(w - 1) / 2) else { continue }
                    let r = Int(((axis.hi - y) / (axis.hi - axis.lo) * Double(h - 1)).rounded())
                    guard r >= 0, r < h else { continue }
                    glyph[r][c] = markers[k % markers.count]; owner[r][c] = k
                }
            }
        }

        // Y labels on the rows their ticks fall on.
        var rowLabel = [String?](repeating: nil, count: h)
        for t in axis.ticks {
            let r = Int(((axis.hi - t) / (axis.hi - axis.lo) * Double(h - 1)).rounded())
            if r >= 0, r < h, rowLabel[r] == nil { rowLabel[r] = axis.label(t) }
        }
        let gutter = rowLabel.compactMap { $0?.count }.max() ?? 1
        for r in 0..<h {
            let label = rowLabel[r] ?? ""
            var row = String(repeating: " ", count: gutter - label.count) + label + (rowLabel[r] == nil ? " │" : " ┤")
            var current = -1
            for c in 0..<w {
                let k = owner[r][c]
                if color, glyph[r][c] != " ", k != current {
                    row += "\u{1B}[\(ansiColors[k % ansiColors.count])m"; current = k
                } else if color, glyph[r][c] == " ", current != -1 {
                    row += "\u{1B}[0m"; current = -1
                }
                row.append(glyph[r][c])
            }
            if current != -1 { row += "\u{1B}[0m" }
            while row.hasSuffix(" ") { row.removeLast() }
            lines.append(row)
        }
        lines.append(String(repeating: " ", count: gutter + 1) + "└" + String(repeating: "─", count: w))
        let left = compact(b.x.lowerBound), right = compact(b.x.upperBound)
        var xLine = String(repeating: " ", count: gutter + 2) + left
        let pad = w - left.count - right.count
        if xSpan > 0, pad > 0 { xLine += String(repeating: " ", count: pad) + right }
        lines.append(xLine)
        if series.count > 1 || !series[0].name.isEmpty {
            let legend = series.enumerated().map { k, s -> String in
                let mark = useBraille ? "⣿" : String(markers[k % markers.count])
                return (color ? "\u{1B}[\(ansiColors[k % ansiColors.count])m\(mark)\u{1B}[0m" : mark) + " " + s.name
            }
            lines.append(String(repeating: " ", count: gutter + 2) + legend.joined(separator: "   "))
        }
        return lines.joined(separator: "\n")
    }

    /// Bresenham's line between two grid points, calling `plot` for each.
    private static func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ plot: (Int, Int) -> Void) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            plot(x, y)
            if x == x1 && y == y1 { return }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// y at x on the polyline through `points` (sorted by x), or nil outside it.
    private static func interpolate(_ points: [(Double, Double)], at x: Double, tolerance: Double) -> Double? {
        guard let first = points.first, let last = points.last else { return nil }
        if points.count == 1 { return abs(first.0 - x) <= tolerance ? first.1 : nil }
        if x < first.0 - tolerance || x > last.0 + tolerance { return nil }
        if x <= first.0 { return first.1 }
        if x >= last.0 { return last.1 }
        var lo = 0, hi = points.count - 1  // binary search for the segment
        while hi - lo > 1 { let mid = (lo + hi) / 2; if points[mid].0 <= x { lo = mid } else { hi = mid } }
        let (xa, ya) = points[lo], (xb, yb) = points[hi]
        return xb == xa ? ya : ya + (yb - ya) * (x - xa) / (xb - xa)
    }

    // MARK: - SVG

    /// Escapes text for XML content and attribute values.
    public static func xmlEscape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // Control characters are not allowed in XML 1.0 at all.
            case _ where ch.value < 0x20 && ch != "\n" && ch != "\t": out += "\u{FFFD}"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// A chart as a standalone .svg file (with the XML declaration).
    public static func svgDocument(_ svg: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg + "\n"
    }

    static func n(_ v: Double) -> String { String(format: "%.2f", v) }

    private static func svgOpen(width: Int, height: Int, title: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(width)" height="\(height)" \
        viewBox="0 0 \(width) \(height)" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
        <title>\(xmlEscape(title))</title>
        <rect x="0" y="0" width="\(width)" height="\(height)" fill="#ffffff"/>
        <text x="\(width / 2)" y="22" text-anchor="middle" font-size="15" font-weight="bold" fill="#222222">\(xmlEscape(title))</text>

        """
    }

    /// A line chart of one or more series with axes, ticks, grid, axis labels and a
    /// legend. Long series are thinned to a min/max envelope per pixel column, so a
    /// 100,000-batch loss curve stays a small file that looks the same.
    public static func svgLineChart(_ series: [ChartSeries], title: String, xLabel: String = "",
                                    yLabel: String = "", width: Int = 720, height: Int = 400) -> String {
        var s = svgOpen(width: width, height: height, title: title)
        let left = 70.0, right = 20.0, top = 40.0, bottom = xLabel.isEmpty ? 36.0 : 52.0
        let pw = Double(width) - left - right, ph = Double(height) - top - bottom
        guard pw > 10, ph > 10, let b = bounds(series) else {
            s += "<text x=\"\(width / 2)\" y=\"\(height / 2)\" text-anchor=\"middle\" fill=\"#666666\">no data</text>\n</svg>"
            return s
        }
        let ya = niceAxis(b.y.lowerBound, b.y.upperBound, ticks: 5)
        let xa = niceAxis(b.x.lowerBound, b.x.upperBound, ticks: 6)
        // Integer x (batches, epochs) keeps its exact range; other x gets nice bounds.
        let integral = series.allSatisfy { $0.x.allSatisfy { $0 == $0.rounded() } }
        let x0 = integral && b.x.upperBound > b.x.lowerBound ? b.x.lowerBound : xa.lo
        let x1 = integral && b.x.upperBound > b.x.lowerBound ? b.x.upperBound : xa.hi
        func px(_ x: Double) -> Double { x1 > x0 ? left + (x - x0) / (x1 - x0) * pw : left + pw / 2 }
        func py(_ y: Double) -> Double { top + (ya.hi - y) / (ya.hi - ya.lo) * ph }

        s += "<g stroke=\"#e5e5e5\" stroke-width=\"1\">\n"
        for t in ya.ticks { s += "<line x1=\"\(n(left))\" y1=\"\(n(py(t)))\" x2=\"\(n(left + pw))\" y2=\"\(n(py(t)))\"/>\n" }
        let xticks = xa.ticks.filter { $0 >= x0 - 1e-9 && $0 <= x1 + 1e-9 }
        for t in xticks { s += "<line x1=\"\(n(px(t)))\" y1=\"\(n(top))\" x2=\"\(n(px(t)))\" y2=\"\(n(top + ph))\"/>\n" }
        s += "</g>\n<g fill=\"#444444\">\n"
        for t in ya.ticks {
            s += "<text x=\"\(n(left - 6))\" y=\"\(n(py(t) + 4))\" text-anchor=\"end\">\(ya.label(t))</text>\n"
        }
        for t in xticks {
            s += "<text x=\"\(n(px(t)))\" y=\"\(n(top + ph + 16))\" text-anchor=\"middle\">\(xa.label(t))</text>\n"
        }
        s += "</g>\n"
        s += "<path d=\"M\(n(left)) \(n(top))V\(n(top + ph))H\(n(left + pw))\" fill=\"none\" stroke=\"#444444\" stroke-width=\"1\"/>\n"
        if !xLabel.isEmpty {
            s += "<text x=\"\(n(left + pw / 2))\" y=\"\(Double(height) - 10)\" text-anchor=\"middle\" fill=\"#222222\">\(xmlEscape(xLabel))</text>\n"
        }
        if !yLabel.isEmpty {
            s += "<text x=\"16\" y=\"\(n(top + ph / 2))\" text-anchor=\"middle\" fill=\"#222222\" transform=\"rotate(-90 16 \(n(top + ph / 2)))\">\(xmlEscape(yLabel))</text>\n"
        }

        for (k, ser) in series.enumerated() {
            let colour = palette[k % palette.count]
            var d = "", penDown = false
            var drawn: [(Double, Double)] = []
            for (x, y) in thin(ser, columns: Int(pw)) {
                guard x.isFinite, y.isFinite else { penDown = false; continue }
                d += (penDown ? "L" : "M") + n(px(x)) + " " + n(py(y))
                penDown = true
                drawn.append((px(x), py(y)))
            }
            s += "<path class=\"series\" data-series=\"\(xmlEscape(ser.name))\" fill=\"none\" stroke=\"\(colour)\" "
            s += "stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\" d=\"\(d.isEmpty ? "M0 0" : d)\"/>\n"
            // Few points (epochs): mark each, so a reader sees where the data is.
            if drawn.count <= 40 {
                for (cx, cy) in drawn { s += "<circle cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"3\" fill=\"\(colour)\"/>\n" }
            }
        }

        // Legend: top right inside the plot, on a white box so lines do not cross the text.
        let named = series.enumerated().filter { !$0.element.name.isEmpty }
        if !named.isEmpty {
            let textWidth = Double(named.map { $0.element.name.count }.max() ?? 0) * 7.0
            let boxW = textWidth + 40, boxH = Double(named.count) * 18 + 8
            let bx = left + pw - boxW - 8, by = top + 8
            s += "<g class=\"legend\">\n<rect x=\"\(n(bx))\" y=\"\(n(by))\" width=\"\(n(boxW))\" height=\"\(n(boxH))\" "
            s += "fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"#cccccc\"/>\n"
            for (row, (k, ser)) in named.enumerated() {
                let ly = by + 14 + Double(row) * 18
                s += "<line x1=\"\(n(bx + 8))\" y1=\"\(n(ly - 4))\" x2=\"\(n(bx + 28))\" y2=\"\(n(ly - 4))\" stroke=\"\(palette[k % palette.count])\" stroke-width=\"3\"/>\n"
                s += "<text x=\"\(n(bx + 34))\" y=\"\(n(ly))\" fill=\"#222222\">\(xmlEscape(ser.name))</text>\n"
            }
            s += "</g>\n"
        }
        return s + "</svg>"
    }

    /// Thins a series to at most two points (min and max, in x order) per pixel
    /// column; gaps (non-finite values) survive as NaN markers.
    static func thin(_ s: ChartSeries, columns: Int) -> [(Double, Double)] {
        let all = Array(zip(s.x, s.y))
        guard all.count > 4 * max(1, columns), let b = bounds([s]), b.x.upperBound > b.x.lowerBound else { return all }
        var out: [(Double, Double)] = []
        var bucket = -1, lo: (Double, Double)? = nil, hi: (Double, Double)? = nil
        func flush() {
            guard let l = lo, let h = hi else { return }
            if l.0 == h.0 { out.append(l) } else { out += l.0 < h.0 ? [l, h] : [h, l] }
            lo = nil; hi = nil
        }
        for (x, y) in all {
            guard x.isFinite, y.isFinite else { flush(); out.append((.nan, .nan)); continue }
            let c = Int((x - b.x.lowerBound) / (b.x.upperBound - b.x.lowerBound) * Double(columns))
            if c != bucket { flush(); bucket = c }
            if lo == nil || y < lo!.1 { lo = (x, y) }
            if hi == nil || y > hi!.1 { hi = (x, y) }
        }
        flush()
        return out
    }

    /// Horizontal bars with confidence intervals, one per experiment (the
    /// `compare` table as a picture). `highlight` (the baseline) is drawn grey
    /// so the others read as changes against it. Bars start at 0 by default;
    /// with `startAtZero: false` the axis spans only the data, so close means
    /// (0.534 vs 0.550) and their intervals can be told apart; the bars then
    /// start at the axis' left end and their lengths are not proportional.
    public static func svgBarChart(_ bars: [BarDatum], title: String, xLabel: String = "",
                                   highlight: String? = nil, startAtZero: Bool = true, width: Int = 720) -> String {
        let rowH = 30.0, top = 40.0, bottom = xLabel.isEmpty ? 36.0 : 52.0
        let height = Int(top + bottom + rowH * Double(max(1, bars.count)))
        var s = svgOpen(width: width, height: height, title: title)
        let finite = bars.filter { $0.value.isFinite }
        guard !finite.isEmpty else {
            s += "<text x=\"\(width / 2)\" y=\"\(height / 2)\" text-anchor=\"middle\" fill=\"#666666\">no data</text>\n</svg>"
            return s
        }
        func clip(_ l: String) -> String { l.count > 32 ? String(l.prefix(31)) + "…" : l }
        let left = min(260, 16 + 7.0 * Double(bars.map { clip($0.label).count }.max() ?? 4))
        let right = 90.0  // room for the value printed after the bar
        let pw = Double(width) - left - right
        var lo = startAtZero ? 0.0 : Double.infinity, hi = startAtZero ? 0.0 : -Double.infinity
        for b in finite {
            lo = min(lo, b.value, b.low.flatMap { $0.isFinite ? $0 : nil } ?? b.value)
            hi = max(hi, b.value, b.high.flatMap { $0.isFinite ? $0 : nil } ?? b.value)
        }
        let xa = niceAxis(lo, hi, ticks: 5)
        func px(_ v: Double) -> Double { left + (v - xa.lo) / (xa.hi - xa.lo) * pw }
        // Where bars start: 0, or the axis end nearest to 0 when 0 is off the axis.
        let origin = min(max(0, xa.lo), xa.hi)
        let plotBottom = top + rowH * Double(bars.count)

        s += "<g stroke=\"#e5e5e5\" stroke-width=\"1\">\n"
        for t in xa.ticks { s += "<line x1=\"\(n(px(t)))\" y1=\"\(n(top))\" x2=\"\(n(px(t)))\" y2=\"\(n(plotBottom))\"/>\n" }
        s += "</g>\n<g fill=\"#444444\">\n"
        for t in xa.ticks { s += "<text x=\"\(n(px(t)))\" y=\"\(n(plotBottom + 16))\" text-anchor=\"middle\">\(xa.label(t))</text>\n" }
        s += "</g>\n"
        if !xLabel.isEmpty {
            s += "<text x=\"\(n(left + pw / 2))\" y=\"\(height - 10)\" text-anchor=\"middle\" fill=\"#222222\">\(xmlEscape(xLabel))</text>\n"
        }
        let decimals = max(4, xa.decimals + 2)
        for (i, b) in bars.enumerated() {
            let cy = top + rowH * (Double(i) + 0.5)
            s += "<text x=\"\(n(left - 8))\" y=\"\(n(cy + 4))\" text-anchor=\"end\" fill=\"#222222\">\(xmlEscape(clip(b.label)))</text>\n"
            guard b.value.isFinite else { continue }
            let colour = b.label == highlight ? "#9e9e9e" : palette[0]
            let x0 = px(min(origin, b.value)), x1 = px(max(origin, b.value))
            s += "<rect class=\"bar\" data-label=\"\(xmlEscape(b.label))\" x=\"\(n(x0))\" y=\"\(n(cy - rowH * 0.32))\" "
            s += "width=\"\(n(max(0.5, x1 - x0)))\" height=\"\(n(rowH * 0.64))\" fill=\"\(colour)\"/>\n"
            var end = x1
            if let l = b.low, let h = b.high, l.isFinite, h.isFinite {
                let a = px(l), c = px(h)
                s += "<g class=\"errorbar\" stroke=\"#222222\" stroke-width=\"1.5\">"
                s += "<line x1=\"\(n(a))\" y1=\"\(n(cy))\" x2=\"\(n(c))\" y2=\"\(n(cy))\"/>"
                s += "<line x1=\"\(n(a))\" y1=\"\(n(cy - 6))\" x2=\"\(n(a))\" y2=\"\(n(cy + 6))\"/>"
                s += "<line x1=\"\(n(c))\" y1=\"\(n(cy - 6))\" x2=\"\(n(c))\" y2=\"\(n(cy + 6))\"/></g>\n"
                end = max(end, c)
            }
            s += "<text x=\"\(n(end + 6))\" y=\"\(n(cy + 4))\" fill=\"#222222\">\(format(b.value, decimals: decimals))</text>\n"
        }
        // The origin line, so bars below 0 (negative deltas) read as such.
        s += "<line x1=\"\(n(px(origin)))\" y1=\"\(n(top))\" x2=\"\(n(px(origin)))\" y2=\"\(n(plotBottom))\" stroke=\"#444444\" stroke-width=\"1\"/>\n"
        return s + "</svg>"
    }
}
