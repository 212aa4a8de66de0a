/// Settings of `ClusteringPipeline.run`; the defaults are the production settings.
public struct ClusteringOptions: Sendable, Equatable {
    /// How many clusters to make.
    public enum ClusterCount: Sendable, Equatable {
        /// Exactly this many (before small clusters are dissolved).
        case fixed(Int)
        /// Chosen by `ClusterCountSelection`: the best mean silhouette over a grid around `√(n/2)`.
        case automatic
    }

    /// Fixed or automatic number of clusters; automatic by default.
    public var clusterCount: ClusterCount
    /// Seed of every random choice; the same input and seed give the same result.
    public var seed: UInt64
    /// k-means restarts (the lowest inertia wins); mini-batch runs use one.
    public var restarts: Int
    /// Clusters with fewer members are dissolved into the nearest remaining cluster.
    public var minClusterSize: Int
    /// Neighbours per point in the smoothing graph (the point included); 0 disables smoothing.
    public var smoothingNeighbours: Int
    /// Diffusion steps over the neighbour graph.
    public var smoothingSteps: Int
    /// Above this many points the graph smoothing is skipped (it needs two extra copies of the vectors).
    public var smoothingLimit: Int
    /// Above this many points k-means runs in mini-batches.
    public var miniBatchThreshold: Int
    /// A point is an outlier when its cosine distance to its centroid exceeds the cluster's
    /// `median + outlierDeviations × 1.4826 × MAD` (a robust z-score).
    public var outlierDeviations: Float
    /// Top-level groups the hierarchy aims for; nil picks about `√k`.
    public var topLevelGroups: Int?
    /// Points (besides the centroids) placed on the 2D map.
    public var layoutSample: Int

    /// Production defaults, with automatic `k`.
    public init(
        clusterCount: ClusterCount = .automatic, seed: UInt64 = 1, restarts: Int = 3, minClusterSize: Int = 3,
        smoothingNeighbours: Int = 10, smoothingSteps: Int = 3, smoothingLimit: Int = 200_000,
        miniBatchThreshold: Int = 50_000, outlierDeviations: Float = 3, topLevelGroups: Int? = nil,
        layoutSample: Int = 2000
    ) {
        self.clusterCount = clusterCount
        self.seed = seed
        self.restarts = restarts
        self.minClusterSize = minClusterSize
        self.smoothingNeighbours = smoothingNeighbours
        self.smoothingSteps = smoothingSteps
        self.smoothingLimit = smoothingLimit
        self.miniBatchThreshold = miniBatchThreshold
        self.outlierDeviations = outlierDeviations
        self.topLevelGroups = topLevelGroups
        self.layoutSample = layoutSample
    }
}
