import Foundation
import Testing

@testable import Embeddings

/// The 4-bit prefilter: its answers equal a brute-force `Float` scan (indices, scores and tie order), its bound
/// holds row by row, and its kernels agree with plain arithmetic.
@Suite struct VectorIndexPrefilterTests {
    /// The shapes of data the bound finds easy or hard.
    enum Shape: String, CaseIterable, Sendable {
        /// Uniform random unit vectors: scores crowd near 0, the top k barely stands out.
        case random
        /// A few centres with copies at small distances: many rows score close to the top.
        case clustered
        /// Exact duplicates and copies differing in one value by 1e-6: ties and near-ties.
        case nearDuplicates
        /// Not normalised: magnitudes from 1e-12 to 1e12 (products underflow and grow large).
        case wideMagnitudes
    }

    static func matrix(_ shape: Shape, count: Int, dimension: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        var values = [Float](repeating: 0, count: count * dimension)
        func uniform() -> Float { Float.random(in: -1...1, using: &generator) }
        switch shape {
        case .random:
            for i in values.indices { values[i] = uniform() }
        case .clustered:
            let centres = (0..<5).map { _ in (0..<dimension).map { _ in uniform() } }
            for row in 0..<count {
                let spread = Float(row % 7) * 0.02
                for j in 0..<dimension { values[row * dimension + j] = centres[row % 5][j] + spread * uniform() }
            }
        case .nearDuplicates:
            let originals = max(1, count / 50)
            for row in 0..<originals { for j in 0..<dimension { values[row * dimension + j] = uniform() } }
            for row in originals..<count {
                let source = row % originals
                for j in 0..<dimension { values[row * dimension + j] = values[source * dimension + j] }
                if row % 2 == 0 { values[row * dimension + row % dimension] += 1e-6 }
            }
        case .wideMagnitudes:
            for row in 0..<count {
                let magnitude = Float(pow(10, Double(row % 25) - 12))
                for j in 0..<dimension { values[row * dimension + j] = uniform() * magnitude }
            }
        }
        if shape != .wideMagnitudes {
            for row in 0..<count {
                let normalized = VectorMath.normalized(Array(values[row * dimension..<(row + 1) * dimension]))
                values.replaceSubrange(row * dimension..<(row + 1) * dimension, with: normalized)
            }
        }
        return values
    }

    /// The top k by `VectorMath.dot` over all rows, best first, ties by lower index.
    static func bruteForce(_ vectors: [Float], dimension: Int, query: [Float], k: Int) -> [SimilarityMatch] {
        let count = vectors.count / dimension
        var all = vectors.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { q in
                (0..<count).map { row in
                    let vector = matrix.baseAddress! + row * dimension
                    return SimilarityMatch(index: row, score: VectorMath.dot(vector, q.baseAddress!, count: dimension))
                }
            }
        }
        all.sort { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }
        return Array(all.prefix(k))
    }

    @Test(arguments: Shape.allCases)
    func prefilteredSearchEqualsBruteForce(shape: Shape) throws {
        for (count, dimension, k) in [(17_001, 40, 10), (9_000, 7, 3), (2_099, 100, 200), (600, 33, 1_000)] {
            let vectors = Self.matrix(shape, count: count, dimension: dimension, seed: UInt64(count))
            let index = VectorIndex(dimension: dimension, vectors: vectors, threads: 2, prefilter: true)
            #expect(index.usesPrefilter)
            var generator = SeededGenerator(seed: 7)
            // A stored row, a perturbed stored row, and a fresh random direction.
            let row = Int.random(in: 0..<count, using: &generator)
            let stored = Array(vectors[row * dimension..<(row + 1) * dimension])
            let queries = [
                stored, stored.map { $0 + Float.random(in: -0.05...0.05, using: &generator) },
                (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) },
            ]
            for query in queries {
                let expected = Self.bruteForce(vectors, dimension: dimension, query: query, k: k)
                let hits = try index.search(query, k: k)
                #expect(hits == expected, "\(shape) count \(count) d \(dimension) k \(k)")
            }
        }
    }

    @Test func sameAnswerForAnyThreadCount() throws {
        // More rows than one chunk (8,192), so threads take several chunks each.
        let dimension = 24
        let vectors = Self.matrix(.clustered, count: 17_000, dimension: dimension, seed: 3)
        let query = Array(vectors[0..<dimension])
        let expected = Self.bruteForce(vectors, dimension: dimension, query: query, k: 25)
        for threads in [1, 2, 5] {
            let index = VectorIndex(dimension: dimension, vectors: vectors, threads: threads, prefilter: true)
            #expect(try index.search(query, k: 25) == expected, "threads \(threads)")
        }
    }

    /// Growing an index row batch by row batch answers like an index built over all rows at once.
    @Test func appendingAnswersLikeAFreshIndex() throws {
        let dimension = 36
        let vectors = Self.matrix(.clustered, count: 26_000, dimension: dimension, seed: 21)
        let query = Array(vectors[5 * dimension..<6 * dimension]).map { $0 + 0.01 }
        var index = VectorIndex(dimension: dimension, vectors: Array(vectors.prefix(9_000 * dimension)), threads: 2)
        #expect(!index.usesPrefilter)  // below 20,000 rows
        var rowsSoFar = 9_000
        for batch in [1, 2_999, 8_000, 6_000] {
            let added = Array(vectors[rowsSoFar * dimension..<(rowsSoFar + batch) * dimension])
            index = index.appending(added)
            rowsSoFar += batch
            #expect(index.count == rowsSoFar)
            #expect(index.usesPrefilter == (rowsSoFar >= 20_000))
            let fresh = VectorIndex(dimension: dimension, vectors: Array(vectors.prefix(rowsSoFar * dimension)))
            #expect(try index.search(query, k: 12) == fresh.search(query, k: 12), "after \(rowsSoFar) rows")
        }
        // Built at 20,000 rows, the codes keep that mean at 26,000 (no rebuild before 40,000).
        #expect(index.quantized?.meanRows == 20_000)
        #expect(try index.search(query, k: 12) == Self.bruteForce(vectors, dimension: dimension, query: query, k: 12))
        let start = Array(vectors.prefix(10_000 * dimension))
        let forced = VectorIndex(dimension: dimension, vectors: start, prefilter: true)
        let grown = forced.appending(Array(vectors[10_000 * dimension..<25_000 * dimension]))
        #expect(grown.quantized?.meanRows == 25_000)  // more than doubled: rebuilt
        #expect(try grown.search(query, k: 5) == Self.bruteForce(
            Array(vectors.prefix(25_000 * dimension)), dimension: dimension, query: query, k: 5))
    }

    /// A grown index holds its rows without slack: the server keeps one for as long as it runs, refreshed with a
    /// few rows every few seconds, and doubling buffers made it twice the size of its data (a soak test's RSS).
    @Test func appendingKeepsNoSpareCapacity() throws {
        let dimension = 36
        let vectors = Self.matrix(.clustered, count: 22_000, dimension: dimension, seed: 5)
        var index = VectorIndex(dimension: dimension, vectors: Array(vectors.prefix(19_990 * dimension)), threads: 1)
        for rows in stride(from: 19_990, to: 22_000, by: 10) {
            index = index.appending(Array(vectors[rows * dimension..<(rows + 10) * dimension]))
        }
        #expect(index.count == 22_000)
        let rows = try #require(index.quantized)
        // Spare elements past the rows (malloc rounds a block up by a little).
        let spare = [index.vectors.capacity - 22_000 * dimension, rows.codes.capacity - 22_000 * rows.blocks * 8,
                     rows.scales.capacity - 22_000, rows.residuals.capacity - 22_000, rows.codeTerms.capacity - 22_000]
        #expect(spare.allSatisfy { (0...1024).contains($0) }, "spare capacity \(spare)")
    }

    @Test func edgeCases() throws {
        let dimension = 40
        let vectors = Self.matrix(.random, count: 50, dimension: dimension, seed: 11)
        let index = VectorIndex(dimension: dimension, vectors: vectors, prefilter: true)
        let query = Array(vectors[dimension..<2 * dimension])
        // k above the count returns every row, in brute-force order.
        #expect(try index.search(query, k: 80) == Self.bruteForce(vectors, dimension: dimension, query: query, k: 80))
        #expect(try index.search(query, k: 0).isEmpty)
        // A zero query scores 0 everywhere: the first k rows.
        let zero = try index.search([Float](repeating: 0, count: dimension), k: 3)
        #expect(zero.map(\.index) == [0, 1, 2])
        #expect(zero.allSatisfy { $0.score == 0 })
        // A non-finite query does not trap.
        _ = try index.search([Float](repeating: .nan, count: dimension), k: 3)
        _ = try index.search([Float](repeating: .infinity, count: dimension), k: 3)
        #expect(throws: EmbeddingsError.self) { try index.search([1, 2], k: 1) }
        let empty = VectorIndex(dimension: dimension, vectors: [], prefilter: true)
        #expect(!empty.usesPrefilter)
        #expect(try empty.search(query, k: 5).isEmpty)
        // One-dimensional rows, and all-zero rows.
        let line = VectorIndex(dimension: 1, vectors: [3, -1, 0, 2, 3], prefilter: true)
        #expect(try line.search([1], k: 3).map(\.index) == [0, 4, 3])
        let zeros = VectorIndex(dimension: 3, vectors: [Float](repeating: 0, count: 30), prefilter: true)
        #expect(try zeros.search([1, 0, 0], k: 2) == [SimilarityMatch(index: 0, score: 0), .init(index: 1, score: 0)])
    }

    /// Every row's `Float` score lies within the slack of its estimate: the inequality the exactness proof rests on.
    @Test(arguments: Shape.allCases)
    func boundHoldsForEveryRow(shape: Shape) throws {
        let dimension = 70
        let count = 3_000
        let vectors = Self.matrix(shape, count: count, dimension: dimension, seed: 5)
        let rows = try #require(QuantizedRows(vectors: vectors, dimension: dimension, count: count, threads: 2))
        var generator = SeededGenerator(seed: 9)
        for _ in 0..<3 {
            let query = (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) }
            let probe = try #require(QuantizedQuery(query, rows: rows))
            var tightest: Float = .infinity
            for row in 0..<count {
                let dot = rows.codes.withUnsafeBytes { codes in
                    probe.values.withUnsafeBytes { values in
                        let codes = codes.baseAddress! + row * rows.blocks * 16
                        return NibbleKernel.dot(codes, values.baseAddress!, blocks: rows.blocks)
                    }
                }
                let estimate = probe.estimates(scales: SIMD4(repeating: rows.scales[row]), dots: SIMD4(repeating: dot))
                let slack = probe.slacks(
                    residuals: SIMD4(repeating: rows.residuals[row]), codeTerms: SIMD4(repeating: rows.codeTerms[row]))
                let score = VectorMath.dot(query, Array(vectors[row * dimension..<(row + 1) * dimension]))
                #expect(score <= estimate[0] + slack[0] && score >= estimate[0] - slack[0], "\(shape) row \(row)")
                tightest = min(tightest, slack[0] - abs(score - estimate[0]))
            }
            #expect(tightest >= 0)
        }
    }

    @Test func kernelsAgreeWithPlainArithmetic() throws {
        var generator = SeededGenerator(seed: 1)
        for blocks in [1, 3, 12] {
            let rowsCount = 4
            let lanes = (0..<rowsCount * blocks * 8).map { _ in UInt16.random(in: 0...UInt16.max, using: &generator) }
            let range = QuantizedQuery.queryRange(blocks: blocks)
            var query = (0..<blocks * 32).map { _ in Int16(Int.random(in: -range...range, using: &generator)) }
            query[0] = Int16(-range)
            var expected = [Int32](repeating: 0, count: rowsCount)
            for row in 0..<rowsCount {
                for j in 0..<blocks * 32 {
                    let (lane, nibble) = QuantizedRows.laneIndex(j)
                    let bits = Int32(lanes[row * blocks * 8 + lane] >> (4 * nibble) & 0xF)
                    expected[row] += (bits >= 8 ? bits - 16 : bits) * Int32(query[j])
                }
            }
            lanes.withUnsafeBytes { codes in
                query.withUnsafeBytes { q in
                    let base = codes.baseAddress!
                    let stride = blocks * 16
                    let four = NibbleKernel.dot4(base, stride: stride, q.baseAddress!, blocks: blocks)
                    for row in 0..<rowsCount {
                        let codes = base + row * stride
                        #expect(NibbleKernel.dot(codes, q.baseAddress!, blocks: blocks) == expected[row])
                        #expect(NibbleKernel.portableDot(codes, q.baseAddress!, blocks: blocks) == expected[row])
                        #expect(four[row] == expected[row])
                    }
                }
            }
        }
        // All codes −8 against all query values −P: the largest sums the 32-bit lanes must hold.
        let blocks = 12
        let range = QuantizedQuery.queryRange(blocks: blocks)
        let lanes = [UInt16](repeating: 0x8888, count: 4 * blocks * 8)
        let query = [Int16](repeating: Int16(-range), count: blocks * 32)
        lanes.withUnsafeBytes { codes in
            query.withUnsafeBytes { q in
                let four = NibbleKernel.dot4(codes.baseAddress!, stride: blocks * 16, q.baseAddress!, blocks: blocks)
                #expect(four == SIMD4(repeating: Int32(8 * range * blocks * 32)))
            }
        }
    }

    @Test func fourRowDotIsBitForBitTheSingleDot() {
        var generator = SeededGenerator(seed: 2)
        for count in [0, 1, 15, 16, 17, 31, 32, 33, 48, 50, 384, 385] {
            // One spare value keeps the buffers non-empty when count is 0.
            let rows = (0..<4 * count + 1).map { _ in Float.random(in: -1...1, using: &generator) }
            let query = (0..<count + 1).map { _ in Float.random(in: -1...1, using: &generator) }
            let four = rows.withUnsafeBufferPointer { r in
                query.withUnsafeBufferPointer { q in
                    let base = r.baseAddress!
                    return VectorMath.dot4(
                        (base, base + count, base + 2 * count, base + 3 * count), q.baseAddress!, count: count)
                }
            }
            for i in 0..<4 {
                let single = VectorMath.dot(Array(rows[i * count..<(i + 1) * count]), Array(query.prefix(count)))
                #expect(four[i].bitPattern == single.bitPattern, "count \(count)")
            }
        }
    }
}

/// SplitMix64, so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
