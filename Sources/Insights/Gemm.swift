import CBLAS

/// Dense kernels over row-major Float matrices, built on OpenBLAS `sgemm`.
enum Gemm {
    /// `c = a · bᵀ` where `a` is `m × d`, `b` is `n × d` and `c` is `m × n` (all row-major).
    static func similarities(
        _ a: UnsafePointer<Float>, rows m: Int, _ b: UnsafePointer<Float>, rows n: Int, dimension d: Int,
        into c: UnsafeMutablePointer<Float>
    ) {
        guard m > 0, n > 0, d > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(d), 1, a, Int32(d), b, Int32(d), 0,
            c, Int32(n))
    }

    /// For every row of `points` (`n × d`), the index of the most similar row of `centroids` (`k × d`) and that
    /// similarity; computed in parallel blocks of rows with one `sgemm` each.
    static func nearest(
        points: UnsafePointer<Float>, count n: Int, centroids: UnsafePointer<Float>, k: Int, dimension d: Int,
        labels: UnsafeMutablePointer<Int32>, similarities: UnsafeMutablePointer<Float>
    ) {
        guard n > 0, k > 0 else { return }
        let block = max(64, min(1024, (1 << 22) / max(k, 1)))
        let blocks = (n + block - 1) / block
        let points = SharedConstPointer(points)
        let centroids = SharedConstPointer(centroids)
        let labels = SharedPointer(labels)
        let best = SharedPointer(similarities)
        Parallel.forEach(blocks) { blockIndex in
            let start = blockIndex * block
            let rows = min(block, n - start)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rows * k)
            defer { scratch.deallocate() }
            Gemm.similarities(points.base + start * d, rows: rows, centroids.base, rows: k, dimension: d, into: scratch)
            for row in 0..<rows {
                let line = scratch + row * k
                var bestIndex = 0
                var bestValue = line[0]
                for j in 1..<k where line[j] > bestValue {
                    bestValue = line[j]
                    bestIndex = j
                }
                labels[start + row] = Int32(bestIndex)
                best[start + row] = bestValue
            }
        }
    }

    /// Scales every row of `values` (`n × d`) to unit L2 norm; zero rows stay zero.
    static func normalizeRows(_ values: inout [Float], dimension d: Int) {
        let n = d > 0 ? values.count / d : 0
        values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for row in 0..<n {
                let pointer = base + row * d
                let norm = cblas_snrm2(Int32(d), pointer, 1)
                if norm > 0 { cblas_sscal(Int32(d), 1 / norm, pointer, 1) }
            }
        }
    }
}
