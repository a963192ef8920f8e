#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension CancellationToken {
    /// Makes Ctrl-C (SIGINT) cancel `CancellationToken.process`. Idempotent.
    ///
    /// Installed without SA_RESTART, so a blocking read (libedit's `readline`) fails
    /// with EINTR and the REPL can tell Ctrl-C from Ctrl-D by the token's state.
    public static func installInterruptHandler() {
        // Create the token now: the handler must not run the lazy initialiser of a
        // global (that allocates), only store into an object that already exists.
        _ = process
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = { _ in CancellationToken.process.cancel() }
        #else
        action.__sigaction_u.__sa_handler = { _ in CancellationToken.process.cancel() }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }
}
