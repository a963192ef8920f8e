/// Draws item ids from a fixed discrete distribution in O(1) per draw (Walker's
/// alias method). The losses use it for noise / negative items: uniform,
/// frequency^power, or damped frequency are all just different weight vectors.
public struct NegativeSampler: Sendable {
    /// Probability of each id (weights normalised to sum 1).
    public let probabilities: [Double]
    private let threshold: [Float]   // chance of keeping the bucket's own id
    private let alias: [Int32]

    public init(weights: [Double]) {
        precondition(!weights.isEmpty, "NegativeSampler needs at least one weight")
        let total = weights.reduce(0, +)
        precondition(total > 0, "NegativeSampler weights must not all be zero")
        let n = weights.count
        probabilities = weights.map { $0 / total }
        var scaled = probabilities.map { $0 * Double(n) }
        var small: [Int] = [], large: [Int] = []
        for i in 0..<n { if scaled[i] < 1 { small.append(i) } else { large.append(i) } }
        var threshold = [Float](repeating: 1, count: n)
        var alias = [Int32](repeating: 0, count: n)
        for i in 0..<n { alias[i] = Int32(i) }
        while let s = small.popLast(), let l = large.last {
            threshold[s] = Float(scaled[s])
            alias[s] = Int32(l)
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 { large.removeLast(); small.append(l) }
        }
        self.threshold = threshold
        self.alias = alias
    }

    public var count: Int { probabilities.count }

    @inlinable
    public func probability(of id: Int32) -> Double { probabilities[Int(id)] }

    public func sample(_ rng: inout RNG) -> Int32 {
        let i = rng.nextInt(below: threshold.count)
        return rng.nextFloat() < threshold[i] ? Int32(i) : alias[i]
    }
}
