import XCTest
@testable import YDNNScript

final class ReportChartsTests: XCTestCase {
    let loss = ChartSeries(name: "loss", values: (0..<200).map { 2.6 * exp(-Double($0) / 60) + 0.4 + 0.05 * sin(Double($0)) })

    // MARK: terminal

    func testTerminalChartShape() {
        let chart = Charts.terminalLineChart([loss], width: 50, height: 10, title: "loss per batch")
        let lines = chart.split(separator: "\n", omittingEmptySubsequences: false)
        // title + 10 rows + axis + x labels + legend
        XCTAssertEqual(lines.count, 14, chart)
        XCTAssertEqual(lines[0], "loss per batch")
        XCTAssert(chart.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }, "braille dots drawn")
        XCTAssert(lines[11].contains("└"))
        XCTAssert(lines[12].hasSuffix("200"), "x range labelled: \(lines[12])")
        XCTAssert(lines[13].contains("loss"))
        // The curve falls: its first column is drawn in a higher row than its last.
        let rows = Array(lines[1...10])
        func rowOfColumn(_ c: Int) -> Int? {
            rows.firstIndex { row in
                guard let bar = row.firstIndex(where: { $0 == "┤" || $0 == "│" }) else { return false }
                let cells = Array(row[row.index(after: bar)...])
                return c < cells.count && cells[c] != " "
            }
        }
        XCTAssertLessThan(rowOfColumn(0)!, rowOfColumn(49)!)
        // No row is wider than gutter + width.
        for row in rows { XCTAssertLessThanOrEqual(row.count, 50 + 8) }
        // Y labels carry the range: the top label is at least the largest value.
        let top = Double(rows[0].split(separator: " ").first!.trimmingCharacters(in: .whitespaces))!
        XCTAssertGreaterThanOrEqual(top, loss.y.max()!)
    }

    func testTerminalChartSeveralSeriesUseMarkers() {
        let a = ChartSeries(name: "lstm", values: [3, 2.5, 2.2, 2.0])
        let b = ChartSeries(name: "mean", values: [3, 2.8, 2.7, 2.65])
        let chart = Charts.terminalLineChart([a, b], width: 30, height: 8)
        XCTAssert(chart.contains("●") && chart.contains("×"), chart)
        XCTAssert(chart.contains("● lstm") && chart.contains("× mean"), chart)
        let coloured = Charts.terminalLineChart([a, b], width: 30, height: 8, color: true)
        XCTAssert(coloured.contains("\u{1B}[34m") && coloured.contains("\u{1B}[33m"), "ANSI colours per series")
        XCTAssertEqual(Notebook.cleanTerminalText(coloured).contains("\u{1B}"), false)
    }

    func testTerminalChartEdgeCases() {
        XCTAssertEqual(Charts.terminalLineChart([]), "(no data to plot)")
        XCTAssertEqual(Charts.terminalLineChart([ChartSeries(name: "x", values: [.nan, .infinity])], title: "t"),
                       "t\n(no data to plot)")
        // One point, a constant series, gaps: drawn without crashing.
        XCTAssert(Charts.terminalLineChart([ChartSeries(name: "one", values: [0.5])]).contains("0.5"))
        XCTAssert(Charts.terminalLineChart([ChartSeries(name: "flat", values: [1, 1, 1])]).contains("⠉")
                  || Charts.terminalLineChart([ChartSeries(name: "flat", values: [1, 1, 1])]).contains("⣀")
                  || Charts.terminalLineChart([ChartSeries(name: "flat", values: [1, 1, 1])]).contains("⠤"))
        let gap = Charts.terminalLineChart([ChartSeries(name: "gap", values: [1, 2, .nan, 3, 4])], width: 20, height: 5)
        XCTAssert(gap.contains("4"))
    }

    func testMovingAverage() {
        XCTAssertEqual(Charts.movingAverage([1, 2, 3, 4], window: 2), [1, 1.5, 2.5, 3.5])
        XCTAssertEqual(Charts.movingAverage([1, 2, 3], window: 1), [1, 2, 3])
        XCTAssertEqual(Charts.movingAverage([2, .nan, 4], window: 3), [2, 2, 3])
    }

    func testNiceAxis() {
        let a = Charts.niceAxis(0.37, 2.93, ticks: 5)
        XCTAssertEqual(a.step, 0.5); XCTAssertEqual(a.lo, 0); XCTAssertEqual(a.hi, 3)
        XCTAssertEqual(a.ticks.map(a.label), ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0"])
        let b = Charts.niceAxis(0.1912, 0.2034, ticks: 4)
        XCTAssert(b.lo <= 0.1912 && b.hi >= 0.2034 && b.step == 0.005, "\(b)")
        XCTAssertEqual(b.decimals, 3)
        let flat = Charts.niceAxis(5, 5, ticks: 4)
        XCTAssert(flat.lo < 5 && flat.hi > 5)
    }

    // MARK: SVG

    func testSVGLineChartIsValidAndComplete() throws {
        let valid = ChartSeries(name: "valid <loss>", x: [1, 2, 3], y: [2.9, 2.5, 2.4])
        let svg = Charts.svgLineChart([loss, valid], title: "Loss & friends", xLabel: "batch", yLabel: "loss")
        XCTAssertEqual(ReportSupport.xmlRoot(svg), "svg")
        XCTAssert(svg.contains("version=\"1.1\"") && svg.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        let paths = try ReportSupport.elements(svg, "//*[local-name()='path'][@class='series']")
        XCTAssertEqual(paths.count, 2)
        XCTAssert(svg.contains("Loss &amp; friends") && svg.contains("valid &lt;loss&gt;"), "text escaped")
        XCTAssert(svg.contains(">batch<") && svg.contains(">loss<"))
        for c in ReportSupport.coordinates(svg) {
            XCTAssertFalse(c.lowercased().contains("nan") || c.lowercased().contains("inf"), c)
        }
        // The three-point series gets a marker per point; the 200-point one does not.
        XCTAssertEqual(try ReportSupport.elements(svg, "//*[local-name()='circle']").count, 3)
        XCTAssertFalse(svg.contains("href"), "no external resources")
    }

    func testSVGLineChartThinsLongSeriesAndBreaksAtGaps() throws {
        var ys = (0..<100_000).map { Double($0 % 97) }
        ys[500] = .nan
        let svg = Charts.svgLineChart([ChartSeries(name: "long", values: ys)], title: "long", width: 600, height: 300)
        XCTAssertLessThan(svg.utf8.count, 60_000, "thinned to the pixel columns")
        XCTAssertEqual(ReportSupport.xmlRoot(svg), "svg")
        let d = try ReportSupport.elements(svg, "//*[local-name()='path'][@class='series']/@d").first!.stringValue!
        XCTAssertEqual(d.filter { $0 == "M" }.count, 2, "the NaN breaks the line into two pieces")
        // The envelope survives thinning: both 0 and 96 are reached.
        let thinned = Charts.thin(ChartSeries(name: "", values: ys), columns: 100)
        XCTAssert(thinned.contains { $0.1 == 96 } && thinned.contains { $0.1 == 0 })
    }

    func testSVGEmptyInputs() throws {
        for svg in [Charts.svgLineChart([], title: "nothing"),
                    Charts.svgLineChart([ChartSeries(name: "nan", values: [.nan])], title: "nothing"),
                    Charts.svgBarChart([], title: "nothing")] {
            XCTAssertEqual(ReportSupport.xmlRoot(svg), "svg")
            XCTAssert(svg.contains("no data"))
        }
    }

    func testSVGBarChartWithIntervals() throws {
        let bars = [BarDatum(label: "baseline", value: 0.2134, low: 0.2101, high: 0.2167),
                    BarDatum(label: "example_age=on", value: 0.2301, low: 0.2250, high: 0.2352),
                    BarDatum(label: "no-ci", value: 0.19)]
        let svg = Charts.svgBarChart(bars, title: "hr@50", xLabel: "hr@50 (mean, 95% CI)", highlight: "baseline")
        XCTAssertEqual(ReportSupport.xmlRoot(svg), "svg")
        let rects = try ReportSupport.elements(svg, "//*[local-name()='rect'][@class='bar']")
        XCTAssertEqual(rects.count, 3)
        XCTAssertEqual(try ReportSupport.elements(svg, "//*[local-name()='g'][@class='errorbar']").count, 2)
        XCTAssert(svg.contains("fill=\"#9e9e9e\""), "the baseline is grey")
        // Longer bars for larger means.
        let widths = try ReportSupport.elements(svg, "//*[local-name()='rect'][@class='bar']/@width").map { Double($0.stringValue!)! }
        XCTAssertGreaterThan(widths[1], widths[0]); XCTAssertGreaterThan(widths[0], widths[2])
        for c in ReportSupport.coordinates(svg) { XCTAssertFalse(c.lowercased().contains("nan"), c) }
        // Zoomed to the data: the same means, now visibly different lengths.
        let zoomed = Charts.svgBarChart(Array(bars.prefix(2)), title: "hr@50", startAtZero: false)
        let zw = try ReportSupport.elements(zoomed, "//*[local-name()='rect'][@class='bar']/@width").map { Double($0.stringValue!)! }
        XCTAssertGreaterThan(zw[1] / zw[0], 1.5 * widths[1] / widths[0])
        // Negative deltas draw to the left of zero without breaking the scale.
        let deltas = Charts.svgBarChart([BarDatum(label: "a", value: -0.01, low: -0.02, high: 0.0),
                                         BarDatum(label: "b", value: 0.02, low: 0.01, high: 0.03)], title: "Δ")
        XCTAssertEqual(ReportSupport.xmlRoot(deltas), "svg")
    }

    func testStandaloneDocument() {
        let doc = Charts.svgDocument(Charts.svgLineChart([loss], title: "x"))
        XCTAssert(doc.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg"))
        XCTAssertEqual(ReportSupport.xmlRoot(doc), "svg")
    }
}
