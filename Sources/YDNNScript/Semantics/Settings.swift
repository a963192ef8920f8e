import Foundation

/// Session settings (`set name=value`, `show [name]`), declared once. The `set`
/// command's options, `show`, completion and the reference are read from here.
public let sessionSettings: [Param] = [
    Param("threads", .integer(1...256), default: .integer(defaultThreads),
          "threads for training, evaluation and mining (results are reproducible for a fixed count)"),
    Param("progress", .choice(["auto", "on", "off"]), default: .symbol("auto"),
          "progress bars: auto draws them only on a terminal"),
    Param("precision", .integer(1...12), default: .integer(4), "digits after the point in metric tables"),
    Param("on_error", .choice(["fail", "skip"]), default: .symbol("fail"),
          "what loaders do with a malformed line, unless a load says otherwise"),
    Param("echo", .bool, default: .symbol("off"), "print each statement before it runs"),
]

let defaultThreads = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 256))
