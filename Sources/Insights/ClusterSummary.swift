/// Turns cluster labels into the published result: input-space centroids, robust radii and outliers,
/// representatives, clusters renumbered largest first.
enum ClusterSummary {
    static func summarise(
        vectors: [Float], count n: Int, dimension d: Int, labels: [Int32], k: Int, outlierDeviations: Float
    ) -> ClusteringResult {
        var sizes = [Int](repeating: 0, count: k)
        for label in labels { sizes[Int(label)] += 1 }
        let order = (0..<k).filter { sizes[$0] > 0 }.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        var renumber = [Int](repeating: -1, count: k)
        for (new, old) in order.enumerated() { renumber[old] = new }
        let clusters = order.count
        let assignments = labels.map { renumber[Int($0)] }
        var centroids = [Float](repeating: 0, count: clusters * d)
        for i in 0..<n {
            let c = assignments[i]
            for j in 0..<d { centroids[c * d + j] += vectors[i * d + j] }
        }
        Gemm.normalizeRows(&centroids, dimension: d)
        var distances = [[Float]](repeating: [], count: clusters)
        var members = [[Int]](repeating: [], count: clusters)
        var pointDistance = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let c = assignments[i]
            var dot: Float = 0
            for j in 0..<d { dot += vectors[i * d + j] * centroids[c * d + j] }
            pointDistance[i] = 1 - dot
            distances[c].append(1 - dot)
            members[c].append(i)
        }
        let radii = distances.map { robustRadius($0, deviations: outlierDeviations) }
        let isOutlier = (0..<n).map { pointDistance[$0] > radii[assignments[$0]] }
        let representatives = members.map { list in
            Array(list.sorted { pointDistance[$0] != pointDistance[$1] ? pointDistance[$0] < pointDistance[$1] : $0 < $1 }.prefix(10))
        }
        return ClusteringResult(
            clusterCount: clusters, dimension: d, assignments: assignments, isOutlier: isOutlier, centroids: centroids,
            sizes: order.map { sizes[$0] }, radii: radii, representatives: representatives,
            hierarchy: ClusterHierarchy(parents: [], levels: [], sizes: []),
            layout: ClusterLayout(centroids: [], points: [], pointIndices: []))
    }

    /// `median + deviations × 1.4826 × MAD` of the distances (1.4826 makes the MAD a consistent estimate of
    /// the standard deviation for normal data), never below `median + 0.02` so tight clusters do not flag
    /// every slightly off member.
    static func robustRadius(_ distances: [Float], deviations: Float) -> Float {
        guard !distances.isEmpty else { return 0 }
        let median = Self.median(distances)
        let mad = Self.median(distances.map { abs($0 - median) })
        return median + max(deviations * 1.4826 * mad, 0.02)
    }

    static func median(_ values: [Float]) -> Float {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
