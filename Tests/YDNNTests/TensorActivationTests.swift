import Foundation
import XCTest
import YDNN

/// The vectorised exp, sigmoid and tanh of the LSTM gates against Foundation's
/// scalar expf and tanhf, on a dense grid over [-100, 100] plus the edges.
final class TensorActivationTests: XCTestCase {
    /// Every 1/1024 from -100 to 100, then limits, NaN and a count that is not a multiple of 8.
    var inputs: [Float] {
        var xs = stride(from: Float(-100), through: 100, by: 1.0 / 1024).map { $0 }
        xs += [0, -0, 1e-30, -1e-30, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
               87.33, -87.33, 88.0, -88.0, 88.7, -88.7, 0.5, -0.5]
        xs.append(contentsOf: [1, 2, 3])
        return xs
    }

    func run(_ xs: [Float], _ f: (UnsafeMutablePointer<Float>, Int) -> Void) -> [Float] {
        var out = xs
        out.withUnsafeMutableBufferPointer { f($0.baseAddress!, $0.count) }
        return out
    }

    func testExpIsWithinAFewUlpOfExpfWhereItIsNormal() {
        let xs = inputs.filter { $0 >= -87.3 && $0 <= 88.0 }
        let ys = xs.withUnsafeBufferPointer { xp in
            run(xs) { o, n in Activations.exp(xp.baseAddress!, into: o, count: n) }
        }
        var worst: Float = 0
        for (x, y) in zip(xs, ys) {
            let want = Foundation.expf(x)
            let ulps = abs(y - want) / want.ulp
            worst = max(worst, ulps)
            if ulps > 4 { XCTFail("exp(\(x)) = \(y), expf \(want): \(ulps) ulp"); return }
        }
        print("exp: worst \(worst) ulp over \(xs.count) inputs")
    }

    func testSigmoidAndTanhAreWithin3e7OfTheScalarFunctions() {
        let xs = inputs.filter { $0.isFinite }
        let sig = run(xs) { Activations.sigmoid($0, count: $1) }
        let th = run(xs) { Activations.tanh($0, count: $1) }
        var worstSig: Float = 0, worstTanh: Float = 0
        for i in xs.indices {
            let x = xs[i]
            let s = Float(1 / (1 + Foundation.exp(-Double(x)))), t = Foundation.tanhf(x)
            worstSig = max(worstSig, abs(sig[i] - s)); worstTanh = max(worstTanh, abs(th[i] - t))
            XCTAssert(abs(sig[i] - s) <= 3e-7, "sigmoid(\(x)) = \(sig[i]), want \(s)")
            XCTAssert(abs(th[i] - t) <= 3e-7, "tanh(\(x)) = \(th[i]), tanhf \(t)")
            XCTAssert(sig[i] >= 0 && sig[i] <= 1 && th[i] >= -1 && th[i] <= 1, "out of range at \(x)")
        }
        print("sigmoid: worst \(worstSig), tanh: worst \(worstTanh) absolute over \(xs.count) inputs")
    }

    func testLimitsAndNaN() {
        let xs: [Float] = [.infinity, -.infinity, 1000, -1000, .nan, 0, 0, 0, 0]
        let sig = run(xs) { Activations.sigmoid($0, count: $1) }
        let th = run(xs) { Activations.tanh($0, count: $1) }
        XCTAssertEqual(Array(sig[0..<4]), [1, sig[1], 1, sig[3]])
        XCTAssertLessThan(sig[1], 1e-37); XCTAssertLessThan(sig[3], 1e-37)
        XCTAssertEqual(Array(th[0..<4]), [1, -1, 1, -1])
        XCTAssert(sig[4].isNaN && th[4].isNaN, "NaN must stay NaN")
        XCTAssertEqual(sig[5], 0.5); XCTAssertEqual(th[5], 0)
    }

    /// The result of one element does not depend on where it sits (full lane or tail).
    func testTailEqualsFullLanes() {
        let xs: [Float] = (0..<19).map { Float($0) * 0.37 - 3 }
        let whole = run(xs) { Activations.tanh($0, count: $1) }
        for n in 1...19 {
            let part = run(Array(xs[0..<n])) { Activations.tanh($0, count: $1) }
            XCTAssertEqual(part, Array(whole[0..<n]))
        }
    }
}
