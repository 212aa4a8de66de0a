import CBLAS

extension NeighbourGraph {
    /// Graph smoothing: `steps` times, every row becomes the renormalised similarity-weighted sum of its
    /// neighbours' rows in the symmetrised graph (an edge in either direction counts, weight `max(cos, 0)`).
    ///
    /// This is diffusion with the random-walk operator `D⁻¹A` (the row scaling vanishes in the
    /// renormalisation): points drift toward the dense core of their neighbourhood, which sharpens cluster
    /// boundaries before k-means while keeping the geometry cosine.
    func diffuse(_ points: [Float], dimension d: Int, steps: Int) -> [Float] {
        let (offsets, targets, weights) = symmetricAdjacency()
        var current = points
        var next = [Float](repeating: 0, count: points.count)
        for _ in 0..<steps {
            current.withUnsafeBufferPointer { source in
                next.withUnsafeMutableBufferPointer { target in
                    guard let sBase = source.baseAddress, let tBase = target.baseAddress else { return }
                    let from = SharedConstPointer(sBase)
                    let to = SharedPointer(tBase)
                    let blocks = (count + 1023) / 1024
                    Parallel.forEach(blocks) { block in
                        for i in block * 1024..<min(count, (block + 1) * 1024) {
                            let row = to.base + i * d
                            row.update(repeating: 0, count: d)
                            for e in offsets[i]..<offsets[i + 1] {
                                cblas_saxpy(Int32(d), weights[e], from.base + Int(targets[e]) * d, 1, row, 1)
                            }
                            let norm = cblas_snrm2(Int32(d), row, 1)
                            if norm > 0 { cblas_sscal(Int32(d), 1 / norm, row, 1) }
                        }
                    }
                }
            }
            swap(&current, &next)
        }
        return current
    }

    /// CSR form of `max(A, Aᵀ)` with weights `max(cos, 0)`.
    func symmetricAdjacency() -> (offsets: [Int], targets: [Int32], weights: [Float]) {
        var degree = [Int](repeating: 0, count: count + 1)
        for i in 0..<count {
            for slot in 0..<neighbours {
                let j = Int(indices[i * neighbours + slot])
                degree[i] += 1
                if j != i { degree[j] += 1 }
            }
        }
        var offsets = [Int](repeating: 0, count: count + 1)
        for i in 0..<count { offsets[i + 1] = offsets[i] + degree[i] }
        var fill = offsets
        var targets = [Int32](repeating: 0, count: offsets[count])
        var weights = [Float](repeating: 0, count: offsets[count])
        for i in 0..<count {
            for slot in 0..<neighbours {
                let j = Int(indices[i * neighbours + slot])
                let w = max(similarities[i * neighbours + slot], 0)
                targets[fill[i]] = Int32(j); weights[fill[i]] = w; fill[i] += 1
                if j != i { targets[fill[j]] = Int32(i); weights[fill[j]] = w; fill[j] += 1 }
            }
        }
        // Duplicate edges (i→j and j→i both present) keep one copy: the weight of max(A, Aᵀ).
        var compactOffsets = [Int](repeating: 0, count: count + 1)
        var compactTargets: [Int32] = []
        var compactWeights: [Float] = []
        compactTargets.reserveCapacity(targets.count)
        compactWeights.reserveCapacity(targets.count)
        for i in 0..<count {
            var seen: [Int32: Float] = [:]
            for e in offsets[i]..<offsets[i + 1] { seen[targets[e]] = max(seen[targets[e]] ?? 0, weights[e]) }
            for (target, weight) in seen.sorted(by: { $0.key < $1.key }) {
                compactTargets.append(target)
                compactWeights.append(weight)
            }
            compactOffsets[i + 1] = compactTargets.count
        }
        return (compactOffsets, compactTargets, compactWeights)
    }
}
