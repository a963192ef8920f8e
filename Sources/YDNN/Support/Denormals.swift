import Foundation

/// Flush-to-zero for training threads: results below the smallest normal float
/// (1.2e-38) become 0, and such inputs count as 0 (the SSE control bits FTZ and DAZ).
///
/// Why: arithmetic on subnormal floats takes a microcode assist of ~100+ cycles per
/// instruction on x86. Adam's first moment decays by beta1 = 0.9 on every step a
/// row is touched; where a gradient column is exactly 0 (a ReLU unit that never
/// fires feeds a column of the output table), m drifts through the subnormal range
/// for hundreds of steps. On the Paddle recipe 15% of the output table's moments
/// were subnormal by epoch 3, and updating that 924x31 table cost 8 ns an element
/// against 1.4 ns for the item table. TensorFlow flushes the same way in its op
/// threads. The weights a recipe trains come out the same here: a subnormal moment
/// moves no weight (w - lr·m/(√v+ε) rounds back to w for any |w| above 1e-30).
enum Denormals {
    /// The control state of the calling thread, to hand back to `restore`.
    struct State { fileprivate var env = fenv_t() }

    /// Turns flush-to-zero on for the calling thread; returns the state before.
    static func flushToZero() -> State {
        var saved = State()
        fegetenv(&saved.env)
        #if arch(x86_64)
        var env = saved.env
        env.__mxcsr |= 0x8040   // FTZ (bit 15) and DAZ (bit 6)
        fesetenv(&env)
        #endif
        return saved
    }

    static func restore(_ state: State) {
        var env = state.env
        fesetenv(&env)
    }
}
