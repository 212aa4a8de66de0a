extension VectorIndex {
    /// Scans the 8-bit rows for score bounds, then rescores in `Float` every row that can reach the top k.
    func prefilteredSearch(_ query: [Float], probe: QuantizedQuery, rows: QuantizedRows, k: Int) -> [SimilarityMatch] {
        let parts = min(threads, max(1, count / 10_000))
        let rowsPerPart = (count + parts - 1) / parts
        var partial = [PrefilterPart](repeating: PrefilterPart(), count: parts)
        let total = count
        partial.withUnsafeMutableBufferPointer { results in
            nonisolated(unsafe) let output = results
            ParallelWork.forEach(parts, threads: parts) { part in
                let start = part * rowsPerPart
                output[part] = PrefilterPart.scan(
                    rows, probe: probe, range: start..<min(total, start + rowsPerPart), k: k)
            }
        }
        // The k-th best lower bound over all rows: a row whose upper bound is below it cannot be in the top k.
        var lowers = TopKSelection(k: k)
        for part in partial {
            for match in part.lowers { lowers.insert(index: match.index, score: match.score) }
        }
        let threshold = lowers.threshold
        var best = TopKSelection(k: k)
        let d = dimension
        vectors.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { q in
                guard let base = matrix.baseAddress, let vector = q.baseAddress else { return }
                for part in partial {
                    for (index, upper) in zip(part.candidates, part.uppers) where upper >= threshold {
                        let row = Int(index)
                        best.insert(index: row, score: VectorMath.dot(base + row * d, vector, count: d))
                    }
                }
            }
        }
        return best.sorted()
    }
}

/// A query quantized like the rows (`p = round(u / t)`, `t = max|u| / 90`), widened to `Int16` and padded.
struct QuantizedQuery: Sendable {
    let values: [Int16]
    let scale: Float
    /// `½Σ|p| + ¼d`: the query's share of the error bound, in units of `s·t`.
    let slack: Float
    /// Bound on the `Float` rounding of a rescored dot product, per unit of row norm.
    let rounding: Float

    /// Nil for a zero or non-finite query (the full scan handles those).
    init?(_ query: [Float], rows: QuantizedRows) {
        var maximum: Float = 0
        var squares: Float = 0
        for value in query {
            guard value.isFinite else { return nil }
            maximum = max(maximum, abs(value))
            squares += value * value
        }
        guard maximum > 0 else { return nil }
        let scale = maximum / QuantizedRows.range
        var values = [Int16](repeating: 0, count: rows.paddedDimension)
        var l1: Float = 0
        for (j, value) in query.enumerated() {
            let p = min(max((value / scale).rounded(), -QuantizedRows.range), QuantizedRows.range)
            values[j] = Int16(p)
            l1 += abs(p)
        }
        self.values = QuantizedRows.queryLayout(values, paddedDimension: rows.paddedDimension)
        self.scale = scale
        self.slack = 0.5 * l1 + 0.25 * Float(rows.dimension)
        // Float sums of d products err by at most about d·2⁻²⁴·|u|·|v|; keep a wide margin above that.
        self.rounding = 4 * Float(rows.dimension) * 0x1p-24 * squares.squareRoot() + 1e-6
    }
}

/// One thread's share of a prefiltered scan: its k best lower bounds and the rows it could not rule out.
struct PrefilterPart: Sendable {
    var lowers: [SimilarityMatch] = []
    var candidates: [Int32] = []
    var uppers: [Float] = []

    static func scan(_ rows: QuantizedRows, probe: QuantizedQuery, range: Range<Int>, k: Int) -> PrefilterPart {
        var part = PrefilterPart()
        var lowers = TopKSelection(k: k)
        var limit = 4096 + 4 * k
        let padded = rows.paddedDimension
        let t = probe.scale
        rows.values.withUnsafeBytes { values in
            probe.values.withUnsafeBytes { query in
                rows.scales.withUnsafeBufferPointer { scales in
                    rows.slacks.withUnsafeBufferPointer { slacks in
                        rows.norms.withUnsafeBufferPointer { norms in
                            guard let base = values.baseAddress, let q = query.baseAddress else { return }
                            var threshold = lowers.threshold
                            for row in range {
                                let dot = QuantizedRows.dot(base + row * padded, q, paddedDimension: padded)
                                let s = scales[row]
                                let approximate = s * t * Float(dot)
                                let bound = t * slacks[row] + s * t * probe.slack + probe.rounding * norms[row]
                                if approximate - bound > threshold {
                                    lowers.insert(index: row, score: approximate - bound)
                                    threshold = lowers.threshold
                                }
                                guard approximate + bound >= threshold else { continue }
                                part.candidates.append(Int32(row))
                                part.uppers.append(approximate + bound)
                                if part.candidates.count > limit {
                                    part.prune(below: threshold)
                                    limit = max(limit, 2 * part.candidates.count)
                                }
                            }
                        }
                    }
                }
            }
        }
        part.prune(below: lowers.threshold)
        part.lowers = lowers.sorted()
        return part
    }

    /// Drops candidates whose upper bound fell below the (risen) threshold.
    mutating func prune(below threshold: Float) {
        var kept = 0
        for i in candidates.indices where uppers[i] >= threshold {
            candidates[kept] = candidates[i]
            uppers[kept] = uppers[i]
            kept += 1
        }
        candidates.removeLast(candidates.count - kept)
        uppers.removeLast(uppers.count - kept)
    }
}
