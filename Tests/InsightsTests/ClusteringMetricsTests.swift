import Testing

@testable import Insights

@Suite struct ClusteringMetricsTests {
    @Test func nmiMatchesScikitLearnOnSmallExamples() {
        // sklearn.metrics.normalized_mutual_info_score([0,0,1,1], [0,0,1,2]) == 0.8
        #expect(abs(ClusteringMetrics.nmi([0, 0, 1, 1], [0, 0, 1, 2]) - 0.8) < 1e-9)
        #expect(abs(ClusteringMetrics.nmi([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) - 0.5158037429793888) < 1e-9)
        #expect(ClusteringMetrics.nmi([0, 0, 1, 1], [5, 5, 3, 3]) == 1)
        #expect(abs(ClusteringMetrics.nmi([0, 1, 0, 1], [0, 0, 1, 1])) < 1e-12)
    }

    @Test func ariMatchesScikitLearnOnSmallExamples() {
        // scikit-learn's documented examples.
        #expect(abs(ClusteringMetrics.ari([0, 0, 1, 2], [0, 0, 1, 1]) - 0.5714285714285714) < 1e-9)
        #expect(abs(ClusteringMetrics.ari([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) - 0.24242424242424243) < 1e-9)
        #expect(ClusteringMetrics.ari([0, 0, 1, 1], [1, 1, 0, 0]) == 1)
        #expect(abs(ClusteringMetrics.ari([0, 0, 1, 1], [0, 1, 0, 1]) - -0.5) < 1e-9)
    }

    @Test func accuracyUsesTheBestOneToOneMapping() {
        #expect(ClusteringMetrics.accuracy([0, 0, 1, 1], [0, 0, 1, 2]) == 0.75)
        #expect(ClusteringMetrics.accuracy([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1]) == 1)
        // Two clusters both mostly label 0: only one may take it.
        #expect(abs(ClusteringMetrics.accuracy([0, 0, 0, 0, 1, 1], [0, 0, 1, 1, 1, 1]) - 4.0 / 6) < 1e-12)
    }
}
