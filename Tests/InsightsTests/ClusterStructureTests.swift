import Testing

@testable import Insights

@Suite struct ClusterStructureTests {
    @Test func hierarchyParentsAreConsistent() {
        let (vectors, labels) = Fixtures.blobs(clusters: 20, perCluster: 10, dimension: 16, spread: 0.3)
        let result = ClusteringPipeline.run(
            vectors: vectors, count: labels.count, dimension: 16, options: ClusteringOptions(clusterCount: .fixed(20)))
        let tree = result.hierarchy
        let k = result.clusterCount
        #expect(tree.parents.count == tree.levels.count)
        for node in tree.parents.indices {
            if let parent = tree.parents[node] {
                #expect(tree.levels[parent] == tree.levels[node] + 1)
                #expect(tree.sizes[parent] == tree.children(of: parent).reduce(0) { $0 + tree.sizes[$1] })
            } else {
                #expect(tree.levels[node] == tree.levels.max())
            }
        }
        #expect((0..<k).allSatisfy { tree.levels[$0] == 0 && tree.parents[$0] != nil })
        let roots = tree.parents.indices.filter { tree.parents[$0] == nil }
        #expect((2...12).contains(roots.count))
        #expect(roots.reduce(0) { $0 + tree.sizes[$1] } == labels.count)
    }

    @Test func hierarchyGroupsTheNearestCentroids() {
        // Two tight pairs far apart: each pair shares a top-level parent.
        let centroids: [Float] = [1, 0, 0, 0.99, 0.141, 0, 0, 0, 1, 0, 0.141, 0.99]
        let tree = ClusterHierarchy.build(centroids: centroids, sizes: [5, 5, 5, 5], dimension: 3, topLevelGroups: 2)
        #expect(tree.parents[0] == tree.parents[1])
        #expect(tree.parents[2] == tree.parents[3])
        #expect(tree.parents[0] != tree.parents[2])
    }

    @Test func layoutIsInTheUnitSquareAndSeparatesClusters() {
        let (vectors, labels) = Fixtures.blobs(clusters: 6, perCluster: 20, dimension: 16)
        let result = ClusteringPipeline.run(
            vectors: vectors, count: labels.count, dimension: 16, options: ClusteringOptions(clusterCount: .fixed(6)))
        let all = result.layout.centroids + result.layout.points
        #expect(result.layout.centroids.count == 6)
        #expect(all.allSatisfy { $0.x >= -1e-5 && $0.x <= 1 + 1e-5 && $0.y >= -1e-5 && $0.y <= 1 + 1e-5 })
        let c = result.layout.centroids
        for i in 0..<6 { for j in (i + 1)..<6 { #expect(StressMajorisation.simdLength(c[i] - c[j]) > 0.01) } }
    }

    @Test func keywordsPickTheDistinguishingWords() {
        let texts = [
            "my card has not arrived", "when will my card arrive", "card still not arrived", "card arrival time",
            "how do I top up", "top up failed", "my top up is pending", "top up by bank transfer",
        ]
        let labels = ClusterKeywords(keywordsPerCluster: 5).labels(
            texts: texts, assignments: [0, 0, 0, 0, 1, 1, 1, 1], clusterCount: 2)
        #expect(labels[0].keywords.first?.term == "card")
        #expect(labels[1].keywords.prefix(3).map(\.term).contains("top up"))
        #expect(!labels[0].keywords.contains { $0.term.contains("top") })
        #expect(!labels[1].keywords.contains { $0.term == "my" })  // a stop word
        #expect(labels[0].name.contains("card"))
        #expect(labels[0].name.contains(" · "))
    }

    @Test func tokenizerLowercasesAndBuildsBigramsWithinStopWords() {
        #expect(ClusterKeywords.terms("Card Activation, please!") == ["card", "activation", "card activation"])
        #expect(ClusterKeywords.terms("I can't activate the card") == ["activate", "card"])
    }

    @Test func namesPreferBigramsAndAvoidRepeatedWords() {
        #expect(ClusterKeywords.name(from: ["top", "up", "top up", "apple"]) == "top up · apple")
        #expect(ClusterKeywords.name(from: ["card", "pin", "virtual card", "virtual"]) == "virtual card · pin")
        #expect(ClusterKeywords.name(from: ["exchange", "rate", "exchange rate", "fee", "euro"]) == "exchange rate · fee · euro")
        #expect(ClusterKeywords.name(from: []) == "")
    }
}
