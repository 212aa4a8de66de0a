import CBLAS

/// Spherical k-means on L2-normalised vectors (cosine geometry): k-means++ seeding, several restarts keeping the
/// lowest inertia, Lloyd iterations whose point–centroid similarities are one `sgemm` per block of rows, and
/// centroids renormalised to the unit sphere after every update.
///
/// Above `miniBatchThreshold` points it switches to mini-batch k-means (Sculley 2010) followed by full
/// assignment passes, so memory and time stay linear in `n`. Results are deterministic for a `seed`.
public struct SphericalKMeans: Sendable {
    /// Number of clusters.
    public var k: Int
    /// Independent seedings; the run with the lowest inertia (sum of `1 − cos` to the own centroid) wins.
    public var restarts: Int
    /// Upper bound on Lloyd iterations per restart.
    public var maxIterations: Int
    /// Seed of the random number generator.
    public var seed: UInt64
    /// Above this many points, mini-batch k-means is used.
    public var miniBatchThreshold: Int
    /// Points per mini-batch.
    public var batchSize: Int

    /// A configuration; the defaults suit 10²–10⁶ points.
    public init(
        k: Int, restarts: Int = 3, maxIterations: Int = 60, seed: UInt64 = 1, miniBatchThreshold: Int = 50_000,
        batchSize: Int = 4096
    ) {
        self.k = k
        self.restarts = restarts
        self.maxIterations = maxIterations
        self.seed = seed
        self.miniBatchThreshold = miniBatchThreshold
        self.batchSize = batchSize
    }

    /// Clusters `count` rows of `dimension` floats (row-major, L2-normalised).
    /// - Returns: Centroids, assignments and inertia; `k` is clamped to `1...count`.
    public func fit(_ vectors: [Float], count n: Int, dimension d: Int) -> KMeansFit {
        precondition(vectors.count == n * d, "SphericalKMeans: vectors do not match count × dimension")
        return vectors.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, n > 0, d > 0 else {
                return KMeansFit(centroids: [], k: 0, dimension: d, assignments: [], similarities: [], inertia: 0)
            }
            return fit(base, count: n, dimension: d)
        }
    }

    func fit(_ points: UnsafePointer<Float>, count n: Int, dimension d: Int) -> KMeansFit {
        let k = max(1, min(self.k, n))
        var generator = SplitMix64(seed: seed)
        var best: KMeansFit?
        for _ in 0..<max(1, restarts) {
            var runGenerator = SplitMix64(seed: generator.next())
            let fit: KMeansFit
            if n > miniBatchThreshold {
                fit = miniBatch(points, count: n, dimension: d, k: k, generator: &runGenerator)
            } else {
                let start = KMeansSeeding.plusPlus(points, count: n, dimension: d, k: k, generator: &runGenerator)
                fit = lloyd(points, count: n, dimension: d, centroids: start, iterations: maxIterations)
            }
            if best == nil || fit.inertia < best?.inertia ?? .infinity { best = fit }
        }
        return best ?? KMeansFit(centroids: [], k: 0, dimension: d, assignments: [], similarities: [], inertia: 0)
    }

    /// Lloyd iterations from `centroids` until fewer than 0.1 % of the points change cluster.
    func lloyd(
        _ points: UnsafePointer<Float>, count n: Int, dimension d: Int, centroids start: [Float], iterations: Int
    ) -> KMeansFit {
        let k = start.count / d
        var centroids = start
        var labels = [Int32](repeating: -1, count: n)
        var similarities = [Float](repeating: 0, count: n)
        var previous = labels
        for iteration in 0...max(0, iterations) {
            KMeansFit.assign(points, count: n, dimension: d, centroids: centroids, labels: &labels, similarities: &similarities)
            var changed = 0
            for i in 0..<n where labels[i] != previous[i] { changed += 1 }
            if iteration == iterations || changed <= n / 1000 { break }
            previous = labels
            centroids = KMeansFit.means(points, count: n, dimension: d, k: k, labels: labels, similarities: similarities)
        }
        return KMeansFit(centroids: centroids, k: k, dimension: d, labels: labels, similarities: similarities)
    }
}

/// A k-means result.
public struct KMeansFit: Sendable {
    /// `k × dimension` unit-norm centroids, row-major.
    public var centroids: [Float]
    /// Number of centroids.
    public var k: Int
    /// Length of each centroid.
    public var dimension: Int
    /// The cluster of every point.
    public var assignments: [Int32]
    /// Cosine similarity of every point to its centroid.
    public var similarities: [Float]
    /// Sum over points of `1 − cos(point, centroid)`.
    public var inertia: Double

    init(centroids: [Float], k: Int, dimension: Int, assignments: [Int32], similarities: [Float], inertia: Double) {
        self.centroids = centroids
        self.k = k
        self.dimension = dimension
        self.assignments = assignments
        self.similarities = similarities
        self.inertia = inertia
    }

    init(centroids: [Float], k: Int, dimension: Int, labels: [Int32], similarities: [Float]) {
        let inertia = similarities.reduce(0.0) { $0 + Double(1 - $1) }
        self.init(
            centroids: centroids, k: k, dimension: dimension, assignments: labels, similarities: similarities,
            inertia: inertia)
    }

    /// Nearest centroid of every point (one parallel `sgemm` per block of rows).
    static func assign(
        _ points: UnsafePointer<Float>, count n: Int, dimension d: Int, centroids: [Float], labels: inout [Int32],
        similarities: inout [Float]
    ) {
        centroids.withUnsafeBufferPointer { c in
            labels.withUnsafeMutableBufferPointer { l in
                similarities.withUnsafeMutableBufferPointer { s in
                    guard let cBase = c.baseAddress, let lBase = l.baseAddress, let sBase = s.baseAddress else { return }
                    Gemm.nearest(
                        points: points, count: n, centroids: cBase, k: c.count / d, dimension: d, labels: lBase,
                        similarities: sBase)
                }
            }
        }
    }

    /// Renormalised member means; an empty cluster takes the point farthest from its own centroid.
    static func means(
        _ points: UnsafePointer<Float>, count n: Int, dimension d: Int, k: Int, labels: [Int32], similarities: [Float]
    ) -> [Float] {
        var sums = [Float](repeating: 0, count: k * d)
        var sizes = [Int](repeating: 0, count: k)
        sums.withUnsafeMutableBufferPointer { s in
            guard let base = s.baseAddress else { return }
            for i in 0..<n {
                let c = Int(labels[i])
                sizes[c] += 1
                cblas_saxpy(Int32(d), 1, points + i * d, 1, base + c * d, 1)
            }
        }
        let empty = (0..<k).filter { sizes[$0] == 0 }
        if !empty.isEmpty {
            let farthest = (0..<n).sorted { similarities[$0] < similarities[$1] }
            for (slot, cluster) in empty.enumerated() where slot < farthest.count {
                let point = farthest[slot]
                for j in 0..<d { sums[cluster * d + j] = points[point * d + j] }
            }
        }
        Gemm.normalizeRows(&sums, dimension: d)
        return sums
    }
}
