import Synchronization

/// The one error a cancelled library call throws.
public struct Cancelled: Error, Equatable, Sendable, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted" }
}

/// A cancellation request shared between whoever may cancel (the SIGINT handler,
/// a test, a caller with a deadline) and long work that polls it.
///
/// The protocol, for every long library call (training, mining, index builds,
/// exact evaluation, sample building, loading and generating logs, writing big
/// files) that takes a `token`:
///
/// - Work polls the token at its natural boundaries (between chunks, batches,
///   blocks, files) with `try token.check()`, which throws `Cancelled`. Whatever
///   the call was producing is dropped: no partial result is returned and no
///   partial file is left behind (writers remove their temporary file).
/// - The one exception is the trainer: it stops after the current batch, keeps
///   the weights learnt so far and returns outcome `.interrupted` instead of
///   throwing, because what was learnt is worth keeping.
/// - Work never resets a token. Only its owner does (the REPL before reading the
///   next line, a test that cancelled it on purpose), so a cancellation seen by
///   one call also stops the calls that come after it in the same command.
///
/// `cancel()` is async-signal-safe (one atomic store into an object that exists
/// already), so a signal handler may call it.
public final class CancellationToken: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// The process-wide current token: the SIGINT handler (`installInterruptHandler`)
    /// cancels it, and library calls use it when the caller passes no token of its own.
    public static let process = CancellationToken()

    /// Requests cancellation. Idempotent.
    public func cancel() { flag.store(true, ordering: .relaxed) }

    public var isCancelled: Bool { flag.load(ordering: .relaxed) }

    /// Throws `Cancelled` when cancellation was requested: the one way work checks.
    @inline(__always)
    public func check() throws(Cancelled) {
        if flag.load(ordering: .relaxed) { throw Cancelled() }
    }

    /// Clears the request; returns whether one was pending. For the token's owner only.
    @discardableResult
    public func reset() -> Bool { flag.exchange(false, ordering: .relaxed) }
}
