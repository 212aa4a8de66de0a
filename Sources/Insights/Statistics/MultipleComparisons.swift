/// Adjusted p-values for many tests read together (one comparison page tests a dozen metrics and every intent
/// and cluster): compare the adjusted values, not the raw ones, with the significance level.
public enum MultipleComparisons {
    /// Benjamini–Hochberg adjusted p-values (false discovery rate), in the order given; NaN stays NaN and is
    /// not counted. Equal to SciPy's `false_discovery_control(method="bh")`.
    public static func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
        let order = pValues.indices.filter { !pValues[$0].isNaN }.sorted { pValues[$0] < pValues[$1] }
        var adjusted = pValues
        var running = 1.0
        let m = Double(order.count)
        for (rank, index) in order.enumerated().reversed() {
            running = min(running, pValues[index] * m / Double(rank + 1))
            adjusted[index] = min(1, running)
        }
        return adjusted
    }

    /// Holm's step-down adjusted p-values (family-wise error rate), in the order given; NaN stays NaN.
    public static func holm(_ pValues: [Double]) -> [Double] {
        let order = pValues.indices.filter { !pValues[$0].isNaN }.sorted { pValues[$0] < pValues[$1] }
        var adjusted = pValues
        var running = 0.0
        let m = order.count
        for (rank, index) in order.enumerated() {
            running = max(running, pValues[index] * Double(m - rank))
            adjusted[index] = min(1, running)
        }
        return adjusted
    }
}
