import Foundation
import YDNN

/// Progress of long work: a redrawn bar on a terminal, nothing in between
/// otherwise (the caller prints its own plain lines). `set progress=on|off|auto`.
struct ProgressBar {
    let console: Console
    let enabled: Bool
    private var lastDraw = 0.0
    private var drawn = false

    init(_ interpreter: Interpreter) {
        console = interpreter.console
        switch interpreter.session.settings.progress {
        case .on: enabled = true
        case .off: enabled = false
        case .auto: enabled = interpreter.console.isTerminal || interpreter.console.progressSink != nil
        }
    }

    /// Redraws at most ten times a second.
    mutating func update(fraction: Double, _ text: String) {
        guard enabled else { return }
        let now = Date().timeIntervalSinceReferenceDate
        if now - lastDraw < 0.1 && fraction < 1 { return }
        lastDraw = now
        if let sink = console.progressSink {
            sink(.update(fraction: fraction, text: text))
            drawn = true
            return
        }
        let width = 24
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: min(filled, width)) + String(repeating: "░", count: max(0, width - filled))
        console.write("\r\u{1B}[2K\(bar) \(String(format: "%3d", Int(fraction * 100)))% \(text)")
        drawn = true
    }

    /// Erases the bar so the next line prints cleanly.
    mutating func clear() {
        guard drawn else { return }
        if let sink = console.progressSink {
            sink(.end)
            drawn = false
            return
        }
        console.write("\r\u{1B}[2K")
        drawn = false
    }
}

/// Progress of one stage that can run long on a big log (generate, building the
/// samples): the bar where `ProgressBar` draws one; otherwise, once the stage has
/// run 3 s, a plain line on stderr every 10 s (stdout keeps only results, so two
/// runs of a recipe print the same stdout however fast the machine is).
struct StageProgress {
    private var bar: ProgressBar
    private let console: Console
    private let label: String
    private let start = Date().timeIntervalSinceReferenceDate
    private var lastLine = -10.0

    init(_ interpreter: Interpreter, _ label: String) {
        bar = ProgressBar(interpreter); console = interpreter.console; self.label = label
    }

    mutating func update(_ fraction: Double, _ text: String) {
        if bar.enabled { bar.update(fraction: fraction, "\(label): \(text)"); return }
        let t = Date().timeIntervalSinceReferenceDate - start
        guard t >= 3, t - lastLine >= 10 else { return }
        lastLine = t
        console.error("\(label): \(String(format: "%3d", Int(fraction * 100)))% \(text) (\(clock(t)))")
    }

    /// Erases the bar (plain lines stay).
    mutating func finish() { bar.clear() }
}

extension CommandContext {
    /// The session's samples, showing progress while they are built (on a big log
    /// that takes a while and used to print nothing).
    func samplesShowingProgress() throws -> SampleSet {
        var stage = StageProgress(interpreter, "building samples")
        defer { stage.finish() }
        return try session.samples { fraction, what in stage.update(fraction, what) }
    }
}

/// Seconds as m:ss or h:mm:ss.
func clock(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "--:--" }
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
}
