import Foundation
import Insights

/// Two sides compared metric by metric, with tests: two-proportion z-tests for rates, Welch's t-test for means,
/// chi-square tests of independence for the intent and cluster mixes, and Benjamini–Hochberg adjusted p-values
/// (the metrics form one family; the rows of each mix table another), significant below `alpha`.
///
/// Differences are B − A: "B refuses 4.1 points more often than A".
struct Comparison: Sendable {
    /// What was counted on one side.
    struct SideData: Sendable, Equatable {
        var conversations = 0
        /// Conversations with at least one flag (drift flags excepted).
        var flagged = 0
        var thumbsUp = 0
        var thumbsDown = 0
        var ratings = Moments()
        var first: Date?
        var last: Date?
        /// Answered conversations in the text sample, those that refused, and the lengths of their answers.
        var sampled = 0
        var refused = 0
        var lengths = Moments()
        /// Conversations per predicted intent (active model; `Comparison.none` = unrecognized).
        var intents: [Int: Int] = [:]
        /// Conversations per cluster of the latest run (`Comparison.none` = in no cluster).
        var clusters: [Int: Int] = [:]
    }

    /// One compared metric.
    struct Metric: Sendable {
        enum Kind: String, Sendable {
            case rate, mean, count
        }

        var key: String
        var name: String
        var kind: Kind
        var unit: String
        var a: Double?
        var b: Double?
        /// The sample size on each side (conversations, rated conversations, sampled answers, …).
        var countA: Int
        var countB: Int
        var test: String?
        var result: TestResult?
        var adjustedPValue: Double?

        var difference: Double? { a.flatMap { a in b.map { $0 - a } } }
        var relativeDifference: Double? {
            guard let a, let b, a != 0 else { return nil }
            return (b - a) / abs(a)
        }
        var isSignificant: Bool { (adjustedPValue ?? 1) < Comparison.alpha }
    }

    /// One intent or cluster in a mix table.
    struct MixRow: Sendable {
        /// nil for the unrecognized / unclustered row.
        var id: Int?
        var name: String
        var countA: Int
        var countB: Int
        var shareA: Double
        var shareB: Double
        var result: TestResult?
        var adjustedPValue: Double?
        var difference: Double { shareB - shareA }
        var isSignificant: Bool { (adjustedPValue ?? 1) < Comparison.alpha }
    }

    /// The intent or cluster mix of both sides with the overall chi-square test.
    struct Mix: Sendable {
        var rows: [MixRow]
        var totalA: Int
        var totalB: Int
        var test: TestResult?
        var adjustedPValue: Double?
        var isSignificant: Bool { (adjustedPValue ?? 1) < Comparison.alpha }
    }

    static let alpha = 0.05
    /// The key of "no intent" / "no cluster" in `SideData`.
    static let none = -1

    var a: ComparisonSide
    var b: ComparisonSide
    var dataA: SideData
    var dataB: SideData
    var metrics: [Metric]
    var intents: Mix
    var clusters: Mix
    /// Clusters whose share grew or shrank most from A to B (at most five each).
    var grew: [MixRow]
    var shrank: [MixRow]

    init(a: ComparisonSide, b: ComparisonSide, dataA: SideData, dataB: SideData,
         intentNames: [Int: String], clusterNames: [Int: String]) {
        self.a = a
        self.b = b
        self.dataA = dataA
        self.dataB = dataB
        func rate(_ key: String, _ name: String, _ x: Proportion, _ y: Proportion) -> Metric {
            Metric(key: key, name: name, kind: .rate, unit: "%", a: x.rate, b: y.rate, countA: x.trials, countB: y.trials,
                   test: "two-proportion z-test", result: SignificanceTest.twoProportion(x, y))
        }
        func mean(_ key: String, _ name: String, _ unit: String, _ x: Moments, _ y: Moments) -> Metric {
            Metric(key: key, name: name, kind: .mean, unit: unit, a: x.mean, b: y.mean, countA: x.count, countB: y.count,
                   test: "Welch's t-test", result: SignificanceTest.welch(x.summary, y.summary))
        }
        var metrics = [
            Metric(key: "conversations", name: "Conversations", kind: .count, unit: "", a: Double(dataA.conversations),
                   b: Double(dataB.conversations), countA: dataA.conversations, countB: dataB.conversations),
            rate("flag_rate", "Flag rate", Proportion(dataA.flagged, of: dataA.conversations),
                 Proportion(dataB.flagged, of: dataB.conversations)),
            rate("refusal_rate", "Refusal rate", Proportion(dataA.refused, of: dataA.sampled),
                 Proportion(dataB.refused, of: dataB.sampled)),
            rate("thumbs_up_share", "Thumbs up (of thumbs)", Proportion(dataA.thumbsUp, of: dataA.thumbsUp + dataA.thumbsDown),
                 Proportion(dataB.thumbsUp, of: dataB.thumbsUp + dataB.thumbsDown)),
            mean("rating", "Average rating", "/ 5", dataA.ratings, dataB.ratings),
            mean("response_length", "Response length", "characters", dataA.lengths, dataB.lengths),
        ]
        var intents = Self.mix(dataA.intents, dataB.intents, names: intentNames, noneName: "Unrecognized")
        var clusters = Self.mix(dataA.clusters, dataB.clusters, names: clusterNames, noneName: "No cluster")
        // One family: every metric's test and the two overall mix tests.
        let family = metrics.map { $0.result?.pValue ?? .nan } + [intents.test?.pValue ?? .nan, clusters.test?.pValue ?? .nan]
        let adjusted = MultipleComparisons.benjaminiHochberg(family)
        for index in metrics.indices where !adjusted[index].isNaN { metrics[index].adjustedPValue = adjusted[index] }
        if let value = adjusted.dropLast().last, !value.isNaN { intents.adjustedPValue = value }
        if let value = adjusted.last, !value.isNaN { clusters.adjustedPValue = value }
        self.metrics = metrics
        self.intents = intents
        self.clusters = clusters
        let movers = clusters.rows.filter { $0.id != nil }
        grew = Array(movers.filter { $0.difference > 0 }.sorted { $0.difference > $1.difference }.prefix(5))
        shrank = Array(movers.filter { $0.difference < 0 }.sorted { $0.difference < $1.difference }.prefix(5))
    }

    /// The mix table: a row per category seen on either side (largest first, the "none" row last), each with a
    /// two-proportion test of its share, adjusted within the table, and the chi-square test of the whole table.
    static func mix(_ a: [Int: Int], _ b: [Int: Int], names: [Int: String], noneName: String) -> Mix {
        let totalA = a.values.reduce(0, +), totalB = b.values.reduce(0, +)
        let keys = Set(a.keys).union(b.keys).sorted { lhs, rhs in
            if (lhs == none) != (rhs == none) { return rhs == none }
            let l = (a[lhs] ?? 0) + (b[lhs] ?? 0), r = (a[rhs] ?? 0) + (b[rhs] ?? 0)
            return l != r ? l > r : lhs < rhs
        }
        var rows = keys.map { key in
            let x = Proportion(a[key] ?? 0, of: totalA), y = Proportion(b[key] ?? 0, of: totalB)
            return MixRow(id: key == none ? nil : key, name: key == none ? noneName : names[key] ?? "#\(key)",
                          countA: x.successes, countB: y.successes, shareA: x.rate ?? 0, shareB: y.rate ?? 0,
                          result: SignificanceTest.twoProportion(x, y))
        }
        let adjusted = MultipleComparisons.benjaminiHochberg(rows.map { $0.result?.pValue ?? .nan })
        for index in rows.indices where !adjusted[index].isNaN { rows[index].adjustedPValue = adjusted[index] }
        let test = SignificanceTest.chiSquareIndependence([keys.map { a[$0] ?? 0 }, keys.map { b[$0] ?? 0 }])
        return Mix(rows: rows, totalA: totalA, totalB: totalB, test: test)
    }
}
