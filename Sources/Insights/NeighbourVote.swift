/// k-nearest-neighbour class probabilities over L2-normalised vectors: each of the `k` most similar training
/// vectors votes for its class with weight `exp((similarity − 1) / temperature)`.
public struct NeighbourVote: Codable, Sendable, Equatable {
    /// Number of classes.
    public let classCount: Int
    /// Length of every vector.
    public let dimension: Int
    /// Neighbours that vote.
    public let k: Int
    /// Softness of the vote: small values let the nearest neighbour dominate.
    public let temperature: Float
    /// The training vectors, `labels.count × dimension`, row-major.
    public let vectors: PackedFloats
    /// The class of every training vector.
    public let labels: [Int]

    /// Keeps the training vectors (they should be L2-normalised, as embeddings are).
    public init(vectors: [Float], labels: [Int], dimension: Int, classCount: Int, k: Int = 10,
                temperature: Float = 0.02) {
        precondition(vectors.count == labels.count * dimension, "NeighbourVote: sizes differ")
        self.classCount = classCount
        self.dimension = dimension
        self.k = max(1, k)
        self.temperature = temperature
        self.vectors = PackedFloats(vectors)
        self.labels = labels
    }

    /// Class probabilities of `count` query rows, `count × classCount`.
    public func probabilities(queries: [Float], count: Int) -> [Float] {
        probabilities(similarities: similarities(queries: queries, count: count), count: count, temperature: temperature)
    }

    /// Cosine similarities of every query to every training vector, `count × labels.count`.
    func similarities(queries: [Float], count: Int) -> [Float] {
        precondition(queries.count == count * dimension, "NeighbourVote: expected \(count) × \(dimension) queries")
        let n = labels.count
        var result = [Float](repeating: 0, count: count * n)
        let train = vectors.values
        queries.withUnsafeBufferPointer { q in
            train.withUnsafeBufferPointer { t in
                result.withUnsafeMutableBufferPointer { r in
                    Gemm.similarities(q.baseAddress!, rows: count, t.baseAddress!, rows: n, dimension: dimension,
                                      into: r.baseAddress!)
                }
            }
        }
        return result
    }

    /// Votes from precomputed similarities (so cross-validation can try several temperatures cheaply).
    func probabilities(similarities: [Float], count: Int, temperature: Float) -> [Float] {
        let n = labels.count
        var result = [Float](repeating: 0, count: count * classCount)
        guard n > 0 else { return result }
        let take = min(k, n)
        for row in 0..<count {
            // Partial selection of the `take` largest similarities.
            var best: [(similarity: Float, index: Int)] = []
            best.reserveCapacity(take + 1)
            for j in 0..<n {
                let s = similarities[row * n + j]
                if best.count < take || s > best[best.count - 1].similarity {
                    var position = best.count
                    while position > 0 && best[position - 1].similarity < s { position -= 1 }
                    best.insert((s, j), at: position)
                    if best.count > take { best.removeLast() }
                }
            }
            var total: Float = 0
            for (s, j) in best {
                let vote = expf((s - 1) / temperature)
                result[row * classCount + labels[j]] += vote
                total += vote
            }
            if total > 0 {
                for c in 0..<classCount { result[row * classCount + c] /= total }
            } else {
                result[row * classCount + labels[best[0].index]] = 1
            }
        }
        return result
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
