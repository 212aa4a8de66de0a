import CBLAS

/// Exact top-k similarity search over an in-memory `n × d` row-major matrix of (normalised) vectors.
///
/// A full `Float` scan (`cblas_sgemv` block by block, one range of rows per thread, a top-k heap each, merged)
/// reads `n · d · 4` bytes per query and is memory-bound (~95 ms at 1M × 384). So large indexes also keep a 4-bit
/// copy (`QuantizedRows`, an eighth of the bytes, plus 12 bytes of error terms per row): the scan turns each
/// row's integer dot product into a provable upper bound on its `Float` score (`QuantizedQuery`) and rescores in
/// `Float` only the rows whose bound reaches the k-th score found so far (`prefilteredSearch`). The result is
/// exactly the top k of `VectorMath.dot` over every row, scores and tie order included (the `sgemv` scan sums in
/// another order, so its scores can differ from those in the last bit).
public struct VectorIndex: Sendable {
    /// Length of each vector.
    public let dimension: Int
    /// Number of vectors.
    public let count: Int
    /// The vectors, row-major.
    public let vectors: [Float]
    /// Threads per query.
    public let threads: Int
    let quantized: QuantizedRows?
    /// The `prefilter` argument, for `appending`.
    private let prefilterOption: Bool?

    /// Whether searches use the 4-bit prefilter (still exact).
    public var usesPrefilter: Bool { quantized != nil }

    /// Bytes the prefilter adds to the vectors (0 without it).
    public var prefilterBytes: Int { quantized?.byteCount ?? 0 }

    /// An index over `vectors` (`count × dimension` finite floats, row-major; a trailing partial row is ignored).
    /// - Parameters:
    ///   - threads: Threads per query (and for building the prefilter); nil uses every active processor.
    ///   - prefilter: Build the 4-bit prefilter; nil builds it from 20,000 rows up.
    public init(dimension: Int, vectors: [Float], threads: Int? = nil, prefilter: Bool? = nil) {
        precondition(dimension > 0, "VectorIndex: dimension must be positive")
        let count = vectors.count / dimension
        let threads = ParallelWork.threads(threads)
        self.dimension = dimension
        self.count = count
        self.vectors = vectors
        self.threads = threads
        self.prefilterOption = prefilter
        self.quantized =
            Self.wantsPrefilter(prefilter, count: count)
            ? QuantizedRows(vectors: vectors, dimension: dimension, count: count, threads: threads) : nil
    }

    private init(dimension: Int, vectors: [Float], threads: Int, prefilter: Bool?, quantized: QuantizedRows?) {
        self.dimension = dimension
        self.count = vectors.count / dimension
        self.vectors = vectors
        self.threads = threads
        self.prefilterOption = prefilter
        self.quantized = quantized
    }

    private static func wantsPrefilter(_ option: Bool?, count: Int) -> Bool {
        option ?? (count >= 20_000)
    }

    /// This index with `newVectors` (row-major, `dimension` values each) added after its rows.
    ///
    /// Searches answer as those of `VectorIndex(dimension:vectors:)` over all the rows would (the prefilter's
    /// codes never change an answer), but only the new rows are quantized: the existing codes are kept, centred on
    /// the old mean, until the index has doubled since that mean was taken; then they are rebuilt.
    public func appending(_ newVectors: [Float]) -> VectorIndex {
        let all = [Float].concatenating(vectors.prefix(count * dimension), newVectors)
        let total = all.count / dimension
        var rows: QuantizedRows?
        if Self.wantsPrefilter(prefilterOption, count: total) {
            if let quantized, total <= 2 * quantized.meanRows {
                rows = quantized.appending(all, count: total, threads: threads)
            } else {
                rows = QuantizedRows(vectors: all, dimension: dimension, count: total, threads: threads)
            }
        }
        return VectorIndex(dimension: dimension, vectors: all, threads: threads, prefilter: prefilterOption, quantized: rows)
    }

    /// An index over the rows of an embedding batch.
    public init(_ matrix: EmbeddingMatrix, threads: Int? = nil, prefilter: Bool? = nil) {
        self.init(dimension: matrix.dimension, vectors: matrix.values, threads: threads, prefilter: prefilter)
    }

    /// The `k` rows with the highest dot product with `query`, best first (ties: lower index first).
    /// - Parameters:
    ///   - query: A vector of length `dimension` (normalise it for cosine similarity).
    ///   - k: Number of matches wanted; fewer when the index is smaller.
    /// - Throws: `EmbeddingsError.dimensionMismatch` when the query has another length.
    public func search(_ query: [Float], k: Int) throws -> [SimilarityMatch] {
        guard query.count == dimension else {
            throw EmbeddingsError.dimensionMismatch("VectorIndex query", expected: dimension, actual: query.count)
        }
        guard k > 0, count > 0 else { return [] }
        if let quantized, let probe = QuantizedQuery(query, rows: quantized) {
            return prefilteredSearch(query, probe: probe, rows: quantized, k: k)
        }
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
