import Testing

@testable import Insights

@Suite struct SphericalKMeansTests {
    @Test func recoversWellSeparatedBlobs() {
        let (vectors, labels) = Fixtures.blobs(clusters: 6, perCluster: 40, dimension: 16)
        let fit = SphericalKMeans(k: 6, seed: 3).fit(vectors, count: labels.count, dimension: 16)
        #expect(ClusteringMetrics.nmi(labels, fit.assignments.map(Int.init)) == 1)
        #expect(fit.centroids.count == 6 * 16)
    }

    @Test func isDeterministicForASeed() {
        let (vectors, labels) = Fixtures.blobs(clusters: 5, perCluster: 30, dimension: 8, spread: 0.4)
        let a = SphericalKMeans(k: 5, seed: 11).fit(vectors, count: labels.count, dimension: 8)
        let b = SphericalKMeans(k: 5, seed: 11).fit(vectors, count: labels.count, dimension: 8)
        #expect(a.assignments == b.assignments)
        #expect(a.centroids == b.centroids)
    }

    @Test func miniBatchRecoversBlobs() {
        let (vectors, labels) = Fixtures.blobs(clusters: 8, perCluster: 100, dimension: 16)
        let kmeans = SphericalKMeans(k: 8, restarts: 1, seed: 5, miniBatchThreshold: 100, batchSize: 64)
        let fit = kmeans.fit(vectors, count: labels.count, dimension: 16)
        #expect(ClusteringMetrics.nmi(labels, fit.assignments.map(Int.init)) > 0.99)
    }

    @Test func neighbourGraphFindsTheSameNeighboursApproximatelyAndExactly() {
        let (vectors, labels) = Fixtures.blobs(clusters: 10, perCluster: 60, dimension: 16, spread: 0.2)
        let n = labels.count
        let exact = NeighbourGraph.build(vectors, count: n, dimension: 16, neighbours: 5)
        let approximate = NeighbourGraph.build(vectors, count: n, dimension: 16, neighbours: 5, exactLimit: 10)
        #expect(exact.indices[0] == 0)  // a point is its own nearest neighbour
        var agree = 0
        for i in 0..<(n * 5) where exact.indices[i] == approximate.indices[i] { agree += 1 }
        #expect(Double(agree) / Double(n * 5) > 0.9)
    }
}
