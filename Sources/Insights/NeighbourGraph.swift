/// The `k` nearest neighbours (cosine) of every point, itself included, and graph diffusion over them.
///
/// Exact (blocked `sgemm` against every point) up to `exactLimit` points; above it, approximate with an
/// inverted-file index: points are bucketed by a coarse spherical k-means into about `√n` cells and each
/// point's neighbours are searched in its own cell and the `probes − 1` cells whose centroids are nearest.
struct NeighbourGraph: Sendable {
    /// Number of points.
    let count: Int
    /// Neighbours per point (the point itself is one of them).
    let neighbours: Int
    /// `count × neighbours` neighbour indices, most similar first.
    var indices: [Int32]
    /// `count × neighbours` cosine similarities matching `indices`.
    var similarities: [Float]

    /// Builds the graph of `points` (`n × d`, unit rows).
    static func build(
        _ points: [Float], count n: Int, dimension d: Int, neighbours: Int, exactLimit: Int = 20_000,
        probes: Int = 3, seed: UInt64 = 1
    ) -> NeighbourGraph {
        points.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, n > 0 else {
                return NeighbourGraph(count: 0, neighbours: 0, indices: [], similarities: [])
            }
            return build(
                base, count: n, dimension: d, neighbours: neighbours, exactLimit: exactLimit, probes: probes, seed: seed)
        }
    }

    /// Builds the graph of the rows at `points`.
    static func build(
        _ points: UnsafePointer<Float>, count n: Int, dimension d: Int, neighbours: Int, exactLimit: Int = 20_000,
        probes: Int = 3, seed: UInt64 = 1
    ) -> NeighbourGraph {
        let kn = max(1, min(neighbours, n))
        var graph = NeighbourGraph(
            count: n, neighbours: kn, indices: [Int32](repeating: 0, count: n * kn),
            similarities: [Float](repeating: -2, count: n * kn))
        if n <= exactLimit {
            let all = Array(0..<n).map(Int32.init)
            graph.search(points, dimension: d, queries: all, candidates: all)
        } else {
            graph.searchCells(points, count: n, dimension: d, probes: probes, seed: seed)
        }
        return graph
    }

    private mutating func searchCells(
        _ points: UnsafePointer<Float>, count n: Int, dimension d: Int, probes: Int, seed: UInt64
    ) {
        let cells = max(2, Int(Double(n).squareRoot()))
        let coarse = SphericalKMeans(k: cells, restarts: 1, maxIterations: 8, seed: seed)
        let sample = SplitMix64(seed: seed).sampleCopy(points, count: n, dimension: d, size: min(n, 40 * cells))
        let trained = coarse.fit(sample, count: sample.count / d, dimension: d)
        var cellOf = [Int32](repeating: 0, count: n)
        var ignored = [Float](repeating: 0, count: n)
        KMeansFit.assign(points, count: n, dimension: d, centroids: trained.centroids, labels: &cellOf, similarities: &ignored)
        var members = [[Int32]](repeating: [], count: trained.k)
        for i in 0..<n { members[Int(cellOf[i])].append(Int32(i)) }
        let cellGraph = NeighbourGraph.build(trained.centroids, count: trained.k, dimension: d, neighbours: probes)
        for cell in 0..<trained.k where !members[cell].isEmpty {
            var candidates = members[cell]
            for p in 0..<cellGraph.neighbours {
                let other = Int(cellGraph.indices[cell * cellGraph.neighbours + p])
                if other != cell { candidates += members[other] }
            }
            search(points, dimension: d, queries: members[cell], candidates: candidates)
        }
    }

    /// Fills the rows of `queries` with their nearest rows among `candidates` (parallel blocks of queries).
    private mutating func search(
        _ points: UnsafePointer<Float>, dimension d: Int, queries: [Int32], candidates: [Int32]
    ) {
        let kn = neighbours
        let c = candidates.count
        var candidateRows = [Float](repeating: 0, count: c * d)
        candidateRows.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for (row, index) in candidates.enumerated() {
                (base + row * d).update(from: points + Int(index) * d, count: d)
            }
        }
        let block = max(16, min(256, (1 << 22) / max(c, 1)))
        let blocks = (queries.count + block - 1) / block
        let source = SharedConstPointer(points)
        indices.withUnsafeMutableBufferPointer { indexBuffer in
            similarities.withUnsafeMutableBufferPointer { simBuffer in
                candidateRows.withUnsafeBufferPointer { candidateBuffer in
                    guard let iBase = indexBuffer.baseAddress, let sBase = simBuffer.baseAddress,
                        let cBase = candidateBuffer.baseAddress
                    else { return }
                    let outIndices = SharedPointer(iBase)
                    let outSims = SharedPointer(sBase)
                    let candidateMatrix = SharedConstPointer(cBase)
                    Parallel.forEach(blocks) { blockIndex in
                        let start = blockIndex * block
                        let rows = min(block, queries.count - start)
                        let queryRows = UnsafeMutablePointer<Float>.allocate(capacity: rows * d)
                        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rows * c)
                        defer { queryRows.deallocate(); scratch.deallocate() }
                        for row in 0..<rows {
                            (queryRows + row * d).update(from: source.base + Int(queries[start + row]) * d, count: d)
                        }
                        Gemm.similarities(queryRows, rows: rows, candidateMatrix.base, rows: c, dimension: d, into: scratch)
                        for row in 0..<rows {
                            let out = Int(queries[start + row]) * kn
                            let line = scratch + row * c
                            for j in 0..<c where line[j] > outSims[out + kn - 1] {
                                var slot = kn - 1
                                while slot > 0 && outSims[out + slot - 1] < line[j] {
                                    outSims[out + slot] = outSims[out + slot - 1]
                                    outIndices[out + slot] = outIndices[out + slot - 1]
                                    slot -= 1
                                }
                                outSims[out + slot] = line[j]
                                outIndices[out + slot] = candidates[j]
                            }
                        }
                    }
                }
            }
        }
    }
}

extension SplitMix64 {
    /// A uniform sample of `size` rows copied into a new row-major array.
    func sampleCopy(_ points: UnsafePointer<Float>, count n: Int, dimension d: Int, size: Int) -> [Float] {
        var generator = self
        let rows = generator.sample(size, from: n)
        var copy = [Float](repeating: 0, count: rows.count * d)
        copy.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for (row, index) in rows.enumerated() { (base + row * d).update(from: points + index * d, count: d) }
        }
        return copy
    }
}
