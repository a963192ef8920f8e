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

/// The vectorised LSTM loops against the scalar loops they replaced, bit for bit.
final class TensorLSTMGatesTests: XCTestCase {
    func testBackwardAndMaxPoolEqualTheScalarLoops() {
        var rng = RNG(seed: 21)
        for h in [3, 8, 19] {
            let sig = { (x: Float) in 1 / (1 + Foundation.exp(-x)) }
            let gates: [Float] = (0..<4 * h).map { k in
                let x = rng.nextGaussian() * 2
                return k / h == 2 ? Foundation.tanh(x) : sig(x)
            }
            let tc = (0..<h).map { _ in Foundation.tanh(rng.nextGaussian()) }
            let dh = (0..<h).map { _ in rng.nextGaussian() }, dc = (0..<h).map { _ in rng.nextGaussian() }
            let cPrev = (0..<h).map { _ in rng.nextGaussian() }, dcPrev0 = (0..<h).map { _ in rng.nextGaussian() }
            for withPrev in [false, true] {
                var dz = [Float](repeating: 0, count: 4 * h), dcPrev = dcPrev0
                cPrev.withUnsafeBufferPointer { cp in
                    dcPrev.withUnsafeMutableBufferPointer { dp in
                        LSTMGates.backward(gates: gates, tanhCell: tc, dh: dh, dc: dc,
                                           cPrev: withPrev ? cp.baseAddress! : nil, dcPrev: withPrev ? dp.baseAddress! : nil,
                                           dz: &dz, h: h)
                    }
                }
                var wantDz = [Float](repeating: 0, count: 4 * h), wantDcPrev = dcPrev0
                for j in 0..<h {
                    let i = gates[j], f = gates[h + j], g = gates[2 * h + j], o = gates[3 * h + j]
                    let dcv = dc[j] + dh[j] * o * (1 - tc[j] * tc[j])
                    let cp: Float = withPrev ? cPrev[j] : 0
                    wantDz[j] = dcv * g * i * (1 - i)
                    wantDz[h + j] = dcv * cp * f * (1 - f)
                    wantDz[2 * h + j] = dcv * i * (1 - g * g)
                    wantDz[3 * h + j] = dh[j] * tc[j] * o * (1 - o)
                    if withPrev { wantDcPrev[j] += dcv * f }
                }
                XCTAssertEqual(dz.map(\.bitPattern), wantDz.map(\.bitPattern), "h=\(h) prev=\(withPrev)")
                XCTAssertEqual(dcPrev.map(\.bitPattern), wantDcPrev.map(\.bitPattern), "h=\(h) prev=\(withPrev)")
            }
            // Max pooling over 5 steps, with ties (equal values keep the earlier row).
            let steps = (0..<5).map { _ in (0..<h).map { _ in Float(rng.nextInt(below: 5)) } }
            var out = [Float](repeating: 0, count: h), arg = [Int32](repeating: -1, count: h)
            var wantOut = out, wantArg = arg
            for (t, hidden) in steps.enumerated() {
                LSTMGates.maxPool(hidden: hidden, out: &out, arg: &arg, row: Int32(t * 10), first: t == 0, h: h)
                for j in 0..<h where wantArg[j] < 0 || hidden[j] > wantOut[j] { wantOut[j] = hidden[j]; wantArg[j] = Int32(t * 10) }
            }
            XCTAssertEqual(out, wantOut, "h=\(h)"); XCTAssertEqual(arg, wantArg, "h=\(h)")
        }
    }
}
