import Foundation

/// SIMPLE-LSH (Neyshabur & Srebro 2015): turns maximum-inner-product search into
/// cosine search. Items get one extra coordinate that brings every item to the same
/// norm; queries are normalised and get a 0. Then for a query u and item v,
/// `T(u) . T(v) = (u . v) / (|u| * c)` with one constant c for all items, so the
/// inner-product ranking of the original vectors equals the cosine ranking of the
/// transformed ones, and cosine tools (random hyperplanes, Faiss on normalised
/// vectors, HNSW with cosine) answer inner-product questions.
public enum SimpleLSH {
    public enum ItemForm: String, Sendable, CaseIterable {
        /// Divide by the largest item norm m, append `sqrt(1 - |v/m|^2)`: unit items.
        case scaled
        /// Keep the scale, append `sqrt(m^2 - |v|^2)`: every item has norm m.
        case appended
    }

    /// The item transform with the m it used (needed to transform more items alike).
    public struct ItemTransform: Sendable {
        public let vectors: VectorSet
        public let maxNorm: Float
        public let form: ItemForm
    }

    public static func transformItems(_ items: VectorSet, form: ItemForm = .appended, maxNorm: Float? = nil) -> ItemTransform {
        let norms = items.norms()
        let m = maxNorm ?? (norms.max() ?? 0)
        let d = items.dimension
        var out = [Float]()
        out.reserveCapacity(items.count * (d + 1))
        let m2 = Double(m) * Double(m)
        for i in 0..<items.count {
            let row = items.values[i * d ..< (i + 1) * d]
            let n2 = Double(norms[i]) * Double(norms[i])
            // max(0, .) because |v| = m rounds to m^2 - |v|^2 slightly below zero.
            switch form {
            case .scaled:
                let inv = m > 0 ? 1 / m : 0
                out.append(contentsOf: row.map { $0 * inv })
                out.append(m > 0 ? Float(max(0, 1 - n2 / m2).squareRoot()) : 1)
            case .appended:
                out.append(contentsOf: row)
                out.append(Float(max(0, m2 - n2).squareRoot()))
            }
        }
        return ItemTransform(vectors: try! VectorSet(count: items.count, dimension: d + 1, values: out), maxNorm: m, form: form)
    }

    /// A user (query) vector: normalised, with 0 appended.
    public static func transformQuery(_ query: [Float]) -> [Float] {
        let n = query.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let inv = n > 0 ? Float(1 / n) : 0
        return query.map { $0 * inv } + [0]
    }

    public static func transformUsers(_ users: VectorSet) -> VectorSet {
        users.normalized().appending(column: [Float](repeating: 0, count: users.count))
    }
}
