/// A query in the integer form the 4-bit scan multiplies, with the numbers that turn a row's integer dot product
/// into an estimate and a guaranteed upper bound of the row's `Float` score.
///
/// **Bound (why the search is exact).** Take a row `v` with the terms of `QuantizedRows` (centred `w = v − m`,
/// codes `n`, scale `s`, `ŵ = s·(n + ½)`, residual `R = ‖w − ŵ‖`) and the query `u = t·p + f`, where
/// `p[j] = round(u[j] / t)` are integers in `[−P, P]`, `t = max|u| / P`, and `f` is the rounding left over. In
/// exact arithmetic
///
///     v·u = m·u + ŵ·u + (w − ŵ)·u = m·u + s·t·Σ(n[j] + ½)·p[j] + ŵ·f + (w − ŵ)·u
///
/// and by Cauchy–Schwarz `|ŵ·f| ≤ ‖ŵ‖·‖f‖`, `|(w − ŵ)·u| ≤ R·‖u‖`. The integer `Σ(n + ½)·p = (2K + Σp) / 2` with
/// `K = Σ n·p` (`NibbleKernel.dot`, exact) is below 2²⁴ in magnitude, so it converts to `Float` exactly. Hence
///
///     v·u ≤ estimate + R·‖u‖ + ‖ŵ‖·‖f‖,    estimate = m·u + s·(t/2)·(2K + Σp).
///
/// The brute-force score is `fl(v·u)` (`VectorMath.dot`), within `γ_d·‖v‖·‖u‖` of `v·u`. Each `Float` operation in
/// computing the estimate and the bound (`offset`, the products and sums below) errs by at most 2⁻²⁴ of a value
/// bounded by `N·(‖u‖ + ‖f‖)` (as `|m·u| ≤ ‖m‖·‖u‖` and `‖ŵ‖·‖t·p‖ ≤ (‖w‖ + R)·(‖u‖ + ‖f‖)`, `‖w‖ ≤ ‖v‖ + ‖m‖`); there
/// are fewer than 2⁷ of them, and the stored terms carry `g·N` with `g = γ_d + 2⁻¹⁷`, with `norm ≥ ‖u‖` and
/// `error ≥ ‖f‖` rounded up. So `estimate + slack(row) ≥ fl(v·u)` as computed: a row whose bound is below the
/// k-th `Float` score found so far cannot be in the top k. (The relative error bounds assume no underflow; the
/// bound also adds the smallest normal `Float`, 2⁻¹²⁶, above any sum of fewer than 2²³ underflow errors of 2⁻¹⁵⁰.
/// Rows whose bound overflows to NaN are always rescored.)
struct QuantizedQuery: Sendable {
    /// `p`, zero-padded to `blocks × 32`, in natural order.
    let values: [Int16]
    /// `t / 2`.
    let halfStep: Float
    /// `Σp`.
    let valueSum: Int32
    /// `m·u`.
    let offset: Float
    /// `‖u‖`, rounded up.
    let norm: Float
    /// `‖f‖`, rounded up.
    let error: Float

    /// `P` for rows of `blocks` blocks: each 32-bit lane of the scan adds `8·blocks` products of magnitude at most
    /// `4096 · 8 · P`, which must stay below 2³¹.
    static func queryRange(blocks: Int) -> Int {
        min(1023, 8191 / max(1, blocks))
    }

    /// Nil for a zero or non-finite query (the `Float` scan handles those).
    init?(_ query: [Float], rows: QuantizedRows) {
        var maximum: Float = 0
        var squares = 0.0
        var offset = 0.0
        for (value, centre) in zip(query, rows.mean) {
            guard value.isFinite else { return nil }
            maximum = max(maximum, abs(value))
            squares += Double(value) * Double(value)
            offset += Double(value) * Double(centre)
        }
        let range = Float(Self.queryRange(blocks: rows.blocks))
        let step = maximum / range
        guard maximum > 0, step.isNormal else { return nil }
        var values = [Int16](repeating: 0, count: rows.blocks * QuantizedRows.blockWidth)
        var sum: Int32 = 0
        var leftover = 0.0
        for (j, value) in query.enumerated() {
            let p = min(max((value / step).rounded(), -range), range)
            values[j] = Int16(p)
            sum += Int32(p)
            let f = Double(value) - Double(step) * Double(p)
            leftover += f * f
        }
        let norm = QuantizedRows.roundedUp(squares.squareRoot() * (1 + 0x1p-30))
        guard norm.isFinite else { return nil }
        self.values = values
        self.halfStep = step / 2
        self.valueSum = sum
        self.offset = Float(offset)
        self.norm = norm
        self.error = QuantizedRows.roundedUp(leftover.squareRoot() * (1 + 0x1p-30))
    }

    /// `m·u + s·(t/2)·(2K + Σp)` for four rows: their scores up to the quantization errors.
    @inline(__always)
    func estimates(scales: SIMD4<Float>, dots: SIMD4<Int32>) -> SIMD4<Float> {
        offset + (scales * halfStep) * SIMD4<Float>(2 &* dots &+ valueSum)
    }

    /// What to add to `estimates` for upper bounds on the four rows' `Float` scores.
    @inline(__always)
    func slacks(residuals: SIMD4<Float>, codeTerms: SIMD4<Float>) -> SIMD4<Float> {
        norm * residuals + error * codeTerms + Float.leastNormalMagnitude
    }
}
