/// A deterministic 2D map of the clusters for a scatter plot.
///
/// The centroids are projected on the two leading principal axes of the size-weighted centroids (power
/// iteration from a fixed start, so the map is reproducible), refined by a few iterations of stress
/// majorisation (SMACOF) toward their cosine distances, and scaled into `[0, 1]²`. Sampled points are placed
/// at their centroid plus their own principal-axis offset, scaled the same way.
public struct ClusterLayout: Sendable, Equatable {
    /// `(x, y)` of every cluster, in `[0, 1]`.
    public var centroids: [SIMD2<Float>]
    /// `(x, y)` of every sampled point.
    public var points: [SIMD2<Float>]
    /// Input indices of the sampled points.
    public var pointIndices: [Int]

    /// A layout with explicit positions.
    public init(centroids: [SIMD2<Float>], points: [SIMD2<Float>], pointIndices: [Int]) {
        self.centroids = centroids
        self.points = points
        self.pointIndices = pointIndices
    }

    /// Lays out `sizes.count` centroids and up to `sample` points of `vectors` (`count × dimension`).
    public static func build(
        centroids: [Float], sizes: [Int], dimension d: Int, vectors: [Float], count n: Int, assignments: [Int],
        sample: Int, seed: UInt64
    ) -> ClusterLayout {
        let k = sizes.count
        guard k > 0, d > 0 else { return ClusterLayout(centroids: [], points: [], pointIndices: []) }
        let total = Float(max(1, sizes.reduce(0, +)))
        var mean = [Float](repeating: 0, count: d)
        for c in 0..<k { for j in 0..<d { mean[j] += centroids[c * d + j] * Float(sizes[c]) / total } }
        let axes = principalAxes(centroids, count: k, dimension: d, mean: mean, weights: sizes.map(Float.init))
        func project(_ row: ArraySlice<Float>) -> SIMD2<Float> {
            var p = SIMD2<Float>(0, 0)
            for (j, value) in row.enumerated() {
                p.x += (value - mean[j]) * axes[0][j]
                p.y += (value - mean[j]) * axes[1][j]
            }
            return p
        }
        var positions = (0..<k).map { project(centroids[$0 * d..<($0 + 1) * d]) }
        positions = StressMajorisation.refine(positions, centroids: centroids, dimension: d, iterations: 30)
        var generator = SplitMix64(seed: seed)
        let indices = n > 0 && assignments.count == n ? generator.sample(min(sample, n), from: n) : []
        var points = indices.map { i -> SIMD2<Float> in
            let c = assignments[i]
            let offset = project(vectors[i * d..<(i + 1) * d]) - project(centroids[c * d..<(c + 1) * d])
            return positions[c] + 0.5 * offset
        }
        var low = positions.reduce(SIMD2<Float>(repeating: .infinity)) { pointwiseMin($0, $1) }
        var high = positions.reduce(SIMD2<Float>(repeating: -.infinity)) { pointwiseMax($0, $1) }
        for p in points { low = pointwiseMin(low, p); high = pointwiseMax(high, p) }
        let span = max(high.x - low.x, high.y - low.y, 1e-6)
        let centre = (low + high) / 2
        func scale(_ p: SIMD2<Float>) -> SIMD2<Float> { (p - centre) / span + SIMD2(0.5, 0.5) }
        positions = positions.map(scale)
        points = points.map(scale)
        return ClusterLayout(centroids: positions, points: points, pointIndices: indices)
    }

    /// The two leading eigenvectors of the weighted covariance of the rows, by power iteration with deflation.
    static func principalAxes(_ rows: [Float], count k: Int, dimension d: Int, mean: [Float], weights: [Float]) -> [[Float]] {
        var axes: [[Float]] = []
        for axisIndex in 0..<2 {
            var v = (0..<d).map { j in Float(1) / Float(j + 1 + axisIndex) }
            for _ in 0..<100 {
                var next = [Float](repeating: 0, count: d)
                for c in 0..<k {
                    var dot: Float = 0
                    for j in 0..<d { dot += (rows[c * d + j] - mean[j]) * v[j] }
                    for j in 0..<d { next[j] += weights[c] * dot * (rows[c * d + j] - mean[j]) }
                }
                for axis in axes {
                    let dot = zip(next, axis).reduce(0) { $0 + $1.0 * $1.1 }
                    for j in 0..<d { next[j] -= dot * axis[j] }
                }
                let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 0 else { break }
                v = next.map { $0 / norm }
            }
            axes.append(v)
        }
        return axes
    }
}
