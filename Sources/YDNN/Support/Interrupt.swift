import Foundation
import Synchronization

/// Ctrl-C, shared by the REPL (clear the line) and long work (training, mining:
/// stop after the current batch and keep what was done). The SIGINT handler only
/// sets an atomic flag, which is async-signal-safe; work polls `isRequested`.
public enum Interrupt {
    private static let flag = Atomic<Bool>(false)

    public static func request() { flag.store(true, ordering: .relaxed) }
    public static var isRequested: Bool { flag.load(ordering: .relaxed) }
    /// Returns whether an interrupt was pending, and clears it.
    @discardableResult
    public static func clear() -> Bool { flag.exchange(false, ordering: .relaxed) }

    /// Installs the SIGINT handler. Without SA_RESTART, so a blocking read (libedit's
    /// `readline`) returns with EINTR and the REPL can tell Ctrl-C from Ctrl-D.
    public static func installHandler() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in Interrupt.request() }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }
}
