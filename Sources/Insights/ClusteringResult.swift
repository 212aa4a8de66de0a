/// What `ClusteringPipeline.run` produces. Clusters are numbered `0..<clusterCount`, largest first.
public struct ClusteringResult: Sendable {
    /// Number of clusters.
    public var clusterCount: Int
    /// Length of the vectors and centroids.
    public var dimension: Int
    /// The cluster of every input point (outliers included: see `isOutlier`).
    public var assignments: [Int]
    /// Whether each point lies beyond its cluster's radius.
    public var isOutlier: [Bool]
    /// `clusterCount × dimension` unit centroids in the input space, row-major (for matching and assignment).
    public var centroids: [Float]
    /// Members per cluster (outliers included).
    public var sizes: [Int]
    /// Per cluster, the cosine distance beyond which a point is an outlier (also used for new points).
    public var radii: [Float]
    /// Per cluster, member indices sorted from closest to farthest from the centroid (at most 10).
    public var representatives: [[Int]]
    /// Agglomerative tree over the clusters.
    public var hierarchy: ClusterHierarchy
    /// 2D positions in `[0, 1]²` of the centroids and of a sample of points.
    public var layout: ClusterLayout

    /// An assigner for new vectors, using these centroids and radii.
    public var assigner: NearestCentroidAssigner {
        NearestCentroidAssigner(centroids: centroids, dimension: dimension, radii: radii)
    }

    /// Row `cluster` of `centroids`.
    public func centroid(_ cluster: Int) -> [Float] {
        Array(centroids[cluster * dimension..<(cluster + 1) * dimension])
    }

    /// Each row's cosine similarity to its own cluster's centroid; `vectors` are the clustered rows (unit norm).
    public func similaritiesToCentroids(_ vectors: [Float]) -> [Float] {
        let d = dimension
        return assignments.enumerated().map { i, c in
            var dot: Float = 0
            for j in 0..<d { dot += vectors[i * d + j] * centroids[c * d + j] }
            return dot
        }
    }
}
