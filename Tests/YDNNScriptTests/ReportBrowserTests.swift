import XCTest
@testable import YDNNScript
import YDNN

/// Opens a notebook report in a real headless browser (Debian's `chromium`,
/// installed by scripts/setup.sh) and checks from the screenshot's pixels that the
/// charts rendered: each chart draws in a colour nothing else on the page uses
/// (a line series in orange, bars in blue and in baseline grey), so counting those
/// colours in the PNG says whether the SVG was drawn, and where. A control page,
/// the same report without its charts, must show (almost) none of them, so the
/// test fails if the SVG is dropped, escaped into text or not rendered.
///
/// The PNG is decoded in-process (ReportPNG.swift: zlib via dlopen), so the test
/// needs nothing beyond chromium. Skipped only when no chromium binary is found.
/// Set YDNN_KEEP_SCREENSHOTS=DIR to keep the PNGs for a human to look at.
final class ReportBrowserTests: XCTestCase {
    static let orange = Charts.palette[1], blue = Charts.palette[0], grey = "#9e9e9e"

    func chromium() -> String? {
        if let explicit = ProcessInfo.processInfo.environment["YDNN_CHROMIUM"], FileManager.default.isExecutableFile(atPath: explicit) {
            return explicit
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            for dir in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin", "/snap/bin"] {
                let candidate = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    func report(withCharts: Bool) -> Notebook {
        var nb = Notebook(title: "browser check", manifest: RunManifest(version: "test", recipePath: "check.ydnn",
                                                                        recipeSHA256: SHA256.hex(of: "check"), seed: 1, threads: 2))
        nb.beginStatement("train epochs=3", line: 1)
        nb.appendOutput("epoch  loss\n    1  2.61\n")
        // Two series: the first (blue) draws under the second (orange), so orange is only the line chart.
        let raw: [Double] = (0..<300).map { (i: Int) -> Double in
            let t = Double(i)
            let decay: Double = 2.5 * exp(-t / 80)
            return decay + 0.3 + 0.1 * sin(t / 3)
        }
        if withCharts {
            nb.appendChart(Charts.svgLineChart([ChartSeries(name: "raw", values: raw),
                                                ChartSeries(name: "smoothed", values: Charts.movingAverage(raw, window: 20))],
                                               title: "Training loss", xLabel: "batch", yLabel: "loss"), title: "loss")
        }
        nb.beginStatement("compare", line: 2)
        var t = TextTable(["experiment", "hr@50"]); t.add(["base", "0.5343"]); t.add(["age=on", "0.5501"])
        nb.appendTable(t)
        if withCharts {
            nb.appendChart(Charts.svgBarChart([BarDatum(label: "base", value: 0.5343, low: 0.5303, high: 0.5383),
                                               BarDatum(label: "age=on", value: 0.5501, low: 0.545, high: 0.5552)],
                                              title: "hr@50", highlight: "base"), title: "compare")
        }
        return nb
    }

    /// Runs chromium headless on a file and returns the decoded screenshot.
    func screenshot(_ browser: String, html: String, dir: URL, name: String, height: Int = 1600) throws -> DecodedPNG {
        let page = dir.appendingPathComponent("\(name).html"), png = dir.appendingPathComponent("\(name).png")
        try AtomicFileWriter.write(html, to: page.path)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: browser)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                       "--force-device-scale-factor=1", "--user-data-dir=\(dir.appendingPathComponent("profile-\(name)").path)",
                       "--screenshot=\(png.path)", "--window-size=1200,\(height)", page.absoluteString]
        let log = dir.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        p.standardOutput = handle; p.standardError = handle
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning { p.terminate(); p.waitUntilExit(); XCTFail("chromium did not finish in 120 s") }
        try handle.close()
        guard let data = FileManager.default.contents(atPath: png.path) else {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw NSError(domain: "chromium", code: Int(p.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "no screenshot; chromium exited \(p.terminationStatus): \(text.suffix(800))"])
        }
        if let keep = ProcessInfo.processInfo.environment["YDNN_KEEP_SCREENSHOTS"] {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try? data.write(to: URL(fileURLWithPath: keep).appendingPathComponent("\(name).png"))
        }
        return try DecodedPNG(data: data)
    }

    func testChartsRenderInChromium() throws {
        guard let browser = chromium() else { throw XCTSkip("no chromium binary (apt-get install chromium)") }
        let dir = try ReportSupport.tempDir(self)
        let shot = try screenshot(browser, html: report(withCharts: true).renderHTML(), dir: dir, name: "report")
        let control = try screenshot(browser, html: report(withCharts: false).renderHTML(), dir: dir, name: "control")
        XCTAssertEqual(shot.width, 1200); XCTAssertEqual(shot.height, 1600)

        // The line chart: the smoothed series is the only orange on the page (~550 px long, 2 px wide).
        let orange = (shot.count(Self.orange), control.count(Self.orange))
        XCTAssertGreaterThan(orange.0, 600, "orange pixels \(orange)")
        XCTAssertLessThan(orange.1, 20, "the page without charts has no orange: \(orange)")
        // The bar chart: filled bars are long runs of one colour in ~19 consecutive
        // rows. Counting runs, not pixels, because antialiased text is full of greys.
        let grey = (shot.rowsWithRun(Self.grey, minLength: 150), control.rowsWithRun(Self.grey, minLength: 150))
        let blue = (shot.rowsWithRun(Self.blue, minLength: 150), control.rowsWithRun(Self.blue, minLength: 150))
        XCTAssert((15...25).contains(grey.0.count), "grey bar rows \(grey.0)")
        XCTAssert((15...25).contains(blue.0.count), "blue bar rows \(blue.0)")
        XCTAssertEqual(grey.1.count + blue.1.count, 0, "no bars without charts")

        // Layout: the loss chart is above the compare chart, the baseline bar above
        // the other one, and the loss line spans the plot's width.
        let line = try XCTUnwrap(shot.boundingBox(Self.orange))
        XCTAssertLessThan(line.3, grey.0.first ?? 0, "loss chart above the bars: line \(line), bars from row \(grey.0.first ?? -1)")
        XCTAssertLessThan(grey.0.last ?? .max, blue.0.first ?? 0, "baseline bar first")
        XCTAssertGreaterThan(line.2 - line.0, 500, "the loss line spans the plot: \(line)")
    }

    func testPNGDecoderRejectsGarbage() {
        XCTAssertThrowsError(try DecodedPNG(data: Data("not a png".utf8)))
    }
}

/// The report of a real `ydnn run --report`, opened in chromium: the loss curve
/// and the compare chart must show as pixels, not only exist as markup.
extension ReportBrowserTests {
    func testRunReportRendersItsCharts() throws {
        guard let bin = ProcessInfo.processInfo.environment["YDNN_BIN"], !bin.isEmpty else {
            throw XCTSkip("YDNN_BIN is not set (the CI sets it to the release ydnn)")
        }
        guard let browser = chromium() else { throw XCTSkip("no chromium binary (apt-get install chromium)") }
        let dir = try ReportSupport.tempDir(self)
        let recipe = dir.appendingPathComponent("exp.ydnn")
        try """
        seed 5
        generate users=300 items=200 categories=5
        vocab min_count=2
        window 5
        embed user_id 8
        lstm items 16
        dense 16 relu
        nce
        experiment "base" repeat=2 { train epochs=2; evaluate hr@50 }
        experiment "wide" repeat=2 { dense 32 relu; train epochs=2; evaluate hr@50 }
        compare
        """.write(to: recipe, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["run", recipe.path, "--no-log", "--report", dir.appendingPathComponent("out.html").path]
        p.standardOutput = FileHandle.nullDevice
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let html = try String(contentsOf: dir.appendingPathComponent("out.html"), encoding: .utf8)
        // Tall enough for the whole page: four loss charts come before the compare chart.
        let shot = try screenshot(browser, html: html, dir: dir, name: "binary-report", height: 9000)
        // Loss curves and the experiments' bars are drawn in the palette's first colour,
        // the baseline's bar in grey: both must be on screen.
        XCTAssertGreaterThan(shot.count(ReportBrowserTests.blue), 1500, "too few chart pixels")
        XCTAssertGreaterThanOrEqual(shot.rowsWithRun(ReportBrowserTests.grey, minLength: 100).count, 10, "no baseline bar")
    }
}
