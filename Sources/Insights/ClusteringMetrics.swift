#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// External clustering metrics against gold labels, computed as scikit-learn does.
public enum ClusteringMetrics {
    /// Normalised mutual information with arithmetic-mean normalisation: `I(U;V) / ((H(U) + H(V)) / 2)`;
    /// 1 when both partitions are trivial (a single class and a single cluster).
    public static func nmi(_ truth: [Int], _ predicted: [Int]) -> Double {
        let table = Contingency(truth, predicted)
        let n = Double(truth.count)
        guard n > 0 else { return 1 }
        func entropy(_ counts: [Int]) -> Double {
            counts.reduce(0.0) { sum, c in c > 0 ? sum - Double(c) / n * log(Double(c) / n) : sum }
        }
        let hTruth = entropy(table.rowSums)
        let hPredicted = entropy(table.columnSums)
        if hTruth == 0 && hPredicted == 0 { return 1 }
        var mutual = 0.0
        for (cell, count) in table.cells where count > 0 {
            let joint = Double(count) / n
            mutual += joint * log(joint * n * n / (Double(table.rowSums[cell.row]) * Double(table.columnSums[cell.column])))
        }
        let denominator = (hTruth + hPredicted) / 2
        return denominator > 0 ? max(0, mutual / denominator) : 0
    }

    /// Adjusted Rand index (Hubert & Arabie 1985); 1 for identical partitions, about 0 for random ones.
    public static func ari(_ truth: [Int], _ predicted: [Int]) -> Double {
        let table = Contingency(truth, predicted)
        func pairs(_ x: Int) -> Double { Double(x) * Double(x - 1) / 2 }
        let index = table.cells.values.reduce(0.0) { $0 + pairs($1) }
        let rows = table.rowSums.reduce(0.0) { $0 + pairs($1) }
        let columns = table.columnSums.reduce(0.0) { $0 + pairs($1) }
        let total = pairs(truth.count)
        guard total > 0 else { return 1 }
        let expected = rows * columns / total
        let maximum = (rows + columns) / 2
        if maximum == expected { return 1 }
        return (index - expected) / (maximum - expected)
    }

    /// Clustering accuracy: the fraction of points whose cluster maps to their label under the best
    /// one-to-one mapping of clusters to labels (Hungarian algorithm).
    public static func accuracy(_ truth: [Int], _ predicted: [Int]) -> Double {
        let table = Contingency(truth, predicted)
        let rows = table.columnSums.count  // clusters
        let columns = table.rowSums.count  // labels
        guard rows > 0, columns > 0 else { return 0 }
        var costs = [Double](repeating: 0, count: rows * columns)
        for (cell, count) in table.cells { costs[cell.column * columns + cell.row] = -Double(count) }
        let matching = Hungarian.solve(costs: costs, rows: rows, columns: columns)
        var correct = 0.0
        for (cluster, label) in matching.enumerated() { if let label { correct -= costs[cluster * columns + label] } }
        return correct / Double(truth.count)
    }
}

/// Counts of (label, cluster) pairs with dense ids.
struct Contingency {
    var cells: [Pair: Int] = [:]
    var rowSums: [Int] = []
    var columnSums: [Int] = []

    struct Pair: Hashable {
        var row: Int
        var column: Int
    }

    init(_ truth: [Int], _ predicted: [Int]) {
        precondition(truth.count == predicted.count, "ClusteringMetrics: label arrays differ in length")
        var rowIDs: [Int: Int] = [:]
        var columnIDs: [Int: Int] = [:]
        for (t, p) in zip(truth, predicted) {
            let r = rowIDs[t] ?? { rowIDs[t] = rowIDs.count; rowSums.append(0); return rowIDs.count - 1 }()
            let c = columnIDs[p] ?? { columnIDs[p] = columnIDs.count; columnSums.append(0); return columnIDs.count - 1 }()
            cells[Pair(row: r, column: c), default: 0] += 1
            rowSums[r] += 1
            columnSums[c] += 1
        }
    }
}
