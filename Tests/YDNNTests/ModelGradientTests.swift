import XCTest
import YDNN

/// Finite-difference checks of every layer's backward pass. Each layer's output is
/// reduced to a scalar with fixed random weights r (L = Σ r·y), so dL/dy = r is what
/// backward receives; central differences of L then check every gradient.
final class ModelGradientTests: XCTestCase {
    func randomArray(_ n: Int, _ rng: inout RNG, scale: Float = 1) -> [Float] {
        (0..<n).map { _ in rng.nextGaussian() * scale }
    }

    func dot(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// Compares analytic gradient `analytic` of `param` with central differences of
    /// `loss`, at up to `samples` entries (all when small).
    func check(_ name: String, _ param: Parameter, _ analytic: [Float], samples: Int = 40, eps: Float = 1e-2,
               tolerance: Double = 1e-2, absolute: Double = 1e-3, file: StaticString = #filePath, line: UInt = #line,
               _ loss: () -> Double) {
        XCTAssertEqual(analytic.count, param.count, "\(name): gradient size", file: file, line: line)
        var rng = RNG(seed: 99, stream: name)
        let indices = param.count <= samples ? Array(0..<param.count) : (0..<samples).map { _ in rng.nextInt(below: param.count) }
        var worst = 0.0
        for i in indices {
            let old = param.value[i]
            param.value[i] = old + eps
            let up = loss()
            param.value[i] = old - eps
            let down = loss()
            param.value[i] = old
            let numeric = (up - down) / (2 * Double(eps))
            // Mixed test: tight relative error, plus an absolute floor for the
            // float rounding noise of the differences themselves.
            let err = (abs(numeric - Double(analytic[i])) - absolute) / max(abs(numeric), abs(Double(analytic[i])))
            worst = max(worst, err)
            if err > tolerance {
                XCTFail("\(name)[\(i)]: analytic \(analytic[i]) vs numeric \(numeric)", file: file, line: line)
                return
            }
        }
        XCTAssertLessThanOrEqual(worst, tolerance, file: file, line: line)
    }

    func testDense() {
        for relu in [false, true] {
            var rng = RNG(seed: 1, stream: "dense\(relu)")
            let rows = 5, n = 6, m = 4
            let w = Parameter(name: "w", rows: n, cols: m, value: randomArray(n * m, &rng, scale: 0.5))
            let b = Parameter(name: "b", rows: 1, cols: m, value: randomArray(m, &rng, scale: 0.5))
            let x = Parameter(name: "x", rows: rows, cols: n, value: randomArray(rows * n, &rng))
            let r = randomArray(rows * m, &rng)
            let layer = Dense(weight: w, bias: b, relu: relu)
            _ = layer.forward(x.value, rows: rows)
            let dx = layer.backward(r)
            let loss = { self.dot(Dense(weight: w, bias: b, relu: relu).forward(x.value, rows: rows), r) }
            check("dense.w", w, layer.dWeight.toDense(), loss)
            check("dense.b", b, layer.dBias.toDense(), loss)
            check("dense.x", x, dx, loss)
        }
    }

    /// Dense → batch norm (training: the batch's own statistics) → ReLU or not, as
    /// one shard holding the whole batch: every gradient, the bias's ≈ 0 included
    /// (the norm removes the mean). Wide random γ, β so the ReLU kinks stay away
    /// from the differences' ±eps.
    func testDenseBatchNorm() {
        for relu in [false, true] {
            var rng = RNG(seed: 3, stream: "dense-bn\(relu)")
            let rows = 6, n = 5, m = 4
            let w = Parameter(name: "w", rows: n, cols: m, value: randomArray(n * m, &rng, scale: 0.5))
            let b = Parameter(name: "b", rows: 1, cols: m, value: randomArray(m, &rng, scale: 0.5))
            let gamma = Parameter(name: "gamma", rows: 1, cols: m, value: randomArray(m, &rng, scale: 1).map { $0 + 1.5 })
            let beta = Parameter(name: "beta", rows: 1, cols: m, value: randomArray(m, &rng, scale: 1))
            let x = Parameter(name: "x", rows: rows, cols: n, value: randomArray(rows * n, &rng))
            let r = randomArray(rows * m, &rng)
            func layer() -> Dense {
                Dense(weight: w, bias: b, relu: relu,
                      norm: BatchNorm(gamma: gamma, beta: beta, runningMean: Parameter(name: "rm", rows: 1, cols: m),
                                      runningVariance: Parameter(name: "rv", rows: 1, cols: m, value: [Float](repeating: 1, count: m))))
            }
            func train(_ l: Dense) -> [Float] { l.forwardNormalized(totals: l.forwardAffine(x.value, rows: rows)) }
            let l = layer()
            let y = train(l)
            // Batch statistics: every unit's pre-activations have mean β and spread γ (before the ReLU).
            if !relu {
                for j in 0..<m {
                    let col = (0..<rows).map { Double(y[$0 * m + j]) }
                    let mean = col.reduce(0, +) / Double(rows)
                    let sd = (col.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rows)).squareRoot()
                    XCTAssertEqual(mean, Double(beta.value[j]), accuracy: 1e-5)
                    XCTAssertEqual(sd, Double(abs(gamma.value[j])), accuracy: 1e-3)
                }
            }
            let dx = l.backwardFromNorm(totals: l.backwardToNorm(r))
            let loss = { self.dot(train(layer()), r) }
            check("bn.w", w, l.dWeight.toDense(), loss)
            check("bn.b", b, l.dBias.toDense(), loss)
            check("bn.gamma", gamma, l.norm!.dGamma.toDense(), loss)
            check("bn.beta", beta, l.norm!.dBeta.toDense(), loss)
            check("bn.x", x, dx, loss)
        }
    }

    func testL2Normalize() {
        var rng = RNG(seed: 2)
        let rows = 4, d = 5
        let x = Parameter(name: "x", rows: rows, cols: d, value: randomArray(rows * d, &rng))
        let r = randomArray(rows * d, &rng)
        let layer = L2Normalize(dim: d)
        let y = layer.forward(x.value, rows: rows)
        for i in 0..<rows {
            let n = (0..<d).reduce(0.0) { $0 + Double(y[i * d + $1] * y[i * d + $1]) }
            XCTAssertEqual(n, 1, accuracy: 1e-5)
        }
        let dx = layer.backward(r)
        check("l2.x", x, dx, eps: 1e-3) { self.dot(L2Normalize(dim: d).forward(x.value, rows: rows), r) }
    }

    /// Three samples: two ids, none, five (with repeats), with weights.
    func ragged(vocab: Int, _ rng: inout RNG) -> RaggedIDs {
        var ids = RaggedIDs()
        for len in [2, 0, 5, 1] {
            let list = (0..<len).map { _ in Int32(rng.nextInt(below: vocab)) }
            ids.append(list, weights: (0..<len).map { _ in 0.5 + rng.nextFloat() })
        }
        return ids
    }

    func testEmbeddingPooling() {
        for pool in [Pooling.avg, .sum, .max] {
            for weighted in [false, true] {
                var rng = RNG(seed: 3, stream: "\(pool)\(weighted)")
                let vocab = 7, d = 4
                let ids = ragged(vocab: vocab, &rng)
                let spec = EncoderSpec.embedding("f", dim: d, pool: pool, weighted: weighted, lastSlot: true)
                let table = Parameter(name: "t", rows: vocab, cols: d, sparse: true, value: randomArray(vocab * d, &rng))
                let layer = EmbeddingPool(spec: spec, table: table)
                let out = layer.forward(ids)
                XCTAssertEqual(out.count, ids.count * 2 * d)
                XCTAssertEqual(Array(out[2 * d ..< 4 * d]), [Float](repeating: 0, count: 2 * d), "empty list pools to zeros")
                let r = randomArray(out.count, &rng)
                layer.backward(r)
                check("embed.\(pool).\(weighted)", table, layer.dTable.toDense(), eps: 1e-3) {
                    self.dot(EmbeddingPool(spec: spec, table: table).forward(ids), r)
                }
            }
        }
    }

    func testEmbeddingAverageValue() {
        let table = Parameter(name: "t", rows: 3, cols: 2, sparse: true, value: [1, 2, 3, 4, 5, 6])
        let layer = EmbeddingPool(spec: .embedding("f", dim: 2, pool: .avg), table: table)
        var ids = RaggedIDs()
        ids.append([0, 2])
        XCTAssertEqual(layer.forward(ids), [3, 4])
        layer.backward([1, 1])
        XCTAssertEqual(layer.dTable.touched, [0, 2], "only touched rows are kept")
    }

    func lstmCheck(pool: Pooling, lastSlot: Bool, h: Int = 4) {
        var rng = RNG(seed: 4, stream: "\(pool)\(lastSlot)")
        let vocab = 9, e = 3
        let ids = ragged(vocab: vocab, &rng)
        let spec = EncoderSpec.lstm("items", hidden: h, dim: e, pool: pool, lastSlot: lastSlot)
        let table = Parameter(name: "t", rows: vocab, cols: e, sparse: true, value: randomArray(vocab * e, &rng))
        let wx = Parameter(name: "wx", rows: e, cols: 4 * h, value: randomArray(e * 4 * h, &rng, scale: 0.6))
        let wh = Parameter(name: "wh", rows: h, cols: 4 * h, value: randomArray(h * 4 * h, &rng, scale: 0.6))
        let b = Parameter(name: "b", rows: 1, cols: 4 * h, value: randomArray(4 * h, &rng, scale: 0.3))
        let make = { LSTMEncoder(spec: spec, table: table, wx: wx, wh: wh, bias: b) }
        let layer = make()
        let out = layer.forward(ids)
        XCTAssertEqual(out.count, ids.count * spec.outputDimension)
        let r = randomArray(out.count, &rng)
        layer.backward(r)
        let loss = { self.dot(make().forward(ids), r) }
        check("lstm.table.\(pool)", table, layer.dTable.toDense(), eps: 5e-3, loss)
        check("lstm.wx.\(pool)", wx, layer.dWx.toDense(), eps: 5e-3, loss)
        check("lstm.wh.\(pool)", wh, layer.dWh.toDense(), eps: 5e-3, loss)
        check("lstm.b.\(pool)", b, layer.dBias.toDense(), eps: 5e-3, loss)
    }

    func testLSTMMaxPooling() { lstmCheck(pool: .max, lastSlot: false) }
    func testLSTMLastStateWithLastSlot() { lstmCheck(pool: .last, lastSlot: true) }
    /// 11 units: one 8-lane block of the vectorised gate loops plus a scalar tail.
    func testLSTMWideHidden() { lstmCheck(pool: .max, lastSlot: false, h: 11) }

    func testLSTMMatchesStepByStepReference() {
        // One sequence of length 2, H=1, E=1: compare with the equations written out.
        let table = Parameter(name: "t", rows: 2, cols: 1, sparse: true, value: [0.5, -1])
        let wx = Parameter(name: "wx", rows: 1, cols: 4, value: [0.1, 0.2, 0.3, 0.4])
        let wh = Parameter(name: "wh", rows: 1, cols: 4, value: [0.5, 0.6, 0.7, 0.8])
        let b = Parameter(name: "b", rows: 1, cols: 4, value: [0, 1, 0, 0])
        let layer = LSTMEncoder(spec: .lstm("items", hidden: 1, dim: 1, pool: .last), table: table, wx: wx, wh: wh, bias: b)
        var ids = RaggedIDs(); ids.append([0, 1])
        func sig(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        var hPrev = 0.0, cPrev = 0.0
        for x in [0.5, -1.0] {
            let i = sig(0.1 * x + 0.5 * hPrev), f = sig(0.2 * x + 0.6 * hPrev + 1)
            let g = tanh(0.3 * x + 0.7 * hPrev), o = sig(0.4 * x + 0.8 * hPrev)
            cPrev = f * cPrev + i * g; hPrev = o * tanh(cPrev)
        }
        XCTAssertEqual(Double(layer.forward(ids)[0]), hPrev, accuracy: 1e-6)
    }

    func testAttentionPooling() {
        for weighted in [false, true] {
            var rng = RNG(seed: 5, stream: "\(weighted)")
            let vocab = 8, d = 4
            let ids = ragged(vocab: vocab, &rng)
            let spec = EncoderSpec.attention("items", dim: d, weighted: weighted, lastSlot: true)
            let table = Parameter(name: "t", rows: vocab, cols: d, sparse: true, value: randomArray(vocab * d, &rng))
            let q = Parameter(name: "q", rows: 1, cols: d, value: randomArray(d, &rng))
            let layer = AttentionPool(spec: spec, table: table, query: q)
            let r = randomArray(layer.forward(ids).count, &rng)
            layer.backward(r)
            let loss = { self.dot(AttentionPool(spec: spec, table: table, query: q).forward(ids), r) }
            check("attn.table", table, layer.dTable.toDense(), eps: 1e-3, loss)
            check("attn.query", q, layer.dQuery.toDense(), eps: 1e-3, loss)
        }
    }

    /// Output layers: the loss itself is the scalar; backward(scale: 1) is its gradient.
    func outputCheck(_ name: String, normalize: Bool, temperature: Float, make: (Parameter, Parameter?, [Float]) -> OutputLoss,
                     negatives: [Int32], bias: Bool = true, d: Int = 4) {
        var rng = RNG(seed: 6, stream: name)
        let items = 10, rows = 5
        let w = Parameter(name: "w", rows: items, cols: d, sparse: true, value: randomArray(items * d, &rng, scale: 0.7))
        let b = bias ? Parameter(name: "b", rows: items, cols: 1, sparse: true, value: randomArray(items, &rng, scale: 0.5)) : nil
        let u = Parameter(name: "u", rows: rows, cols: d, value: randomArray(rows * d, &rng, scale: 0.7))
        let noise = (0..<items).map { Float($0 + 1) / 55 }
        let labels: [Int32] = [1, 3, 3, 7, 0]
        let layer = make(w, b, noise)
        let l0 = layer.forward(user: u.value, rows: rows, labels: labels, negatives: negatives)
        XCTAssert(l0.isFinite && l0 > 0, "\(name): loss \(l0)")
        let du = layer.backward(scale: 1)
        let loss = { make(w, b, noise).forward(user: u.value, rows: rows, labels: labels, negatives: negatives) }
        let eps: Float = normalize ? 1e-3 : 1e-2
        check("\(name).w", w, layer.gradients[0].toDense(), eps: eps, loss)
        if let b { check("\(name).b", b, layer.gradients[1].toDense(), eps: eps, loss) }
        check("\(name).u", u, du, eps: eps, loss)
    }

    func testNCE() {
        var rng = RNG(seed: 7)
        let negs = (0..<15).map { _ in Int32(rng.nextInt(below: 10)) }
        for (norm, t) in [(false, Float(1)), (true, Float(0.5))] {
            outputCheck("nce\(norm)", normalize: norm, temperature: t, make: { w, b, q in
                NCELoss(weight: w, bias: b, negatives: 3, noise: q, normalize: norm, temperature: t)
            }, negatives: negs)
        }
    }

    func testNCEMatchesPaddleFormula() {
        // One sample, one negative, zero vectors: o = σ(0) = 0.5 for both items.
        let w = Parameter(name: "w", rows: 2, cols: 1, sparse: true, value: [0, 0])
        let b = Parameter(name: "b", rows: 2, cols: 1, sparse: true, value: [0, 0])
        let layer = NCELoss(weight: w, bias: b, negatives: 1, noise: [0.25, 0.75])
        let l = layer.forward(user: [1], rows: 1, labels: [0], negatives: [1])
        let expected = -log(0.5 / (0.5 + 0.25)) - log(0.75 / (0.5 + 0.75))
        XCTAssertEqual(l, expected, accuracy: 1e-9)
    }

    func testSoftmaxVariants() {
        outputCheck("full", normalize: false, temperature: 1, make: { w, b, q in
            SoftmaxLoss(mode: .full, weight: w, bias: b, noise: q, logQ: false)
        }, negatives: [])
        outputCheck("full.norm", normalize: true, temperature: 0.2, make: { w, _, q in
            SoftmaxLoss(mode: .full, weight: w, bias: nil, noise: q, logQ: false, normalize: true, temperature: 0.2)
        }, negatives: [], bias: false)
        outputCheck("sampled", normalize: false, temperature: 1, make: { w, b, q in
            SoftmaxLoss(mode: .sampled, weight: w, bias: b, noise: q, logQ: true)
        }, negatives: [2, 3, 5, 5, 9, 1])
        outputCheck("inbatch", normalize: true, temperature: 0.5, make: { w, _, q in
            SoftmaxLoss(mode: .inBatch, weight: w, bias: nil, noise: q, logQ: true, normalize: true, temperature: 0.5)
        }, negatives: [], bias: false)
    }

    func testFullSoftmaxValue() {
        // Two items with logits 0 and log 3: p(item 0) = 1/4.
        let w = Parameter(name: "w", rows: 2, cols: 1, sparse: true, value: [0, Float(log(3.0))])
        let layer = SoftmaxLoss(mode: .full, weight: w, bias: nil, noise: [0.5, 0.5], logQ: false)
        XCTAssertEqual(layer.forward(user: [1], rows: 1, labels: [0], negatives: []), log(4), accuracy: 1e-6)
    }

    /// Per-sample negatives (`softmax sampled=K per=sample`): 5 rows × 3 negatives, with
    /// accidental hits (row 1 draws its label 3, row 4 its label 0) and a repeated draw.
    func testPerSampleSoftmax() {
        let negs: [Int32] = [2, 5, 9, /**/ 3, 3, 8, /**/ 1, 4, 6, /**/ 7, 2, 2, /**/ 0, 9, 5]
        // d = 11: one 8-column block of the vectorised backward plus a scalar tail.
        for (norm, t, logQ, d) in [(false, Float(1), true, 4), (true, Float(0.3), true, 4), (false, Float(0.7), false, 11),
                                   (true, Float(0.5), true, 11)] {
            outputCheck("persample\(norm)\(logQ)\(d)", normalize: norm, temperature: t, make: { w, b, q in
                PerSampleSoftmaxLoss(weight: w, bias: b, negatives: 3, noise: q, logQ: logQ, normalize: norm, temperature: t)
            }, negatives: negs, d: d)
        }
    }

    /// When every sample happens to draw the same negatives, per-sample and shared
    /// sampled softmax are the same loss with the same gradients.
    func testPerSampleSoftmaxEqualsSharedWhenTheDrawsAgree() {
        var rng = RNG(seed: 11)
        let items = 12, d = 10, rows = 4
        let shared: [Int32] = [4, 9, 9, 2, 11]
        let labels: [Int32] = [0, 4, 7, 11]
        let w = Parameter(name: "w", rows: items, cols: d, sparse: true, value: randomArray(items * d, &rng))
        let b = Parameter(name: "b", rows: items, cols: 1, sparse: true, value: randomArray(items, &rng))
        let user = randomArray(rows * d, &rng)
        let noise = (0..<items).map { Float($0 + 2) / 90 }
        let a = SoftmaxLoss(mode: .sampled, weight: w, bias: b, noise: noise, logQ: true, temperature: 0.5)
        let p = PerSampleSoftmaxLoss(weight: w, bias: b, negatives: shared.count, noise: noise, logQ: true, temperature: 0.5)
        let la = a.forward(user: user, rows: rows, labels: labels, negatives: shared)
        let lp = p.forward(user: user, rows: rows, labels: labels, negatives: Array((0..<rows).map { _ in shared }.joined()))
        XCTAssertEqual(la, lp, accuracy: 1e-5 * abs(la))
        let dua = a.backward(scale: 0.25), dup = p.backward(scale: 0.25)
        for (x, y) in zip(dua, dup) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        for (x, y) in zip(a.dWeight.toDense(), p.dWeight.toDense()) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        for (x, y) in zip(a.dBias!.toDense(), p.dBias!.toDense()) { XCTAssertEqual(x, y, accuracy: 1e-5) }
    }

    /// One sample by hand: zero vectors, so the logits are only the log-Q terms.
    func testPerSampleSoftmaxLogQValue() {
        let w = Parameter(name: "w", rows: 3, cols: 1, sparse: true, value: [0, 0, 0])
        let q: [Float] = [0.2, 0.3, 0.5]
        let layer = PerSampleSoftmaxLoss(weight: w, bias: nil, negatives: 3, noise: q, logQ: true)
        // Label 0, negatives 1, 2 and 0 (an accidental hit, left out): z_j = -log q_j.
        let l = layer.forward(user: [1], rows: 1, labels: [0], negatives: [1, 2, 0])
        let expected = -log(1 / 0.2) + log(1 / 0.2 + 1 / 0.3 + 1 / 0.5)
        XCTAssertEqual(l, expected, accuracy: 1e-6)
    }
}
