#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Automatic choice of `k`.
///
/// Criterion: candidate counts form a geometric grid (ratio `√2`) from `½·√(n/2)` to `4·√(n/2)` (the classic
/// `√(n/2)` rule of thumb as the centre, wide enough to hold the usual range of intents per conversation set);
/// each candidate clusters a uniform sample of the points and is scored by the mean silhouette, with cosine
/// distance, of up to `silhouetteSample` sampled points measured in `geometry` (the centred, unsmoothed
/// space, so the smoothing cannot flatter finer partitions). The best-scoring candidate wins. Nothing here
/// depends on a particular data set. The grid's best point is then refined in about eight steps between its
/// two neighbours.
struct ClusterCountSelection {
    var sampleSize = 6000
    var silhouetteSample = 2000
    var seed: UInt64

    /// The chosen `k` for `clustering` rows (what k-means sees) scored in `geometry` rows (same order, `n × d`).
    func choose(clustering: [Float], geometry: [Float], count n: Int, dimension d: Int) -> Int {
        let candidates = Self.candidates(count: n, sampleSize: min(n, sampleSize))
        guard candidates.count > 1 else { return candidates.first ?? 1 }
        var generator = SplitMix64(seed: seed)
        let rows = generator.sample(sampleSize, from: n)
        let scored = generator.sample(min(silhouetteSample, rows.count), from: rows.count)
        let sample = gather(clustering, rows: rows, dimension: d)
        let scoredGeometry = gather(geometry, rows: scored.map { rows[$0] }, dimension: d)
        var scores: [Int: Double] = [:]
        func score(_ k: Int) -> Double {
            if let known = scores[k] { return known }
            let kmeans = SphericalKMeans(k: k, restarts: 1, maxIterations: 15, seed: seed &+ UInt64(k))
            let fit = kmeans.fit(sample, count: rows.count, dimension: d)
            let labels = scored.map { fit.assignments[$0] }
            let value = Silhouette.mean(scoredGeometry, count: scored.count, dimension: d, labels: labels, k: fit.k)
            scores[k] = value
            return value
        }
        var best = (k: candidates[0], score: -Double.infinity)
        for k in candidates where score(k) > best.score { best = (k, score(k)) }
        // Refine between the best grid point's neighbours in about eight steps.
        if let index = candidates.firstIndex(of: best.k) {
            let low = candidates[max(0, index - 1)]
            let high = candidates[min(candidates.count - 1, index + 1)]
            for k in stride(from: low, through: high, by: max(1, (high - low) / 8)) where score(k) > best.score {
                best = (k, score(k))
            }
        }
        return best.k
    }

    /// The grid of candidate counts for `n` points, capped so each cluster has about 8 sampled points.
    static func candidates(count n: Int, sampleSize: Int) -> [Int] {
        guard n >= 4 else { return [1] }
        let centre = (Double(n) / 2).squareRoot()
        let cap = max(2, sampleSize / 8)
        var ks: [Int] = []
        for step in -2...4 {
            let k = min(cap, max(2, Int((centre * exp2(Double(step) / 2)).rounded())))
            if !ks.contains(k) { ks.append(k) }
        }
        return ks
    }

    private func gather(_ values: [Float], rows: [Int], dimension d: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows.count * d)
        for (row, index) in rows.enumerated() {
            for j in 0..<d { out[row * d + j] = values[index * d + j] }
        }
        return out
    }
}
