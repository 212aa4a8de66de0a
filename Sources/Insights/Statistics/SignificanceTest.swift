import Foundation

/// The outcome of a significance test: the statistic, its p-value and the degrees of freedom it was read with.
public struct TestResult: Sendable, Equatable {
    /// z for a two-proportion test, χ² for chi-square, t for Welch's test.
    public var statistic: Double
    public var pValue: Double
    /// nil for a z statistic.
    public var degreesOfFreedom: Double?

    public init(statistic: Double, pValue: Double, degreesOfFreedom: Double? = nil) {
        self.statistic = statistic
        self.pValue = pValue
        self.degreesOfFreedom = degreesOfFreedom
    }
}

/// A count of successes among trials (conversations flagged among conversations, …).
public struct Proportion: Sendable, Equatable {
    public var successes: Int
    public var trials: Int

    public init(_ successes: Int, of trials: Int) {
        self.successes = successes
        self.trials = trials
    }

    /// successes / trials, or nil without trials.
    public var rate: Double? { trials > 0 ? Double(successes) / Double(trials) : nil }
}

/// Count, mean and sample variance of a set of numbers: all Welch's test needs, and what SQL aggregates give.
public struct SampleSummary: Sendable, Equatable {
    public var count: Int
    public var mean: Double
    /// The sample variance (n − 1 in the denominator); 0 for fewer than two values.
    public var variance: Double

    public init(count: Int, mean: Double, variance: Double) {
        self.count = count
        self.mean = mean
        self.variance = max(0, variance)
    }

    /// From the sum and the sum of squares of `count` values.
    public init(count: Int, sum: Double, sumOfSquares: Double) {
        let mean = count > 0 ? sum / Double(count) : 0
        let variance = count > 1 ? (sumOfSquares - sum * mean) / Double(count - 1) : 0
        self.init(count: count, mean: mean, variance: variance)
    }

    public init(_ values: [Double]) {
        let mean = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        self.init(count: values.count, mean: mean, variance: values.count > 1 ? squares / Double(values.count - 1) : 0)
    }
}

/// Two-sided significance tests for comparing two groups.
public enum SignificanceTest {
    /// The two-proportion z-test with the pooled standard error: do `a` and `b` have the same rate?
    ///
    /// Both rates 0 % (or both 100 %) give z = 0 and p = 1. nil when a group has no trials.
    public static func twoProportion(_ a: Proportion, _ b: Proportion) -> TestResult? {
        guard a.trials > 0, b.trials > 0 else { return nil }
        let pooled = Double(a.successes + b.successes) / Double(a.trials + b.trials)
        let variance = pooled * (1 - pooled) * (1 / Double(a.trials) + 1 / Double(b.trials))
        guard variance > 0 else { return TestResult(statistic: 0, pValue: 1) }
        let z = (Double(a.successes) / Double(a.trials) - Double(b.successes) / Double(b.trials)) / variance.squareRoot()
        return TestResult(statistic: z, pValue: Distributions.normalTwoSided(z))
    }

    /// Pearson's chi-square test of independence on a contingency table (rows: groups, columns: categories),
    /// without continuity correction. Rows and columns that are all zero are dropped first (they carry no
    /// information and would make expected counts zero).
    ///
    /// - Returns: nil when fewer than two rows or two columns remain.
    public static func chiSquareIndependence(_ table: [[Int]]) -> TestResult? {
        let width = table.map(\.count).max() ?? 0
        let rows = table.map { row in (0..<width).map { $0 < row.count ? max(0, row[$0]) : 0 } }
            .filter { $0.contains { $0 > 0 } }
        let columns = (0..<width).filter { column in rows.contains { $0[column] > 0 } }
        guard rows.count >= 2, columns.count >= 2 else { return nil }
        let rowTotals = rows.map { row in columns.reduce(0.0) { $0 + Double(row[$1]) } }
        let columnTotals = columns.map { column in rows.reduce(0.0) { $0 + Double($1[column]) } }
        let total = rowTotals.reduce(0, +)
        var chiSquare = 0.0
        for (i, row) in rows.enumerated() {
            for (j, column) in columns.enumerated() {
                let expected = rowTotals[i] * columnTotals[j] / total
                let difference = Double(row[column]) - expected
                chiSquare += difference * difference / expected
            }
        }
        let degrees = Double((rows.count - 1) * (columns.count - 1))
        return TestResult(statistic: chiSquare, pValue: Distributions.chiSquareSurvival(chiSquare, degreesOfFreedom: degrees),
                          degreesOfFreedom: degrees)
    }

    /// Welch's t-test: do `a` and `b` have the same mean (variances not assumed equal)?
    ///
    /// - Returns: nil when a group has fewer than two values.
    public static func welch(_ a: SampleSummary, _ b: SampleSummary) -> TestResult? {
        guard a.count >= 2, b.count >= 2 else { return nil }
        let va = a.variance / Double(a.count), vb = b.variance / Double(b.count)
        let standardError = (va + vb).squareRoot()
        guard standardError > 0 else {
            return a.mean == b.mean ? TestResult(statistic: 0, pValue: 1, degreesOfFreedom: Double(a.count + b.count - 2))
                : TestResult(statistic: a.mean > b.mean ? .infinity : -.infinity, pValue: 0,
                             degreesOfFreedom: Double(a.count + b.count - 2))
        }
        let t = (a.mean - b.mean) / standardError
        // Welch–Satterthwaite degrees of freedom.
        let degrees = (va + vb) * (va + vb)
            / (va * va / Double(a.count - 1) + vb * vb / Double(b.count - 1))
        return TestResult(statistic: t, pValue: Distributions.studentTTwoSided(t, degreesOfFreedom: degrees),
                          degreesOfFreedom: degrees)
    }
}
