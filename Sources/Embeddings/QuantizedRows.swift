/// An 8-bit copy of a row-major float matrix, used to skip rows that cannot reach a query's top k.
///
/// Row `r` is stored as `q = round(v / s)` with `s = max|v| / 90` (so four products of two such values fit an
/// `Int16`, letting the SIMD dot product widen to 32 bits only every fourth product). For a query quantized the
/// same way (`u = t·(p + e)`), the exact dot product differs from `s·t·(q·p)` by at most
/// `s·t·(½Σ|q| + ½Σ|p| + ¼d)`; `VectorIndex` keeps every row whose upper bound reaches the k-th best lower
/// bound and rescores those rows in `Float`, so the result is exact while a scan reads a quarter of the bytes.
struct QuantizedRows: Sendable {
    static let range: Float = 90
    /// Rows are zero-padded to a multiple of this many values (one unrolled step of the dot product).
    static let step = 32

    let dimension: Int
    let paddedDimension: Int
    let count: Int
    /// `count × paddedDimension` quantized values.
    let values: [Int8]
    /// Per row: the scale `s`.
    let scales: [Float]
    /// Per row: `s · ½Σ|q|`, the row's share of the error bound before multiplying by the query's scale.
    let slacks: [Float]
    /// Per row: the Euclidean norm, to bound `Float` rounding in the rescoring.
    let norms: [Float]

    init(vectors: [Float], dimension: Int, count: Int, threads: Int) {
        let padded = (dimension + Self.step - 1) / Self.step * Self.step
        var values = [Int8](repeating: 0, count: count * padded)
        var scales = [Float](repeating: 0, count: count)
        var slacks = [Float](repeating: 0, count: count)
        var norms = [Float](repeating: 0, count: count)
        let chunk = 4096
        vectors.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { v in
                scales.withUnsafeMutableBufferPointer { s in
                    slacks.withUnsafeMutableBufferPointer { e in
                        norms.withUnsafeMutableBufferPointer { n in
                            nonisolated(unsafe) let (input, quantized, scale, slack, norm) = (source, v, s, e, n)
                            ParallelWork.forEach((count + chunk - 1) / chunk, threads: threads) { c in
                                for row in c * chunk..<min(count, (c + 1) * chunk) {
                                    let base = row * dimension
                                    var maximum: Float = 0
                                    var squares: Float = 0
                                    for j in 0..<dimension {
                                        maximum = max(maximum, abs(input[base + j]))
                                        squares += input[base + j] * input[base + j]
                                    }
                                    let s = maximum / Self.range
                                    let inverse = s > 0 ? 1 / s : 0
                                    var l1: Float = 0
                                    for j in 0..<dimension {
                                        let q = (input[base + j] * inverse).rounded().clamped(-Self.range, Self.range)
                                        quantized[row * padded + j] = Int8(q)
                                        l1 += abs(q)
                                    }
                                    scale[row] = s
                                    slack[row] = s * 0.5 * l1
                                    norm[row] = squares.squareRoot()
                                }
                            }
                        }
                    }
                }
            }
        }
        self.dimension = dimension
        self.paddedDimension = padded
        self.count = count
        self.values = values
        self.scales = scales
        self.slacks = slacks
        self.norms = norms
    }

    /// `Σ q[j]·p[j]` for a quantized row and a query from `queryLayout` (both `paddedDimension` long).
    ///
    /// Written for plain SSE2 (the default x86-64 target): 16 row bytes load as eight `Int16` lanes whose
    /// arithmetic shifts give the even and the odd bytes, multiplied by the query's even and odd halves; a lane
    /// takes four products (≤ 4 · 90² = 32 400, inside `Int16`) before being widened the same way into `Int32`.
    @inline(__always)
    static func dot(_ row: UnsafeRawPointer, _ query: UnsafeRawPointer, paddedDimension: Int) -> Int32 {
        typealias Short = SIMD8<Int16>
        var total = SIMD4<Int32>()
        var j = 0
        while j < paddedDimension {
            var partial = Short()
            for block in 0..<2 {
                let offset = j + 16 * block
                let bytes = row.loadUnaligned(fromByteOffset: offset, as: Short.self)
                let even = (bytes &<< 8) &>> 8
                let odd = bytes &>> 8
                partial &+= even &* query.loadUnaligned(fromByteOffset: offset * 2, as: Short.self)
                partial &+= odd &* query.loadUnaligned(fromByteOffset: offset * 2 + 16, as: Short.self)
            }
            let words = unsafeBitCast(partial, to: SIMD4<Int32>.self)
            total &+= (words &<< 16) &>> 16
            total &+= words &>> 16
            j += Self.step
        }
        return total.wrappedSum()
    }

    /// A quantized query laid out for `dot`: per 16 values, the 8 even-indexed then the 8 odd-indexed ones.
    static func queryLayout(_ values: [Int16], paddedDimension: Int) -> [Int16] {
        var laid = [Int16](repeating: 0, count: paddedDimension)
        for j in 0..<min(values.count, paddedDimension) {
            let block = j / 16 * 16
            let within = j % 16
            laid[block + (within % 2) * 8 + within / 2] = values[j]
        }
        return laid
    }
}

extension Float {
    @inline(__always)
    fileprivate func clamped(_ lower: Float, _ upper: Float) -> Float {
        Swift.min(Swift.max(self, lower), upper)
    }
}
