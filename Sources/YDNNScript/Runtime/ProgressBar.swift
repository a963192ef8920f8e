import Foundation

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

/// Seconds as m:ss or h:mm:ss.
func clock(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "--:--" }
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
}
