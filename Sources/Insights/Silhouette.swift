/// Mean silhouette coefficient (Rousseeuw 1987) with cosine distance `1 − cos`, on the given rows only.
enum Silhouette {
    /// `points` are `n × d` unit rows; `labels` their clusters in `0..<k`. Singleton clusters score 0.
    static func mean(_ points: [Float], count n: Int, dimension d: Int, labels: [Int32], k: Int) -> Double {
        guard n > 1, k > 1 else { return 0 }
        var similarity = [Float](repeating: 0, count: n * n)
        points.withUnsafeBufferPointer { p in
            similarity.withUnsafeMutableBufferPointer { s in
                guard let pBase = p.baseAddress, let sBase = s.baseAddress else { return }
                Gemm.similarities(pBase, rows: n, pBase, rows: n, dimension: d, into: sBase)
            }
        }
        var sizes = [Int](repeating: 0, count: k)
        for label in labels { sizes[Int(label)] += 1 }
        var total = 0.0
        var sums = [Double](repeating: 0, count: k)
        for i in 0..<n {
            for c in 0..<k { sums[c] = 0 }
            for j in 0..<n where j != i { sums[Int(labels[j])] += Double(1 - similarity[i * n + j]) }
            let own = Int(labels[i])
            guard sizes[own] > 1 else { continue }
            let a = sums[own] / Double(sizes[own] - 1)
            var b = Double.infinity
            for c in 0..<k where c != own && sizes[c] > 0 { b = min(b, sums[c] / Double(sizes[c])) }
            guard b.isFinite else { continue }
            total += (b - a) / max(a, b, 1e-12)
        }
        return total / Double(n)
    }
}
