/// The ranking order of model scores when some are not finite (a diverged model,
/// a NaN user vector): a NaN or infinite score is never a hit. It ranks after
/// every finite score, and a target whose own score is not finite ranks behind
/// every candidate. Without this, `s > NaN` and `s == NaN` are both false, so a
/// NaN target counted no item ahead of it and ranked first: a hit for every user.
///
/// It lives with the model because NaN scores come from the model's vectors;
/// `TargetRanking.rank(of:scores:seen:)` should call `ScoreOrder.rank`.
public enum ScoreOrder {
    /// Whether item `i` with score `s` ranks before item `j` with score `t`: higher
    /// finite score first, ties by lower index; non-finite scores after all finite
    /// ones, among themselves by index.
    @inline(__always)
    public static func ranksBefore(_ s: Float, _ i: Int, _ t: Float, _ j: Int) -> Bool {
        switch (s.isFinite, t.isFinite) {
        case (true, true): return s > t || (s == t && i < j)
        case (true, false): return true
        case (false, true): return false
        case (false, false): return i < j
        }
    }

    /// 0-based rank of `target` among the items of `scores` that are not in `seen`
    /// (the target itself always counts as a candidate). A non-finite target score
    /// gives `scores.count`: behind every candidate, a miss at every cutoff up to
    /// the catalogue size.
    public static func rank(of target: Int, scores: [Float], seen: [Int]) -> Int {
        let st = scores[target]
        guard st.isFinite else { return scores.count }
        var r = 0
        // A finite target: only finite, higher-ranked scores count ahead of it.
        for (i, s) in scores.enumerated() where s.isFinite && (s > st || (s == st && i < target)) { r += 1 }
        for i in Set(seen) where i != target {
            let s = scores[i]
            if s.isFinite && (s > st || (s == st && i < target)) { r -= 1 }
        }
        return r
    }
}
