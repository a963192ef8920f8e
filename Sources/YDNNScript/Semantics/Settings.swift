import Foundation

/// Session settings (`set name=value`, `show [name]`), declared once. The `set`
/// command's options, `show`, completion and the reference are read from here.
public let sessionSettings: [Param] = [
    Param("threads", .integer(1...256), default: .integer(defaultThreads),
          "threads for training, evaluation and mining (fixed, not the core count: results depend on it)"),
    Param("progress", .choice(["auto", "on", "off"]), default: .symbol("auto"),
          "progress bars: auto draws them only on a terminal"),
    Param("precision", .integer(1...12), default: .integer(4), "digits after the point in metric tables"),
    Param("on_error", .choice(["fail", "skip"]), default: .symbol("fail"),
          "what loaders do with a malformed line, unless a load says otherwise"),
    Param("echo", .bool, default: .symbol("off"), "print each statement before it runs"),
]

/// A fixed number rather than the core count, so a recipe prints the same numbers on
/// any machine (training results depend on the thread count).
let defaultThreads = 2
