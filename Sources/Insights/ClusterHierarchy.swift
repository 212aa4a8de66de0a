/// A tree over the clusters built by agglomerative clustering of the centroids (average linkage on cosine
/// similarity, each centroid weighted by its cluster's size: UPGMA).
///
/// Nodes `0..<k` are the clusters (level 0). The dendrogram is cut twice: into about `√(k·top)` middle groups
/// (level 1) and into `top` top-level groups (level 2), with `top` about `√k` (2–12) unless given. With fewer
/// than 8 clusters there is no middle level.
public struct ClusterHierarchy: Sendable, Equatable {
    /// Parent node of every node; nil for the top-level groups.
    public var parents: [Int?]
    /// Level of every node: 0 for clusters, higher for groups.
    public var levels: [Int]
    /// Members (points) under every node.
    public var sizes: [Int]

    /// A tree with explicit nodes.
    public init(parents: [Int?], levels: [Int], sizes: [Int]) {
        self.parents = parents
        self.levels = levels
        self.sizes = sizes
    }

    /// Nodes whose parent is `node`.
    public func children(of node: Int) -> [Int] {
        parents.indices.filter { parents[$0] == node }
    }

    /// Builds the tree over `k = sizes.count` unit centroids (`k × dimension`).
    public static func build(centroids: [Float], sizes: [Int], dimension d: Int, topLevelGroups: Int? = nil)
        -> ClusterHierarchy
    {
        let k = sizes.count
        guard k > 1 else { return ClusterHierarchy(parents: Array(repeating: nil, count: k), levels: Array(repeating: 0, count: k), sizes: sizes) }
        let top = max(1, min(k - 1, topLevelGroups ?? min(12, max(2, Int(Double(k).squareRoot().rounded())))))
        let middle = k >= 8 ? Int((Double(k) * Double(top)).squareRoot().rounded()) : k
        var cuts = [top]
        if middle > top && middle < k { cuts.insert(middle, at: 0) }
        let partitions = agglomerate(centroids: centroids, sizes: sizes, dimension: d, cuts: cuts)
        var parents = [Int?](repeating: nil, count: k)
        var levels = [Int](repeating: 0, count: k)
        var nodeSizes = sizes
        var previous = Array(0..<k)  // node of each cluster at the previous level
        for (level, partition) in partitions.enumerated() {
            // partition[cluster] = group id in 0..<groups, dense.
            let groups = (partition.max() ?? -1) + 1
            let base = parents.count
            parents += Array(repeating: nil, count: groups)
            levels += Array(repeating: level + 1, count: groups)
            nodeSizes += Array(repeating: 0, count: groups)
            for cluster in 0..<k {
                let group = base + partition[cluster]
                parents[previous[cluster]] = group
                if level == 0 { nodeSizes[group] += sizes[cluster] }
                previous[cluster] = group
            }
            if level > 0 {
                for node in 0..<base where levels[node] == level { if let p = parents[node] { nodeSizes[p] += nodeSizes[node] } }
            }
        }
        return ClusterHierarchy(parents: parents, levels: levels, sizes: nodeSizes)
    }

    /// UPGMA merges from `k` singletons; returns the cluster → group partition at each count in `cuts`
    /// (descending), groups numbered densely in order of their smallest cluster.
    static func agglomerate(centroids: [Float], sizes: [Int], dimension d: Int, cuts: [Int]) -> [[Int]] {
        let k = sizes.count
        var similarity = [Float](repeating: 0, count: k * k)
        centroids.withUnsafeBufferPointer { c in
            similarity.withUnsafeMutableBufferPointer { s in
                guard let cBase = c.baseAddress, let sBase = s.baseAddress else { return }
                Gemm.similarities(cBase, rows: k, cBase, rows: k, dimension: d, into: sBase)
            }
        }
        var weight = sizes.map { Float(max($0, 1)) }
        var active = [Bool](repeating: true, count: k)
        var group = Array(0..<k)
        var remaining = k
        var partitions: [[Int]] = []
        for cut in cuts {
            while remaining > cut {
                var best: (Int, Int, Float) = (0, 0, -.infinity)
                for i in 0..<k where active[i] {
                    for j in (i + 1)..<k where active[j] && similarity[i * k + j] > best.2 {
                        best = (i, j, similarity[i * k + j])
                    }
                }
                let (i, j, _) = best
                for m in 0..<k where active[m] && m != i && m != j {
                    let merged = (similarity[i * k + m] * weight[i] + similarity[j * k + m] * weight[j]) / (weight[i] + weight[j])
                    similarity[i * k + m] = merged
                    similarity[m * k + i] = merged
                }
                weight[i] += weight[j]
                active[j] = false
                for c in 0..<k where group[c] == j { group[c] = i }
                remaining -= 1
            }
            var dense: [Int: Int] = [:]
            partitions.append(group.map { root in
                if let id = dense[root] { return id }
                dense[root] = dense.count
                return dense.count - 1
            })
        }
        return partitions
    }
}
