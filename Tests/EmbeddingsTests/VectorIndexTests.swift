import Embeddings
import Foundation
import Testing

/// Exact top-k search against a brute-force sort, and the vector helpers.
@Suite struct VectorIndexTests {
    func randomUnitVectors(count: Int, dimension: Int, generator: inout some RandomNumberGenerator) -> [Float] {
        var values: [Float] = []
        for _ in 0..<count {
            let row = (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) }
            values += VectorMath.normalized(row)
        }
        return values
    }

    @Test(arguments: [(1, 5), (10, 1_000), (37, 60_123)])
    func topKMatchesBruteForceSort(k: Int, count: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let dimension = 48
        let vectors = randomUnitVectors(count: count, dimension: dimension, generator: &generator)
        let index = VectorIndex(dimension: dimension, vectors: vectors)
        for _ in 0..<3 {
            let query = randomUnitVectors(count: 1, dimension: dimension, generator: &generator)
            var expected: [SimilarityMatch] = []
            for row in 0..<count {
                let vector = Array(vectors[row * dimension..<(row + 1) * dimension])
                expected.append(SimilarityMatch(index: row, score: VectorMath.dot(query, vector)))
            }
            expected.sort { (a: SimilarityMatch, b: SimilarityMatch) -> Bool in
                a.score > b.score || (a.score == b.score && a.index < b.index)
            }
            let hits = index.search(query, k: k)
            #expect(hits.count == min(k, count))
            #expect(hits.map { $0.index } == expected.prefix(k).map { $0.index })
            for (hit, truth) in zip(hits, expected) { #expect(abs(hit.score - truth.score) < 1e-5) }
        }
    }

    @Test func duplicatesAndSmallIndexes() {
        let index = VectorIndex(dimension: 2, vectors: [1, 0, 0, 1, 1, 0])
        #expect(index.search([1, 0], k: 5).map(\.index) == [0, 2, 1])
        #expect(index.search([1, 0], k: 0).isEmpty)
        #expect(VectorIndex(dimension: 2, vectors: []).search([1, 0], k: 3).isEmpty)
    }

    @Test func dotAndCosine() {
        let a: [Float] = (0..<100).map { Float($0) / 10 }
        let b: [Float] = (0..<100).map { Float(100 - $0) / 7 }
        let expected = zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        #expect(abs(VectorMath.dot(a, b) - expected) / expected < 1e-5)
        #expect(abs(VectorMath.cosine(a, a) - 1) < 1e-6)
        #expect(VectorMath.cosine(a, [Float](repeating: 0, count: 100)) == 0)
        #expect(abs(VectorMath.dot(VectorMath.normalized(b), VectorMath.normalized(b)) - 1) < 1e-5)
    }
}
