@testable import Insights

/// Synthetic unit vectors with a known cluster structure.
enum Fixtures {
    /// `clusters` well-separated blobs in `dimension` dimensions: each centre is a random unit vector, each
    /// point the centre plus Gaussian-ish noise of scale `spread`, renormalised. Returns vectors and labels.
    static func blobs(clusters: Int, perCluster: Int, dimension: Int, spread: Float = 0.05, seed: UInt64 = 7)
        -> (vectors: [Float], labels: [Int])
    {
        var generator = SplitMix64(seed: seed)
        let centres = (0..<clusters).map { _ in unit((0..<dimension).map { _ in gaussian(&generator) }) }
        var vectors: [Float] = []
        var labels: [Int] = []
        for point in 0..<(clusters * perCluster) {
            let cluster = point % clusters
            vectors += unit(centres[cluster].map { $0 + spread * gaussian(&generator) })
            labels.append(cluster)
        }
        return (vectors, labels)
    }

    /// A standard normal sample (sum of uniforms, good enough for fixtures).
    static func gaussian(_ generator: inout SplitMix64) -> Float {
        var sum: Float = 0
        for _ in 0..<12 { sum += Float.random(in: 0..<1, using: &generator) }
        return sum - 6
    }

    static func unit(_ v: [Float]) -> [Float] {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? v.map { $0 / norm } : v
    }
}
