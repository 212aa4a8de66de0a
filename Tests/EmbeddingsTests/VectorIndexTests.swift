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

    @Test(arguments: [
        (1, 5, false), (10, 1_000, false), (37, 60_123, false), (1, 5, true), (10, 3_000, true),
        (37, 60_123, true),
    ])
    func topKMatchesBruteForceSort(k: Int, count: Int, prefilter: Bool) throws {
        var generator = SystemRandomNumberGenerator()
        let dimension = 50  // not a multiple of the quantized step, to cover the padding
        var vectors = randomUnitVectors(count: count, dimension: dimension, generator: &generator)
        // Near-duplicates of row 0 make the top scores crowd together, the hard case for the prefilter bounds.
        for copy in 1..<min(count, 40) {
            for j in 0..<dimension { vectors[copy * 17 % count * dimension + j] = vectors[j] + Float(copy) * 1e-4 }
        }
        let index = VectorIndex(dimension: dimension, vectors: vectors, prefilter: prefilter)
        #expect(index.usesPrefilter == prefilter)
        for trial in 0..<4 {
            let query =
                trial == 0
                ? Array(vectors[0..<dimension])
                : randomUnitVectors(count: 1, dimension: dimension, generator: &generator)
            var expected: [SimilarityMatch] = []
            for row in 0..<count {
                let vector = Array(vectors[row * dimension..<(row + 1) * dimension])
                expected.append(SimilarityMatch(index: row, score: VectorMath.dot(query, vector)))
            }
            expected.sort { (a: SimilarityMatch, b: SimilarityMatch) -> Bool in
                a.score > b.score || (a.score == b.score && a.index < b.index)
            }
            let hits = try index.search(query, k: k)
            #expect(hits.count == min(k, count))
            #expect(hits.map { $0.index } == expected.prefix(k).map { $0.index })
            for (hit, truth) in zip(hits, expected) { #expect(abs(hit.score - truth.score) < 1e-5) }
        }
    }

    @Test func duplicatesSmallIndexesAndWrongLengths() throws {
        let index = VectorIndex(dimension: 2, vectors: [1, 0, 0, 1, 1, 0])
        #expect(try index.search([1, 0], k: 5).map(\.index) == [0, 2, 1])
        #expect(try index.search([1, 0], k: 0).isEmpty)
        #expect(try VectorIndex(dimension: 2, vectors: []).search([1, 0], k: 3).isEmpty)
        #expect(throws: EmbeddingsError.self) { try index.search([1, 0, 0], k: 1) }
        #expect(throws: EmbeddingsError.self) { try EmbeddingMatrix(count: 2, dimension: 3, values: [1, 2, 3]) }
        let zeroQuery = try VectorIndex(dimension: 2, vectors: [1, 0, 0, 1], prefilter: true).search([0, 0], k: 1)
        #expect(zeroQuery == [SimilarityMatch(index: 0, score: 0)])
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
