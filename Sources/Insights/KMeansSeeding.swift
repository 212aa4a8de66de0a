import CBLAS

/// k-means++ seeding (Arthur & Vassilvitskii 2007) in cosine geometry, greedy variant: at each step
/// `2 + ln k` candidates are drawn with probability proportional to their distance `1 − cos` to the nearest
/// chosen centre (for unit vectors, half the squared Euclidean distance), and the one that lowers the total
/// distance most is kept. Large inputs are seeded from a uniform sample.
enum KMeansSeeding {
    /// Points used for seeding at most (a uniform sample above it).
    static func sampleSize(k: Int) -> Int { max(10_000, 40 * k) }

    /// `k × d` initial centres.
    static func plusPlus(
        _ points: UnsafePointer<Float>, count n: Int, dimension d: Int, k: Int, generator: inout SplitMix64
    ) -> [Float] {
        let indices = generator.sample(sampleSize(k: k), from: n)
        let m = indices.count
        var sample = [Float](repeating: 0, count: m * d)
        for (row, index) in indices.enumerated() {
            for j in 0..<d { sample[row * d + j] = points[index * d + j] }
        }
        var centres = [Float](repeating: 0, count: k * d)
        var distance = [Float](repeating: 2, count: m)
        let candidatesPerStep = 2 + Int(Double(k).squareRoot().squareRoot().rounded())
        var scratch = [Float](repeating: 0, count: candidatesPerStep * m)
        var candidateRows = [Float](repeating: 0, count: candidatesPerStep * d)
        sample.withUnsafeBufferPointer { s in
            guard let sBase = s.baseAddress else { return }
            for step in 0..<k {
                var candidates: [Int] = []
                let total = distance.reduce(0.0) { $0 + Double($1) }
                if step == 0 || total <= 0 {
                    candidates = [Int(generator.next() % UInt64(m))]
                } else {
                    for _ in 0..<candidatesPerStep {
                        var target = generator.unit() * total
                        var chosen = m - 1
                        for i in 0..<m {
                            target -= Double(distance[i])
                            if target < 0 { chosen = i; break }
                        }
                        candidates.append(chosen)
                    }
                }
                let c = candidates.count
                for (row, index) in candidates.enumerated() {
                    for j in 0..<d { candidateRows[row * d + j] = sBase[index * d + j] }
                }
                candidateRows.withUnsafeBufferPointer { cand in
                    scratch.withUnsafeMutableBufferPointer { out in
                        guard let cBase = cand.baseAddress, let oBase = out.baseAddress else { return }
                        Gemm.similarities(cBase, rows: c, sBase, rows: m, dimension: d, into: oBase)
                    }
                }
                var bestRow = 0
                var bestPotential = Double.infinity
                for row in 0..<c {
                    var potential = 0.0
                    for i in 0..<m { potential += Double(min(distance[i], max(0, 1 - scratch[row * m + i]))) }
                    if potential < bestPotential { bestPotential = potential; bestRow = row }
                }
                for i in 0..<m { distance[i] = min(distance[i], max(0, 1 - scratch[bestRow * m + i])) }
                for j in 0..<d { centres[step * d + j] = candidateRows[bestRow * d + j] }
            }
        }
        return centres
    }
}
