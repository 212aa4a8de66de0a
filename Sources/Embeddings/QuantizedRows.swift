/// A 4-bit copy of a row-major float matrix, with per-row error terms, used to skip rows that cannot reach a
/// query's top k (half a byte per value: a scan reads an eighth of the `Float` matrix).
///
/// **Code.** Rows are centred on the column mean `m` (any fixed `m` is correct; the mean makes the codes
/// finer for embeddings that share a common direction). Row `v` becomes `w = v − m` and is stored as a scale `s`
/// and one code `n[j] ∈ [−8, 7]` per value, standing for `ŵ[j] = s·(n[j] + ½)`: sixteen levels, symmetric about
/// zero. `s` is chosen per row among a few candidates to minimise the residual; clipping is allowed because the
/// residual is measured, not assumed.
///
/// **Per-row error terms**, rounded up to `Float` (see `RowEncoder.encode` for the rounding of their own sums),
/// with `g = γ_d + 2⁻¹⁷` where `γ_d = d·2⁻²⁴ / (1 − d·2⁻²⁴)` bounds the rounding of a `Float` dot product of
/// length `d` (`|fl(v·u) − v·u| ≤ γ_d·Σ|v_j·u_j| ≤ γ_d·‖v‖·‖u‖`, Higham, *Accuracy and Stability*, §3.1, any
/// summation order):
/// - `R = ‖w − ŵ‖` (the residual), `N = ‖v‖ + ‖m‖ + R` (a bound on every magnitude the scan multiplies),
/// - `residual = R + g·N` and `code = s·‖n + ½‖ + g·N` (`s·‖n + ½‖ = ‖ŵ‖`).
///
/// `VectorIndex+Prefilter` derives from these an upper bound on the `Float` score of every row (see
/// `QuantizedQuery`), so a row is dropped only when it provably cannot enter the top k.
struct QuantizedRows: Sendable {
    /// Values per 16-byte block: eight 16-bit lanes of four 4-bit codes (see `laneIndex`).
    static let blockWidth = 32

    /// The per-row numbers the scan reads next to the codes.
    struct RowTerms {
        /// `s`.
        var scale: Float
        /// `R + g·N`: multiplies `‖u‖`.
        var residual: Float
        /// `‖ŵ‖ + g·N`: multiplies the query's quantization error `‖f‖`.
        var code: Float
    }

    let dimension: Int
    private(set) var count: Int
    /// 16-byte blocks per row (`⌈d / 32⌉`).
    let blocks: Int
    /// `count × blocks × 8` lanes; lane `i` of block `b` holds the codes of values `32b + 8k + i`, `k = 0…3`, in
    /// bits `4k…4k+3` (two's complement), so a query in natural order lines up with the `k`-th nibble of each
    /// lane. Values past `dimension` are 0 and meet zero query values.
    private(set) var codes: [UInt16]
    /// Per row: `s`, `R + g·N` and `‖ŵ‖ + g·N` (separate arrays, so four rows load as one vector each).
    private(set) var scales: [Float]
    private(set) var residuals: [Float]
    private(set) var codeTerms: [Float]
    /// The column mean `m`, and how many rows it was taken over.
    let mean: [Float]
    let meanRows: Int
    /// `‖m‖`, rounded up.
    let meanNorm: Float

    /// Codes for `count` rows of `vectors`, centred on their mean; nil when the dimension is too large for the
    /// 32-bit scan sums.
    init?(vectors: [Float], dimension: Int, count: Int, threads: Int) {
        let blocks = (dimension + Self.blockWidth - 1) / Self.blockWidth
        guard count > 0, QuantizedQuery.queryRange(blocks: blocks) >= 8 else { return nil }
        let mean = Self.columnMean(vectors, dimension: dimension, count: count, threads: threads)
        let empty = QuantizedRows(dimension: dimension, blocks: blocks, mean: mean, meanRows: count)
        self = empty.appending(vectors, count: count, threads: threads)
    }

    /// No rows yet.
    private init(dimension: Int, blocks: Int, mean: [Float], meanRows: Int) {
        self.dimension = dimension
        self.count = 0
        self.blocks = blocks
        self.mean = mean
        self.meanRows = meanRows
        self.meanNorm = Self.roundedUp(mean.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
        (codes, scales, residuals, codeTerms) = ([], [], [], [])
    }

    /// These codes followed by those of rows `self.count..<count` of `vectors` (the rows before are not read),
    /// centred on the same mean.
    func appending(_ vectors: [Float], count newCount: Int, threads: Int) -> QuantizedRows {
        let start = count
        let added = newCount - start
        guard added > 0 else { return self }
        var copy = self
        copy.codes = .concatenating(codes, repeatElement(0, count: added * blocks * 8))
        copy.scales = .concatenating(scales, repeatElement(0, count: added))
        copy.residuals = .concatenating(residuals, repeatElement(0, count: added))
        copy.codeTerms = .concatenating(codeTerms, repeatElement(0, count: added))
        let (dimension, blocks, meanNorm) = (dimension, blocks, Double(meanNorm))
        let unit = 0x1p-24 * Double(dimension)
        let g = unit / (1 - unit) + 0x1p-17
        let chunk = 2048
        vectors.withUnsafeBufferPointer { source in
            mean.withUnsafeBufferPointer { centre in
                copy.codes.withUnsafeMutableBufferPointer { packed in
                    copy.scales.withUnsafeMutableBufferPointer { s in
                        copy.residuals.withUnsafeMutableBufferPointer { r in
                            copy.codeTerms.withUnsafeMutableBufferPointer { c in
                                nonisolated(unsafe) let (input, m, output) = (source, centre, packed)
                                nonisolated(unsafe) let (scale, residual, code) = (s, r, c)
                                ParallelWork.forEach((added + chunk - 1) / chunk, threads: threads) { c in
                                    var encoder = RowEncoder(dimension: dimension, blocks: blocks)
                                    for row in start + c * chunk..<min(newCount, start + (c + 1) * chunk) {
                                        let terms = encoder.encode(
                                            input.baseAddress! + row * dimension, mean: m.baseAddress!,
                                            meanNorm: meanNorm, g: g, into: output.baseAddress! + row * blocks * 8)
                                        scale[row] = terms.scale
                                        residual[row] = terms.residual
                                        code[row] = terms.code
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        copy.count = newCount
        return copy
    }

    /// Bytes held: codes, row terms and the mean.
    var byteCount: Int {
        codes.count * 2 + (scales.count + residuals.count + codeTerms.count + mean.count) * 4
    }

    /// Position of value `j` in a row's lanes: `(lane, nibble)`.
    @inline(__always)
    static func laneIndex(_ j: Int) -> (lane: Int, nibble: Int) {
        let block = j / blockWidth
        let within = j % blockWidth
        return (block * 8 + within % 8, within / 8)
    }

    /// The smallest `Float` not below `x`.
    static func roundedUp(_ x: Double) -> Float {
        let f = Float(x)
        return Double(f) >= x ? f : f.nextUp
    }

    /// Column means, summed in `Double` per chunk of rows.
    private static func columnMean(_ vectors: [Float], dimension: Int, count: Int, threads: Int) -> [Float] {
        let chunk = 16_384
        let chunks = (count + chunk - 1) / chunk
        var partial = [Double](repeating: 0, count: chunks * dimension)
        vectors.withUnsafeBufferPointer { source in
            partial.withUnsafeMutableBufferPointer { sums in
                nonisolated(unsafe) let (input, output) = (source, sums)
                ParallelWork.forEach(chunks, threads: threads) { c in
                    let sum = output.baseAddress! + c * dimension
                    for row in c * chunk..<min(count, (c + 1) * chunk) {
                        let base = input.baseAddress! + row * dimension
                        for j in 0..<dimension { sum[j] += Double(base[j]) }
                    }
                }
            }
        }
        var mean = [Float](repeating: 0, count: dimension)
        for j in 0..<dimension {
            var sum = 0.0
            for c in 0..<chunks { sum += partial[c * dimension + j] }
            mean[j] = Float(sum / Double(count))
        }
        return mean
    }
}

/// Quantizes one row at a time (scratch buffer reused across rows), eight values per step.
private struct RowEncoder {
    typealias Lanes = SIMD8<Float>
    /// Scale candidates, as fractions of `max|w| / 8` (1 covers the row without clipping).
    static let fractions: [Float] = [1, 0.85, 0.7, 0.55]
    /// Adding 1.5·2²³ rounds a small float to an integer held in the low mantissa bits.
    static let magic = Lanes(repeating: 12_582_912)
    let dimension: Int
    let blocks: Int
    /// The centred row, zero-padded to `blocks × 32`.
    var centred: [Float]

    init(dimension: Int, blocks: Int) {
        self.dimension = dimension
        self.blocks = blocks
        centred = [Float](repeating: 0, count: blocks * QuantizedRows.blockWidth)
    }

    /// Writes the row's codes and returns its error terms.
    ///
    /// All sums run in `Float`; the returned terms are upper bounds all the same. With `u = 2⁻²⁴`: a sum of `d`
    /// squares is within `γ_d` of its value (relative), and each residual value `fl(fl(v − m) − fl(s·l))` is within
    /// `2.01u·(|v| + |m| + |s·l|)` of `(v − m) − s·l`, so the computed residual vector is within
    /// `2⁻²²·(‖v‖ + ‖m‖ + ‖ŵ‖)` of the true one (triangle inequality). `d·2⁻¹⁴⁰` covers underflow.
    mutating func encode(
        _ row: UnsafePointer<Float>, mean: UnsafePointer<Float>, meanNorm: Double, g: Double,
        into lanes: UnsafeMutablePointer<UInt16>
    ) -> QuantizedRows.RowTerms {
        let d = dimension
        let rowRaw = UnsafeRawPointer(row)
        let meanRaw = UnsafeRawPointer(mean)
        var maxima = Lanes()
        var squares = Lanes()
        var j = 0
        centred.withUnsafeMutableBufferPointer { buffer in
            let out = UnsafeMutableRawPointer(buffer.baseAddress!)
            while j + 8 <= d {
                let v = rowRaw.loadUnaligned(fromByteOffset: j * 4, as: Lanes.self)
                let c = v - meanRaw.loadUnaligned(fromByteOffset: j * 4, as: Lanes.self)
                out.storeBytes(of: c, toByteOffset: j * 4, as: Lanes.self)
                let magnitude = c.replacing(with: -c, where: c .< 0)
                maxima.replace(with: magnitude, where: magnitude .> maxima)
                squares += v * v
                j += 8
            }
        }
        var maximum = maxima.max()
        var rowSquares = squares.sum()
        while j < d {
            centred[j] = row[j] - mean[j]
            maximum = max(maximum, abs(centred[j]))
            rowSquares += row[j] * row[j]
            j += 1
        }
        var scale: Float = 0
        if maximum > 0, maximum.isFinite {
            var best = Float.infinity
            for fraction in Self.fractions {
                let s = fraction * maximum / 8
                let error = squaredError(scale: s)
                if error < best {
                    best = error
                    scale = s
                }
            }
        }
        // Any codes would do: the bound uses the residual of the codes actually stored.
        let inverse = Lanes(repeating: scale > 0 ? 1 / scale : 0)
        let step = Lanes(repeating: scale)
        var residual = Lanes()
        var codeSquares = Lanes()
        let width = QuantizedRows.blockWidth
        centred.withUnsafeBufferPointer { buffer in
            let raw = UnsafeRawPointer(buffer.baseAddress!)
            for b in 0..<blocks {
                var packed = SIMD8<Int32>()
                for k in 0..<4 {
                    let start = b * width + 8 * k
                    let c = raw.loadUnaligned(fromByteOffset: start * 4, as: Lanes.self)
                    var (n, level) = Self.levels(c * inverse)
                    if start + 8 > d {
                        let padding = Self.lane .>= Int32(clamping: d - start)
                        n.replace(with: 0, where: padding)
                        level.replace(with: 0, where: padding)
                    }
                    packed |= (n & 0xF) &<< Int32(4 * k)
                    let r = c - step * level
                    residual += r * r
                    codeSquares += level * level
                }
                for i in 0..<8 { lanes[b * 8 + i] = UInt16(truncatingIfNeeded: packed[i]) }
            }
        }
        let unit = 0x1p-24 * Double(d)
        let gamma = 1 + unit / (1 - unit)
        let rowNorm = (Double(rowSquares) * gamma).squareRoot() * (1 + 0x1p-50)
        let codeNorm = Double(scale) * (Double(codeSquares.sum()) * gamma).squareRoot() * (1 + 0x1p-50)
        let r =
            (Double(residual.sum()) * gamma).squareRoot() + 0x1p-22 * (rowNorm + meanNorm + codeNorm)
            + Double(d) * 0x1p-140
        let n = rowNorm + meanNorm + r
        return QuantizedRows.RowTerms(
            scale: scale,
            residual: QuantizedRows.roundedUp(r + g * n),
            code: QuantizedRows.roundedUp(codeNorm + g * n))
    }

    /// Lane numbers 0…7.
    static let lane = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)

    /// Codes `n ≈ ⌊x⌋` in `[−8, 7]` for `x = w / s` (round to nearest of `x − ½`; NaN, from a non-finite row,
    /// fails the comparisons and becomes −8).
    /// Also returns `n + ½` as floats (0 where a row value is past the dimension is up to the caller).
    @inline(__always)
    static func levels(_ x: Lanes) -> (codes: SIMD8<Int32>, levels: Lanes) {
        var y = x - Lanes(repeating: 0.5)
        y.replace(with: -8, where: .!(y .>= Lanes(repeating: -8)))
        y.replace(with: 7, where: y .> Lanes(repeating: 7))
        let shifted = y + magic
        return (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000, (shifted - magic) + 0.5)
    }

    /// `Σ (w − s·(n + ½))²` in Float over the real values, to compare scale candidates.
    private func squaredError(scale s: Float) -> Float {
        let inverse = Lanes(repeating: 1 / s)
        let step = Lanes(repeating: s)
        var total = Lanes()
        centred.withUnsafeBufferPointer { row in
            let raw = UnsafeRawPointer(row.baseAddress!)
            var j = 0
            while j < dimension {
                let x = raw.loadUnaligned(fromByteOffset: j * 4, as: Lanes.self)
                var e = x - step * Self.levels(x * inverse).levels
                // Padding past the row is not part of the error.
                if j + 8 > dimension { e.replace(with: 0, where: Self.lane .>= Int32(dimension - j)) }
                total += e * e
                j += 8
            }
        }
        return total.sum()
    }
}
