import CBLAS

/// Exact top-k similarity search over an in-memory `n × d` row-major matrix of (normalised) vectors.
///
/// Each query scans every row: the rows are split into one contiguous range per thread, scored block by block
/// with `cblas_sgemv` into a small per-thread buffer, and filtered through a per-thread top-k heap (a partial
/// selection, not a sort); the per-thread winners are then merged. The scan is memory-bound: about
/// `n · d · 4` bytes per query.
public struct VectorIndex: Sendable {
    /// Length of each vector.
    public let dimension: Int
    /// Number of vectors.
    public let count: Int
    /// The vectors, row-major.
    public let vectors: [Float]
    /// Threads per query.
    public let threads: Int

    /// An index over `vectors` (`count × dimension` floats, row-major; a trailing partial row is ignored).
    /// - Parameter threads: Threads per query; nil uses every active processor.
    public init(dimension: Int, vectors: [Float], threads: Int? = nil) {
        precondition(dimension > 0, "VectorIndex: dimension must be positive")
        self.dimension = dimension
        self.count = vectors.count / dimension
        self.vectors = vectors
        self.threads = ParallelWork.threads(threads)
    }

    /// An index over the rows of an embedding batch.
    public init(_ matrix: EmbeddingMatrix, threads: Int? = nil) {
        self.init(dimension: matrix.dimension, vectors: matrix.values, threads: threads)
    }

    /// The `k` rows with the highest dot product with `query`, best first (ties: lower index first).
    /// - Parameters:
    ///   - query: A vector of length `dimension` (normalise it for cosine similarity).
    ///   - k: Number of matches wanted; fewer when the index is smaller.
    public func search(_ query: [Float], k: Int) -> [SimilarityMatch] {
        precondition(query.count == dimension, "VectorIndex.search: query length \(query.count) ≠ \(dimension)")
        guard k > 0, count > 0 else { return [] }
        // Small indexes are not worth waking a second thread for.
        let parts = count < 50_000 ? 1 : min(threads, count)
        let rowsPerPart = (count + parts - 1) / parts
        var partial = [[SimilarityMatch]](repeating: [], count: parts)
        let d = dimension
        let total = count
        vectors.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { q in
                partial.withUnsafeMutableBufferPointer { results in
                    guard let rows = matrix.baseAddress, let vector = q.baseAddress else { return }
                    nonisolated(unsafe) let base = rows
                    nonisolated(unsafe) let queryVector = vector
                    nonisolated(unsafe) let output = results
                    ParallelWork.forEach(parts, threads: parts) { part in
                        let start = part * rowsPerPart
                        let end = min(total, start + rowsPerPart)
                        output[part] = Self.scan(
                            base, rows: start..<end, dimension: d, query: queryVector, k: k)
                    }
                }
            }
        }
        var merged = TopKSelection(k: k)
        for matches in partial {
            for match in matches { merged.insert(index: match.index, score: match.score) }
        }
        return merged.sorted()
    }

    /// Scores `rows` block by block and keeps the best `k`.
    private static func scan(
        _ matrix: UnsafePointer<Float>, rows: Range<Int>, dimension d: Int, query: UnsafePointer<Float>, k: Int
    ) -> [SimilarityMatch] {
        let block = 4096
        var selection = TopKSelection(k: k)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: block)
        defer { scores.deallocate() }
        var start = rows.lowerBound
        while start < rows.upperBound {
            let n = min(block, rows.upperBound - start)
            cblas_sgemv(
                CblasRowMajor, CblasNoTrans, Int32(n), Int32(d), 1, matrix + start * d, Int32(d), query, 1, 0,
                scores, 1)
            var threshold = selection.threshold
            for i in 0..<n where scores[i] > threshold {
                selection.insert(index: start + i, score: scores[i])
                threshold = selection.threshold
            }
            start += n
        }
        return selection.sorted()
    }
}
