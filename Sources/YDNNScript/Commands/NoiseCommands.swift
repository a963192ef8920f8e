import YDNN

/// Where negatives come from, and the output layers that draw them. The data
/// pipeline's `negatives` is the one place the distribution is held; `noise=` on
/// `nce` and `softmax` is a shorthand that writes it.
///
/// One name per concept: `frequency` is clicks^power, `smoothed` is clicks^0.75
/// (word2vec), `damped` is threshold damping (as `damping` does to positives).
/// Before this was settled, `noise=damped` on `nce`/`softmax` meant clicks^0.75;
/// that spelling still means it there, with a note, so old recipes keep their numbers.

/// `negatives DISTRIBUTION`.
enum NegativeKind: String, ChoiceArgument { case uniform, frequency, smoothed, damped }

/// `nce noise=` / `softmax noise=`: the same words, plus the old spelling.
enum NoiseShorthand: String, ChoiceArgument {
    case uniform, frequency, smoothed
    /// The old spelling of `smoothed` on output layers (documented alias).
    case damped

    var distribution: NegativeDistribution {
        switch self {
        case .uniform: return .uniform
        case .frequency: return .frequency(power: 1)
        case .smoothed, .damped: return .frequency(power: 0.75)
        }
    }
}

private let noiseDoc = "where negatives come from: uniform, frequency (Paddle), smoothed (frequency^0.75); same as the negatives command"

extension CommandContext {
    /// `noise=` on an output command sets the data pipeline's negatives: one place holds it.
    func applyNoise(_ noise: NoiseShorthand?) {
        guard let noise else { return }
        if noise == .damped {
            console.print("note: noise=damped on an output layer is the old spelling of noise=smoothed (frequency^0.75); threshold damping is 'negatives damped'")
        }
        session.data.negatives = noise.distribution
    }
}

struct NegativesCommand: ScriptCommand {
    static let name = "negatives"
    static let topic = Topic.data
    static let summary = "The distribution negatives are drawn from: uniform, frequency^power, smoothed (^0.75) or damped"
    static let examples = ["negatives frequency power=0.75", "negatives uniform", "negatives damped threshold=1e-3"]
    @Argument("the distribution") var distribution: NegativeKind
    @Option("exponent of the frequency (0.75 as in word2vec)", .number(0...2)) var power = 1.0
    @Option("damping threshold, for damped", .number(1e-12...1)) var threshold = 1e-3

    func validate() throws {
        if $power.isGiven, distribution != .frequency {
            throw $power.failure("power goes with frequency", help: "negatives frequency power=\(Value.format(power))")
        }
        if $threshold.isGiven, distribution != .damped {
            throw $threshold.failure("threshold goes with damped", help: "negatives damped threshold=\(Value.format(threshold))")
        }
    }

    func run(_ context: CommandContext) throws -> Value {
        switch distribution {
        case .uniform: context.session.data.negatives = .uniform
        case .frequency: context.session.data.negatives = .frequency(power: power)
        case .smoothed: context.session.data.negatives = .frequency(power: 0.75)
        case .damped: context.session.data.negatives = .damped(threshold: threshold)
        }
        return .none
    }
}

struct NCECommand: ScriptCommand {
    static let name = "nce"
    static let topic = Topic.model
    static let summary = "Output layer and loss: Paddle's NCE against noise items"
    static let examples = ["nce negatives=5 noise=frequency"]
    @Option("noise items per sample", .integer(1...100_000)) var negatives = 5
    @Option(noiseDoc) var noise: NoiseShorthand?

    func run(_ context: CommandContext) throws -> Value {
        context.applyNoise(noise)
        context.session.spec.output = .nce(negatives: negatives)
        return .none
    }
}

/// `softmax MODE`.
enum SoftmaxMode: String, ChoiceArgument { case sampled, full, inbatch }

/// `softmax sampled=K per=batch|sample`: who shares a draw of negatives.
enum NegativeScope: String, ChoiceArgument { case batch, sample }

struct SoftmaxCommand: ScriptCommand {
    static let name = "softmax"
    static let topic = Topic.model
    static let summary = "Output layer and loss: sampled softmax (log-Q corrected), full softmax, or in-batch negatives"
    static let examples = ["softmax sampled=100 logq=on", "softmax sampled=100 per=sample", "softmax full"]
    @Argument("which softmax") var mode = SoftmaxMode.sampled
    @Option("negatives per batch, or per sample with per=sample (mode sampled)", .integer(1...1_000_000)) var sampled = 100
    @Option("batch: the batch shares one draw; sample: every sample draws its own (mode sampled)") var per = NegativeScope.batch
    @Option("subtract log Q(item) from sampled logits") var logq = true
    @Option("a per-item bias (item vector [b_i, w_i])") var bias = false
    @Option(noiseDoc) var noise: NoiseShorthand?

    func validate() throws {
        if $sampled.isGiven, mode != .sampled { throw $sampled.failure("sampled= goes with mode sampled", help: "softmax sampled=\(sampled)") }
        if $per.isGiven, mode != .sampled { throw $per.failure("per= goes with mode sampled", help: "softmax sampled=\(sampled) per=\(per.rawValue)") }
        if $bias.isGiven, mode == .inbatch { throw $bias.failure("bias= goes with mode sampled or full") }
        if $logq.isGiven, mode == .full { throw $logq.failure("logq= goes with mode sampled or inbatch (full softmax samples nothing)") }
    }

    func run(_ context: CommandContext) throws -> Value {
        context.applyNoise(noise)
        switch mode {
        case .full: context.session.spec.output = .fullSoftmax(bias: bias)
        case .inbatch: context.session.spec.output = .inBatch(logQ: logq)
        case .sampled:
            context.session.spec.output = .sampledSoftmax(negatives: sampled, logQ: logq, bias: bias, perSample: per == .sample)
        }
        return .none
    }
}
