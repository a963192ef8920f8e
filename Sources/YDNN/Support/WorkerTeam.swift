import Foundation
import Synchronization

/// A fixed team of threads for many short parallel regions in a row: a training
/// step runs two or more (the shards' forward and backward, one more per batch-norm
/// barrier, and the optimizer's summed update), about 2 ms apart on the Paddle recipe.
///
/// Why not `DispatchQueue.concurrentPerform` (`runWorkers`): every region woke a
/// Dispatch worker through the kernel and waited for the last one to finish. On 2
/// cores two training workers ran at 1.25x one worker, with 5% of all samples in
/// the scheduler (`_raw_spin_unlock_irqrestore`, `finish_task_switch`) and ~15% of
/// the cores idle. A team member instead spins on a generation counter between
/// regions, so a region starts within a cache-line transfer; after `spinLimit`
/// idle checks (about a millisecond) it sleeps on a condition, so a team that is
/// not used costs nothing. The caller is member 0 and works too.
///
/// One team per training run (`Trainer.train` makes it and shuts it down); `run`
/// is called from one thread at a time (the one that made the team).
final class WorkerTeam: @unchecked Sendable {
    /// Members, the calling thread included.
    let size: Int
    /// Idle checks before a member sleeps (each an atomic load, ~ns): about a
    /// millisecond. None when the team has more members than the machine has cores:
    /// a spinning member would then hold the core the working one waits for (a team
    /// of 3 on 2 cores ran 20,000 tiny regions in 19 s spinning, in 0.4 s without).
    let spinLimit: Int
    /// More members than cores: the caller yields its core while it waits, too.
    private let oversubscribed: Bool

    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let condition = NSCondition()
    private let finished = DispatchSemaphore(value: 0)
    /// The region's body and width; written by `run` before the generation moves,
    /// read by the members after they see it move (release/acquire on `generation`).
    private var body: ((Int) -> Void)?
    private var width = 0

    /// The team of one: `run` calls its body inline; there are no threads to stop.
    static let alone = WorkerTeam(size: 1)

    /// `flushDenormals`: the members run with flush-to-zero (`Denormals`), as the
    /// trainer's own thread does while it trains.
    init(size: Int, flushDenormals: Bool = false) {
        self.size = max(1, size)
        oversubscribed = self.size > ProcessInfo.processInfo.activeProcessorCount
        spinLimit = oversubscribed ? 0 : 1 << 20
        for member in 1..<self.size {
            let thread = Thread { [unowned self] in
                if flushDenormals { _ = Denormals.flushToZero() }
                self.serve(member)
            }
            thread.stackSize = 8 << 20
            thread.name = "ydnn-team-\(member)"
            thread.start()
        }
    }

    deinit { precondition(stopping.load(ordering: .relaxed) || size == 1, "WorkerTeam: call shutdown() before releasing it") }

    /// Runs `body(i)` for i in 0..<n (n ≤ size), `body(0)` on the calling thread,
    /// and returns when every call has returned. The same contract as `runWorkers`:
    /// the calls write disjoint data.
    func run(_ n: Int, _ body: (Int) -> Void) {
        precondition(n <= size, "WorkerTeam: \(n) workers asked of a team of \(size)")
        if n <= 0 { return }
        if n == 1 { body(0); return }
        withoutActuallyEscaping(body) { body in
            self.body = body
            width = n
            remaining.store(size - 1, ordering: .relaxed)
            generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock(); condition.broadcast(); condition.unlock()
            }
            body(0)
            while remaining.load(ordering: .acquiring) > 0 { if oversubscribed { sched_yield() } }
            self.body = nil
        }
    }

    /// Stops the members and waits for them to exit. The team cannot run afterwards.
    func shutdown() {
        guard size > 1, !stopping.load(ordering: .relaxed) else { return }
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
        condition.lock(); condition.broadcast(); condition.unlock()
        for _ in 1..<size { finished.wait() }
    }

    private func serve(_ member: Int) {
        // The generation the team was made with, not the current one: a member that
        // starts late must still take the regions run before it looked.
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < spinLimit { continue }
                // Sleep until the generation moves. Dekker-style: the member raises
                // `sleepers` before it looks at `generation` again, `run` moves
                // `generation` before it looks at `sleepers`; both sequentially
                // consistent, so at least one of them sees the other.
                condition.lock()
                sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen { condition.wait() }
                sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                condition.unlock()
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { finished.signal(); return }
            if member < width { body!(member) }
            remaining.wrappingSubtract(1, ordering: .releasing)
        }
    }
}
