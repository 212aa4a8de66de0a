/// Incremental assignment: each new vector goes to its most similar centroid, or is left unassigned when its
/// cosine distance exceeds that cluster's radius. One `sgemm` per block of rows, blocks in parallel.
public struct NearestCentroidAssigner: Sendable {
    /// `clusterCount × dimension` unit centroids, row-major.
    public let centroids: [Float]
    /// Length of the vectors.
    public let dimension: Int
    /// Per cluster, the largest cosine distance still assigned.
    public let radii: [Float]

    /// An assigner over `centroids`; `radii` must have one entry per centroid.
    public init(centroids: [Float], dimension: Int, radii: [Float]) {
        precondition(dimension > 0 && centroids.count == radii.count * dimension, "NearestCentroidAssigner: shape")
        self.centroids = centroids
        self.dimension = dimension
        self.radii = radii
    }

    /// One vector's outcome.
    public struct Assignment: Sendable, Equatable {
        /// The nearest cluster, or nil when the vector lies beyond its radius ("unassigned").
        public var cluster: Int?
        /// The most similar cluster, assigned or not.
        public var nearest: Int
        /// Cosine similarity to that cluster's centroid.
        public var similarity: Float
    }

    /// Assigns `count` row-major vectors (`count × dimension`).
    public func assign(_ vectors: [Float], count n: Int) -> [Assignment] {
        let k = radii.count
        guard n > 0, k > 0, vectors.count == n * dimension else { return [] }
        var labels = [Int32](repeating: 0, count: n)
        var similarities = [Float](repeating: 0, count: n)
        vectors.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            KMeansFit.assign(base, count: n, dimension: dimension, centroids: centroids, labels: &labels, similarities: &similarities)
        }
        return (0..<n).map { i in
            let nearest = Int(labels[i])
            let inside = 1 - similarities[i] <= radii[nearest]
            return Assignment(cluster: inside ? nearest : nil, nearest: nearest, similarity: similarities[i])
        }
    }
}
