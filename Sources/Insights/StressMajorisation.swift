/// SMACOF stress majorisation (de Leeuw 1977) of 2D positions toward target distances, unit weights.
enum StressMajorisation {
    /// Moves `positions` so their distances approach the cosine distances between `centroids`, after
    /// scaling the targets to the starting layout's spread; deterministic for a given start.
    static func refine(_ positions: [SIMD2<Float>], centroids: [Float], dimension d: Int, iterations: Int)
        -> [SIMD2<Float>]
    {
        let k = positions.count
        guard k > 2 else { return positions }
        var target = [Float](repeating: 0, count: k * k)
        centroids.withUnsafeBufferPointer { c in
            target.withUnsafeMutableBufferPointer { t in
                guard let cBase = c.baseAddress, let tBase = t.baseAddress else { return }
                Gemm.similarities(cBase, rows: k, cBase, rows: k, dimension: d, into: tBase)
            }
        }
        for i in 0..<(k * k) { target[i] = max(0, 1 - target[i]) }
        var current = positions
        var distanceSum: Float = 0
        var targetSum: Float = 0
        for i in 0..<k {
            for j in 0..<k where i != j {
                distanceSum += simdLength(current[i] - current[j])
                targetSum += target[i * k + j]
            }
        }
        let scale = targetSum > 0 ? distanceSum / targetSum : 1
        for i in 0..<(k * k) { target[i] *= scale }
        for _ in 0..<iterations {
            // Guttman transform: x_i ← (1/k) Σ_j δ_ij / ‖x_i − x_j‖ · (x_i − x_j).
            var next = [SIMD2<Float>](repeating: .zero, count: k)
            for i in 0..<k {
                var sum = SIMD2<Float>.zero
                for j in 0..<k where j != i {
                    let difference = current[i] - current[j]
                    let length = simdLength(difference)
                    if length > 1e-9 { sum += target[i * k + j] / length * difference }
                }
                next[i] = sum / Float(k)
            }
            current = next
        }
        return current
    }

    static func simdLength(_ v: SIMD2<Float>) -> Float {
        (v.x * v.x + v.y * v.y).squareRoot()
    }
}
