import Testing

@testable import Insights

@Suite struct ClusteringPipelineTests {
    @Test func fixedKRecoversBlobs() {
        let (vectors, labels) = Fixtures.blobs(clusters: 7, perCluster: 30, dimension: 24)
        let result = ClusteringPipeline.run(
            vectors: vectors, count: labels.count, dimension: 24, options: ClusteringOptions(clusterCount: .fixed(7)))
        #expect(result.clusterCount == 7)
        #expect(ClusteringMetrics.nmi(labels, result.assignments) == 1)
        #expect(result.sizes == Array(repeating: 30, count: 7))
    }

    @Test(arguments: [4, 9, 15])
    func automaticKFindsTheBlobCount(clusters: Int) {
        let (vectors, labels) = Fixtures.blobs(clusters: clusters, perCluster: 40, dimension: 32, spread: 0.06)
        let result = ClusteringPipeline.run(vectors: vectors, count: labels.count, dimension: 32)
        #expect(result.clusterCount == clusters)
        #expect(ClusteringMetrics.nmi(labels, result.assignments) == 1)
    }

    @Test func plantedFarPointsAreOutliers() throws {
        var (vectors, labels) = Fixtures.blobs(clusters: 4, perCluster: 50, dimension: 16, spread: 0.05)
        let n = labels.count
        // Each planted point is a blob centre pushed 60° away: still nearest that blob, far beyond its radius.
        var generator = SplitMix64(seed: 99)
        for blob in 0..<4 {
            let member = Array(vectors[blob * 16..<(blob + 1) * 16])
            let noise = Fixtures.unit((0..<16).map { _ in Fixtures.gaussian(&generator) })
            vectors += Fixtures.unit(zip(member, noise).map { $0 * 1.0 + $1 * 0.9 })
            labels.append(blob)
        }
        let result = ClusteringPipeline.run(
            vectors: vectors, count: n + 4, dimension: 16, options: ClusteringOptions(clusterCount: .fixed(4)))
        let flagged = (0..<(n + 4)).filter { result.isOutlier[$0] }
        #expect(Set(flagged).isSuperset(of: Set(n..<(n + 4))))
        #expect(flagged.count <= 4 + n / 50)
        let first = try #require(result.representatives.first?.first)
        #expect(!result.isOutlier[first])
    }

    @Test func smallClustersAreDissolved() {
        var (vectors, labels) = Fixtures.blobs(clusters: 3, perCluster: 30, dimension: 16)
        // Two points far from everything would form their own cluster with k = 4.
        vectors += Fixtures.blobs(clusters: 1, perCluster: 2, dimension: 16, seed: 1234).vectors
        labels += [3, 3]
        let options = ClusteringOptions(clusterCount: .fixed(4), minClusterSize: 5)
        let result = ClusteringPipeline.run(vectors: vectors, count: labels.count, dimension: 16, options: options)
        #expect(result.clusterCount == 3)
        #expect(result.sizes.allSatisfy { $0 >= 5 })
    }

    @Test func sameSeedSameResult() {
        let (vectors, labels) = Fixtures.blobs(clusters: 6, perCluster: 25, dimension: 16, spread: 0.5)
        let a = ClusteringPipeline.run(vectors: vectors, count: labels.count, dimension: 16)
        let b = ClusteringPipeline.run(vectors: vectors, count: labels.count, dimension: 16)
        #expect(a.assignments == b.assignments)
        #expect(a.layout == b.layout)
    }

    @Test func emptyInputGivesAnEmptyResult() {
        let result = ClusteringPipeline.run(vectors: [], count: 0, dimension: 8)
        #expect(result.clusterCount == 0)
        #expect(result.assignments.isEmpty)
    }

    @Test func assignerLeavesFarVectorsUnassigned() throws {
        let (vectors, labels) = Fixtures.blobs(clusters: 5, perCluster: 30, dimension: 16)
        let result = ClusteringPipeline.run(
            vectors: vectors, count: labels.count, dimension: 16, options: ClusteringOptions(clusterCount: .fixed(5)))
        let member = Array(vectors[0..<16])
        let far = Fixtures.unit(member.map { -$0 })
        let outcome = result.assigner.assign(member + far, count: 2)
        try #require(outcome.count == 2)
        #expect(outcome[0].cluster == result.assignments[0])
        #expect(outcome[1].cluster == nil)
    }
}
