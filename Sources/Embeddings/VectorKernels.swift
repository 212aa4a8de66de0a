/// SIMD kernels for the encoders: exp, erf, GELU, softmax, LayerNorm, bias addition.
///
/// All work on `SIMD8<Float>` lanes with a scalar tail, over raw pointers owned by the caller.
enum VectorKernels {
    typealias Lanes = SIMD8<Float>

    /// `e^x`, Cephes-style: `x = n·ln2 + r`, a degree-6 polynomial in `r`, scaled by `2^n` through the exponent.
    /// Relative error about 1 ulp on [-87, 88]; smaller inputs give (nearly) zero.
    @inline(__always)
    static func exp(_ input: Lanes) -> Lanes {
        // `replacing(with:where:)` compiles to compare + blend; `clamped` goes through a generic lane loop.
        var x0 = input.replacing(with: -87.0, where: input .< -87.0)
        x0.replace(with: 88.0, where: x0 .> 88.0)
        // Adding 1.5·2^23 rounds to the nearest integer and leaves it in the low mantissa bits.
        let magic = Lanes(repeating: 12_582_912.0)
        let shifted = x0 * Lanes(repeating: 1.442_695_04) + magic
        let n = shifted - magic
        var r = x0 - n * Lanes(repeating: 0.693_359_375)
        r = r + n * Lanes(repeating: 2.121_944_4e-4)
        var y = Lanes(repeating: 1.987_569_15e-4)
        y = y * r + Lanes(repeating: 1.398_199_95e-3)
        y = y * r + Lanes(repeating: 8.333_451_9e-3)
        y = y * r + Lanes(repeating: 4.166_579_59e-2)
        y = y * r + Lanes(repeating: 1.666_666_55e-1)
        y = y * r + Lanes(repeating: 5.000_000_12e-1)
        y = y * r * r + r + Lanes(repeating: 1)
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Lanes.self)
        return y * scale
    }

    /// `erf(x)` as a rational approximation (the one in Eigen and XLA), within a few ulp of `erff`.
    @inline(__always)
    static func erf(_ input: Lanes) -> Lanes {
        var x = input.replacing(with: -4, where: input .< -4)
        x.replace(with: 4, where: x .> 4)
        let x2 = x * x
        var p = x2 * Lanes(repeating: -2.726_142_258_013_06e-10) + Lanes(repeating: 2.770_681_424_959_02e-08)
        p = x2 * p + Lanes(repeating: -2.101_024_020_825_08e-06)
        p = x2 * p + Lanes(repeating: -5.692_506_394_623_46e-05)
        p = x2 * p + Lanes(repeating: -7.349_906_303_268_55e-04)
        p = x2 * p + Lanes(repeating: -2.954_599_808_540_25e-03)
        p = x2 * p + Lanes(repeating: -1.609_603_332_624_15e-02)
        p = x * p
        var q = x2 * Lanes(repeating: -1.456_607_184_649_96e-05) + Lanes(repeating: -2.133_740_552_789_05e-04)
        q = x2 * q + Lanes(repeating: -1.682_826_974_382_03e-03)
        q = x2 * q + Lanes(repeating: -7.373_329_167_204_68e-03)
        q = x2 * q + Lanes(repeating: -1.426_473_905_141_89e-02)
        return p / q
    }

    /// Adds `bias[j]` to column `j` of each of `rows` rows, then applies the exact-erf GELU in place:
    /// `0.5·x·(1 + erf(x/√2))` (BERT's "gelu").
    static func biasGELU(_ data: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>) {
        precondition(columns % 8 == 0, "biasGELU: columns must be a multiple of 8")
        let half = Lanes(repeating: 0.5)
        let invSqrt2 = Lanes(repeating: 0.707_106_77)
        let rawData = UnsafeMutableRawPointer(data)
        let rawBias = UnsafeRawPointer(bias)
        for row in 0..<rows {
            let base = row * columns
            var j = 0
            while j < columns {
                let x =
                    rawData.loadUnaligned(fromByteOffset: (base + j) * 4, as: Lanes.self)
                    + rawBias.loadUnaligned(fromByteOffset: j * 4, as: Lanes.self)
                let y = half * x * (Lanes(repeating: 1) + erf(x * invSqrt2))
                rawData.storeBytes(of: y, toByteOffset: (base + j) * 4, as: Lanes.self)
                j += 8
            }
        }
    }

    /// Copies `bias` into each of `rows` rows of `columns` floats.
    static func fillRows(
        _ data: UnsafeMutablePointer<Float>, rows: Int, columns: Int, with bias: UnsafePointer<Float>
    ) {
        for row in 0..<rows {
            (data + row * columns).update(from: bias, count: columns)
        }
    }

    /// Softmax of one row of `count` scores, in place.
    static func softmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(row)
        var maxima = Lanes(repeating: -Float.infinity)
        var m = 0
        while m + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: m * 4, as: Lanes.self)
            maxima.replace(with: v, where: v .> maxima)
            m += 8
        }
        var maximum = maxima.max()
        while m < count {
            maximum = max(maximum, row[m])
            m += 1
        }
        let shift = Lanes(repeating: maximum)
        var sum: Float = 0
        var j = 0
        while j + 8 <= count {
            let e = exp(raw.loadUnaligned(fromByteOffset: j * 4, as: Lanes.self) - shift)
            raw.storeBytes(of: e, toByteOffset: j * 4, as: Lanes.self)
            sum += e.sum()
            j += 8
        }
        if j < count {
            var tail = Lanes(repeating: -Float.infinity)
            for k in j..<count { tail[k - j] = row[k] }
            let e = exp(tail - shift)
            for k in j..<count {
                row[k] = e[k - j]
                sum += e[k - j]
            }
        }
        let scale = 1 / sum
        for k in 0..<count { row[k] *= scale }
    }

    /// LayerNorm of each row after adding `bias`: `(x + b − mean) / sqrt(var + eps) · gamma + beta`,
    /// with the biased variance of PyTorch's `LayerNorm`.
    static func biasLayerNorm(
        _ data: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>?,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        let count = Float(columns)
        for row in 0..<rows {
            let line = data + row * columns
            var sum: Float = 0
            if let bias {
                for j in 0..<columns {
                    line[j] += bias[j]
                    sum += line[j]
                }
            } else {
                for j in 0..<columns { sum += line[j] }
            }
            let mean = sum / count
            var squares: Float = 0
            for j in 0..<columns {
                let d = line[j] - mean
                squares += d * d
            }
            let scale = 1 / (squares / count + epsilon).squareRoot()
            for j in 0..<columns { line[j] = (line[j] - mean) * scale * gamma[j] + beta[j] }
        }
    }
}
