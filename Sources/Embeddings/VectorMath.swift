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
}
