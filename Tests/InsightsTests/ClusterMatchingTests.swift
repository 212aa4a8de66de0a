import Testing

@testable import Insights

@Suite struct ClusterMatchingTests {
    func centroids(_ seed: UInt64, count: Int) -> [Float] {
        Fixtures.blobs(clusters: count, perCluster: 1, dimension: 32, spread: 0, seed: seed).vectors
    }

    @Test func permutedCentroidsMatchOneToOne() {
        let previous = centroids(1, count: 6)
        let order = [3, 0, 5, 1, 4, 2]
        let current = order.flatMap { Array(previous[$0 * 32..<($0 + 1) * 32]) }
        let outcome = ClusterMatching().match(previous: previous, current: current, dimension: 32)
        #expect(outcome.matched.count == 6)
        for pair in outcome.matched { #expect(order[pair.current] == pair.previous) }
        #expect(Set(outcome.matched.map(\.current)).count == 6)
        #expect(outcome.new.isEmpty && outcome.vanished.isEmpty)
    }

    @Test func detectsNewAndVanishedClusters() {
        let previous = centroids(1, count: 4)
        let fresh = centroids(77, count: 1)
        // Current keeps previous 0, 1, 2, drops 3 and adds an unrelated cluster.
        let current = Array(previous[0..<(3 * 32)]) + fresh
        let outcome = ClusterMatching().match(previous: previous, current: current, dimension: 32)
        #expect(outcome.matched.map(\.previous).sorted() == [0, 1, 2])
        #expect(outcome.new == [3])
        #expect(outcome.vanished == [3])
    }

    @Test func detectsSplitsAndMerges() {
        let base = centroids(5, count: 3)
        let a = Array(base[0..<32])
        let b = Array(base[32..<64])
        let nudge = Array(base[64..<96])
        let aPrime = Fixtures.unit(zip(a, nudge).map { $0 + 0.3 * $1 })
        // Split: previous [a, b] → current [a, b, a′]; merge: previous [a, b, a′] → current [a, b].
        let split = ClusterMatching().match(previous: a + b, current: a + b + aPrime, dimension: 32)
        #expect(split.splits.count == 1 && split.splits.first?.previous == 0 && split.splits.first?.current == [0, 2])
        let merge = ClusterMatching().match(previous: a + b + aPrime, current: a + b, dimension: 32)
        #expect(merge.merges.count == 1 && merge.merges.first?.current == 0 && merge.merges.first?.previous == [0, 2])
    }
}
