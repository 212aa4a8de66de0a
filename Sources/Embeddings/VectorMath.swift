/// Dot products, norms and cosine similarity over `Float` vectors, vectorised with `SIMD16<Float>`.
public enum VectorMath {
    /// `Σ a[i]·b[i]` over the common length of `a` and `b`.
    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                guard let p = x.baseAddress, let q = y.baseAddress else { return 0 }
                return dot(p, q, count: min(x.count, y.count))
            }
        }
    }

    /// Cosine similarity of `a` and `b`; 0 when either is the zero vector.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        let denominator = (dot(a, a) * dot(b, b)).squareRoot()
        return denominator > 0 ? dot(a, b) / denominator : 0
    }

    /// `a` scaled to unit length (unchanged when it is the zero vector).
    public static func normalized(_ a: [Float]) -> [Float] {
        let norm = dot(a, a).squareRoot()
        guard norm > 0 else { return a }
        let scale = 1 / norm
        return a.map { $0 * scale }
    }

    /// `Σ a[i]·b[i]` for `count` elements at raw pointers (16 lanes, four accumulators' worth of ILP).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        typealias Lanes = SIMD16<Float>
        let x = UnsafeRawPointer(a)
        let y = UnsafeRawPointer(b)
        var s0 = Lanes()
        var s1 = Lanes()
        var i = 0
        while i + 32 <= count {
            s0 +=
                x.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self)
                * y.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self)
            s1 +=
                x.loadUnaligned(fromByteOffset: (i + 16) * 4, as: Lanes.self)
                * y.loadUnaligned(fromByteOffset: (i + 16) * 4, as: Lanes.self)
            i += 32
        }
        if i + 16 <= count {
            s0 +=
                x.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self)
                * y.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self)
            i += 16
        }
        var sum = (s0 + s1).sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// `dot(rows[r], b, count:)` for four rows at once, bit for bit the same sums as `dot` (same lanes, same
    /// order); interleaving the four rows keeps more cache misses in flight when the rows are scattered.
    @inline(__always)
    static func dot4(
        _ rows: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
        _ b: UnsafePointer<Float>, count: Int
    ) -> SIMD4<Float> {
        typealias Lanes = SIMD16<Float>
        let y = UnsafeRawPointer(b)
        let x = (UnsafeRawPointer(rows.0), UnsafeRawPointer(rows.1), UnsafeRawPointer(rows.2), UnsafeRawPointer(rows.3))
        var first = (Lanes(), Lanes(), Lanes(), Lanes())
        var second = (Lanes(), Lanes(), Lanes(), Lanes())
        var i = 0
        while i + 32 <= count {
            let q0 = y.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self)
            let q1 = y.loadUnaligned(fromByteOffset: (i + 16) * 4, as: Lanes.self)
            first.0 += x.0.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self) * q0
            first.1 += x.1.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self) * q0
            first.2 += x.2.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self) * q0
            first.3 += x.3.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self) * q0
            second.0 += x.0.loadUnaligned(fromByteOffset: (i + 16) * 4, as: Lanes.self) * q1
            second.1 += x.1.loadUnaligned(fromByteOffset: (i + 16) * 4, as: Lanes.self) * q1
            second.2 += x.2.loadUnaligned(fromByteOffset: (i + 16) * 4, as: Lanes.self) * q1
            second.3 += x.3.loadUnaligned(fromByteOffset: (i + 16) * 4, as: Lanes.self) * q1
            i += 32
        }
        if i + 16 <= count {
            let q0 = y.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self)
            first.0 += x.0.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self) * q0
            first.1 += x.1.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self) * q0
            first.2 += x.2.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self) * q0
            first.3 += x.3.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self) * q0
            i += 16
        }
        var sums = SIMD4(
            (first.0 + second.0).sum(), (first.1 + second.1).sum(), (first.2 + second.2).sum(),
            (first.3 + second.3).sum())
        while i < count {
            sums[0] += rows.0[i] * b[i]
            sums[1] += rows.1[i] * b[i]
            sums[2] += rows.2[i] * b[i]
            sums[3] += rows.3[i] * b[i]
            i += 1
        }
        return sums
    }
}
