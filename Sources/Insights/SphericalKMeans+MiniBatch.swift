import CBLAS

extension SphericalKMeans {
    /// Mini-batch k-means (Sculley 2010) with per-centre learning rates `1 / count`, projected back to the
    /// sphere after each batch; then two full passes (assignment + mean update) so every point gets its exact
    /// nearest centroid and the centroids are true member means.
    func miniBatch(
        _ points: UnsafePointer<Float>, count n: Int, dimension d: Int, k: Int, generator: inout SplitMix64
    ) -> KMeansFit {
        var centroids = KMeansSeeding.plusPlus(points, count: n, dimension: d, k: k, generator: &generator)
        let b = max(1, min(batchSize, n))
        // About two passes over the data in sampled batches, bounded for very large inputs.
        let steps = max(20, min(400, 2 * n / b))
        var counts = [Int](repeating: 0, count: k)
        var batch = [Float](repeating: 0, count: b * d)
        var labels = [Int32](repeating: 0, count: b)
        var similarities = [Float](repeating: 0, count: b)
        for _ in 0..<steps {
            var members = [Int](repeating: 0, count: b)
            for row in 0..<b {
                let index = Int(generator.next() % UInt64(n))
                members[row] = index
                for j in 0..<d { batch[row * d + j] = points[index * d + j] }
            }
            batch.withUnsafeBufferPointer { p in
                guard let base = p.baseAddress else { return }
                KMeansFit.assign(base, count: b, dimension: d, centroids: centroids, labels: &labels, similarities: &similarities)
            }
            var touched = Set<Int>()
            centroids.withUnsafeMutableBufferPointer { c in
                guard let cBase = c.baseAddress else { return }
                for row in 0..<b {
                    let cluster = Int(labels[row])
                    counts[cluster] += 1
                    let rate = 1 / Float(counts[cluster])
                    cblas_sscal(Int32(d), 1 - rate, cBase + cluster * d, 1)
                    cblas_saxpy(Int32(d), rate, points + members[row] * d, 1, cBase + cluster * d, 1)
                    touched.insert(cluster)
                }
                for cluster in touched {
                    let norm = cblas_snrm2(Int32(d), cBase + cluster * d, 1)
                    if norm > 0 { cblas_sscal(Int32(d), 1 / norm, cBase + cluster * d, 1) }
                }
            }
        }
        return lloyd(points, count: n, dimension: d, centroids: centroids, iterations: 2)
    }
}
