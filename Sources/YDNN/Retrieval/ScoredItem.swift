import Foundation
import YDNNKernels

/// One search hit. Everywhere in retrieval, "better" means higher score, and equal
/// scores are ordered by lower item index, so every ranking is deterministic.
public struct ScoredItem: Equatable, Sendable, CustomStringConvertible {
    public var item: Int
    public var score: Float
    public init(item: Int, score: Float) { self.item = item; self.score = score }
    public var description: String { "\(item):\(score)" }

    @inline(__always)
    public static func ranksBefore(_ a: ScoredItem, _ b: ScoredItem) -> Bool {
        a.score > b.score || (a.score == b.score && a.item < b.item)
    }
}

extension TopKHeap {
    /// The kept pairs, best first.
    func sorted() -> [ScoredItem] {
        var out = (0..<scores.count).map { ScoredItem(item: Int(items[$0]), score: scores[$0]) }
        out.sort(by: ScoredItem.ranksBefore)
        return out
    }
}

/// Default number of workers for parallel phases: the machine's cores.
public var retrievalDefaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
