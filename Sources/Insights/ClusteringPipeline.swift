/// The production clustering of issue 6, end to end on L2-normalised embeddings (cosine geometry).
///
/// 1. Centre: subtract the mean vector and renormalise (removes the common direction all sentence
///    embeddings share, so cosines spread out).
/// 2. Smooth: build the 10-nearest-neighbour graph (exact, or inverted-file above 20k points) and diffuse
///    three steps over it (`NeighbourGraph.diffuse`), pulling each point toward its neighbourhood's core.
/// 3. Choose `k` (fixed, or `ClusterCountSelection`) and run spherical k-means (`SphericalKMeans`) on the
///    smoothed vectors: k-means++ with restarts, or mini-batch above `miniBatchThreshold` points.
/// 4. Dissolve clusters smaller than `minClusterSize` into their nearest remaining cluster.
/// 5. Express clusters in the input space: centroids are the renormalised means of the original vectors;
///    outliers lie beyond `median + 3 × 1.4826 × MAD` of their cluster's cosine distances.
/// 6. Hierarchy (`ClusterHierarchy`) and 2D map (`ClusterLayout`) over the centroids.
///
/// Above `smoothingLimit` points, steps 1–2 are skipped so memory stays at the input plus O(n) (a million
/// 384-d vectors fit in 2 GB).
public enum ClusteringPipeline {
    /// Clusters `count` vectors of `dimension` floats (row-major, unit norm).
    /// - Parameters:
    ///   - vectors: `count × dimension` floats; rows should be L2-normalised.
    ///   - options: Production defaults unless overridden.
    /// - Returns: Assignments, outliers, centroids, hierarchy and layout; an empty result for no input.
    public static func run(
        vectors: [Float], count n: Int, dimension d: Int, options: ClusteringOptions = ClusteringOptions()
    ) -> ClusteringResult {
        guard n > 0, d > 0, vectors.count == n * d else {
            return ClusteringResult(
                clusterCount: 0, dimension: d, assignments: [], isOutlier: [], centroids: [], sizes: [], radii: [],
                representatives: [], hierarchy: ClusterHierarchy(parents: [], levels: [], sizes: []),
                layout: ClusterLayout(centroids: [], points: [], pointIndices: []))
        }
        var space = vectors
        var geometry = vectors
        if options.smoothingNeighbours > 1 && options.smoothingSteps > 0 && n <= options.smoothingLimit && n > 2 {
            geometry = centred(vectors, count: n, dimension: d)
            let graph = NeighbourGraph.build(
                geometry, count: n, dimension: d, neighbours: options.smoothingNeighbours, seed: options.seed)
            space = graph.diffuse(geometry, dimension: d, steps: options.smoothingSteps)
        }
        let k: Int
        switch options.clusterCount {
        case .fixed(let fixed): k = max(1, min(fixed, n))
        case .automatic:
            k = ClusterCountSelection(seed: options.seed).choose(clustering: space, geometry: geometry, count: n, dimension: d)
        }
        geometry = []
        let kmeans = SphericalKMeans(
            k: k, restarts: n > options.miniBatchThreshold ? 1 : options.restarts, seed: options.seed,
            miniBatchThreshold: options.miniBatchThreshold)
        var fit = kmeans.fit(space, count: n, dimension: d)
        fit = dissolveSmallClusters(fit, space: space, count: n, minimumSize: options.minClusterSize)
        space = []
        var result = ClusterSummary.summarise(
            vectors: vectors, count: n, dimension: d, labels: fit.assignments, k: fit.k,
            outlierDeviations: options.outlierDeviations)
        result.hierarchy = ClusterHierarchy.build(
            centroids: result.centroids, sizes: result.sizes, dimension: d, topLevelGroups: options.topLevelGroups)
        result.layout = ClusterLayout.build(
            centroids: result.centroids, sizes: result.sizes, dimension: d, vectors: vectors, count: n,
            assignments: result.assignments, sample: options.layoutSample, seed: options.seed)
        return result
    }

    /// Rows minus their mean, renormalised.
    static func centred(_ vectors: [Float], count n: Int, dimension d: Int) -> [Float] {
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(vectors[i * d + j]) } }
        let shift = mean.map { Float($0 / Double(n)) }
        var out = vectors
        for i in 0..<n { for j in 0..<d { out[i * d + j] -= shift[j] } }
        Gemm.normalizeRows(&out, dimension: d)
        return out
    }

    /// Drops clusters under `minimumSize` members (keeping at least one) and reassigns every point to its
    /// nearest surviving centroid.
    static func dissolveSmallClusters(_ fit: KMeansFit, space: [Float], count n: Int, minimumSize: Int) -> KMeansFit {
        let d = fit.dimension
        var sizes = [Int](repeating: 0, count: fit.k)
        for label in fit.assignments { sizes[Int(label)] += 1 }
        var survivors = (0..<fit.k).filter { sizes[$0] >= minimumSize }
        if survivors.isEmpty, let largest = (0..<fit.k).max(by: { sizes[$0] < sizes[$1] }) { survivors = [largest] }
        guard survivors.count < fit.k else { return fit }
        var centroids = [Float]()
        for c in survivors { centroids += fit.centroids[c * d..<(c + 1) * d] }
        var labels = [Int32](repeating: 0, count: n)
        var similarities = [Float](repeating: 0, count: n)
        space.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            KMeansFit.assign(base, count: n, dimension: d, centroids: centroids, labels: &labels, similarities: &similarities)
        }
        return KMeansFit(centroids: centroids, k: survivors.count, dimension: d, labels: labels, similarities: similarities)
    }
}
