import Synchronization

extension VectorIndex {
    /// Scans the 4-bit rows for score bounds and rescores in `Float` every row that can still reach the top k.
    ///
    /// Rows are split into chunks taken by the threads in turn. Each thread keeps the exact (`Float`) top k of
    /// the rows it rescored; its k-th score `τ` is a lower bound on the final k-th score (the final top k is
    /// at least as good as any k rows), and so is the best `τ` over the threads, shared through an atomic.
    /// A row whose upper bound (`QuantizedQuery`) is below `τ` has a `Float` score below `τ`, so it is weaker than k
    /// rows already found and cannot be in the top k (nor tie into it: the bound is strict). Every other row is
    /// rescored in `Float` with the same `VectorMath.dot` a brute-force scan uses: at once when its estimate
    /// already beats `τ`, otherwise after the thread's last chunk if its bound still reaches the risen `τ`. So
    /// every row of the true top k is rescored, and it is in the top k of its thread's rescored rows; merging
    /// the threads' top k gives exactly the brute-force result, ties included (lower index first).
    func prefilteredSearch(_ query: [Float], probe: QuantizedQuery, rows: QuantizedRows, k: Int) -> [SimilarityMatch] {
        let chunk = 8192
        let chunks = (count + chunk - 1) / chunk
        let shared = SharedSearchState()
        let d = dimension
        let total = count
        vectors.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { q in
                rows.codes.withUnsafeBytes { codes in
                    rows.scales.withUnsafeBufferPointer { scales in
                        rows.residuals.withUnsafeBufferPointer { residuals in
                            rows.codeTerms.withUnsafeBufferPointer { codeTerms in
                                probe.values.withUnsafeBytes { probeValues in
                                    nonisolated(unsafe) let pointers = ScanPointers(
                                        vectors: matrix.baseAddress!, query: q.baseAddress!,
                                        codes: codes.baseAddress!, scales: scales.baseAddress!,
                                        residuals: residuals.baseAddress!, codeTerms: codeTerms.baseAddress!,
                                        probe: probeValues.baseAddress!)
                                    ParallelWork.forEachWorker(chunks, threads: min(threads, chunks)) { next in
                                        var scan = PrefilterScan(
                                            pointers: pointers, probe: probe, dimension: d, blocks: rows.blocks,
                                            k: k, shared: shared)
                                        while let c = next() { scan.scan(c * chunk..<min(total, (c + 1) * chunk)) }
                                        scan.rescoreCandidates()
                                        shared.add(scan.best.heap)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var best = TopKSelection(k: k)
        for match in shared.results() { best.insert(index: match.index, score: match.score) }
        return best.sorted()
    }
}

/// Base addresses one search reads (valid for the duration of `prefilteredSearch`).
struct ScanPointers {
    let vectors: UnsafePointer<Float>
    let query: UnsafePointer<Float>
    let codes: UnsafeRawPointer
    let scales: UnsafePointer<Float>
    let residuals: UnsafePointer<Float>
    let codeTerms: UnsafePointer<Float>
    let probe: UnsafeRawPointer
}

/// What the threads of one search share: the best k-th score so far and their top k lists.
final class SharedSearchState: Sendable {
    private let threshold = Atomic<UInt32>(SharedSearchState.key(-.infinity))
    private let matches = Mutex<[SimilarityMatch]>([])

    /// The highest k-th score any thread has published.
    var bestThreshold: Float { Self.value(threshold.load(ordering: .relaxed)) }

    func publish(_ score: Float) {
        guard !score.isNaN else { return }
        threshold.max(Self.key(score), ordering: .relaxed)
    }

    func add(_ list: [SimilarityMatch]) { matches.withLock { $0 += list } }
    func results() -> [SimilarityMatch] { matches.withLock { $0 } }

    /// An order-preserving map of floats to unsigned integers (so an atomic integer max is a float max).
    static func key(_ x: Float) -> UInt32 {
        let bits = x.bitPattern
        return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }

    static func value(_ key: UInt32) -> Float {
        Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key)
    }
}

/// One thread's share of a search: its exact top k, its threshold and the rows it has not ruled out yet.
struct PrefilterScan {
    let pointers: ScanPointers
    let probe: QuantizedQuery
    let dimension: Int
    let blocks: Int
    let shared: SharedSearchState
    var best: TopKSelection
    /// `max(own k-th score, shared k-th score)`.
    var threshold: Float = -.infinity
    var candidates: [Int32] = []
    var uppers: [Float] = []
    var limit = 8192

    init(
        pointers: ScanPointers, probe: QuantizedQuery, dimension: Int, blocks: Int, k: Int,
        shared: SharedSearchState
    ) {
        self.pointers = pointers
        self.probe = probe
        self.dimension = dimension
        self.blocks = blocks
        self.shared = shared
        self.best = TopKSelection(k: k)
    }

    /// Scans `range`, four rows at a time, then the rows left over one by one.
    mutating func scan(_ range: Range<Int>) {
        threshold = max(threshold, shared.bestThreshold)
        let stride = blocks * 16
        let p = pointers
        var row = range.lowerBound
        while row + 4 <= range.upperBound {
            let dots = NibbleKernel.dot4(p.codes + row * stride, stride: stride, p.probe, blocks: blocks)
            check(row, count: 4, dots: dots) { UnsafeRawPointer($0 + row).loadUnaligned(as: SIMD4<Float>.self) }
            row += 4
        }
        for row in row..<range.upperBound {
            let dot = NibbleKernel.dot(p.codes + row * stride, p.probe, blocks: blocks)
            check(row, count: 1, dots: SIMD4(repeating: dot)) { SIMD4(repeating: $0[row]) }
        }
    }

    /// Bounds rows `row..<row + count` (`count` ≤ 4) from their dot products and hands on those that pass.
    @inline(__always)
    private mutating func check(
        _ row: Int, count: Int, dots: SIMD4<Int32>, _ load: (UnsafePointer<Float>) -> SIMD4<Float>
    ) {
        let p = pointers
        let estimates = probe.estimates(scales: load(p.scales), dots: dots)
        let uppers = estimates + probe.slacks(residuals: load(p.residuals), codeTerms: load(p.codeTerms))
        // `.!(upper .< threshold)` also keeps a NaN bound (from overflowing values): such rows are rescored.
        guard any(.!(uppers .< SIMD4(repeating: threshold))) else { return }
        for i in 0..<count { consider(row + i, estimate: estimates[i], upper: uppers[i]) }
    }

    @inline(__always)
    private mutating func consider(_ row: Int, estimate: Float, upper: Float) {
        if upper < threshold { return }
        if estimate >= threshold {
            rescore(row)
        } else {
            candidates.append(Int32(truncatingIfNeeded: row))
            uppers.append(upper)
            if candidates.count > limit { prune() }
        }
    }

    /// Scores `row` in `Float` and raises the threshold.
    private mutating func rescore(_ row: Int) {
        insert(row, score: VectorMath.dot(pointers.vectors + row * dimension, pointers.query, count: dimension))
    }

    /// Keeps `row` if it is among the best k so far, and raises the threshold.
    private mutating func insert(_ row: Int, score: Float) {
        best.insert(index: row, score: score)
        let own = best.threshold
        if own > threshold {
            shared.publish(own)
            threshold = own
        }
    }

    /// Rescores the kept rows whose bound still reaches the threshold, four at a time.
    mutating func rescoreCandidates() {
        threshold = max(threshold, shared.bestThreshold)
        var batch = SIMD4<Int>()
        var batched = 0
        for (row, upper) in zip(candidates, uppers) where !(upper < threshold) {
            batch[batched] = Int(row)
            batched += 1
            guard batched == 4 else { continue }
            let v = pointers.vectors
            let d = dimension
            let scores = VectorMath.dot4(
                (v + batch[0] * d, v + batch[1] * d, v + batch[2] * d, v + batch[3] * d), pointers.query, count: d)
            for i in 0..<4 { insert(batch[i], score: scores[i]) }
            batched = 0
        }
        for i in 0..<batched { rescore(batch[i]) }
        candidates = []
        uppers = []
    }

    /// Drops candidates whose bound fell below the (risen) threshold.
    private mutating func prune() {
        threshold = max(threshold, shared.bestThreshold)
        var kept = 0
        for i in candidates.indices where !(uppers[i] < threshold) {
            candidates[kept] = candidates[i]
            uppers[kept] = uppers[i]
            kept += 1
        }
        candidates.removeLast(candidates.count - kept)
        uppers.removeLast(uppers.count - kept)
        limit = max(limit, 2 * kept)
    }
}
