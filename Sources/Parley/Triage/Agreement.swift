/// Inter-rater agreement on categorical ratings (the 1–5 scores of one rubric entry, as categories).
///
/// Kappa compares the agreement observed with the agreement expected by chance: 1 is perfect, 0 is chance, below
/// 0 worse than chance. Scores are nominal here: a 4 against a 5 is as much a disagreement as a 1 against a 5.
public enum Agreement {
    /// A kappa with what it was computed from.
    public struct Result: Sendable, Equatable {
        public enum Method: String, Sendable {
            case cohen, fleiss
        }

        public var method: Method
        /// nil when undefined: expected agreement is 1 (every rating in one category), or too few items.
        public var kappa: Double?
        /// Observed agreement (P_o for Cohen, P̄ for Fleiss).
        public var observed: Double
        /// Agreement expected by chance (P_e).
        public var expected: Double
        public var items: Int
    }

    /// Cohen's kappa for two raters who rated the same items: `pairs[i]` = (rater A's category, rater B's).
    ///
    /// κ = (p_o − p_e) / (1 − p_e), p_o the share of items on which they agree, p_e = Σ_k p_A(k) · p_B(k).
    public static func cohen<Category: Hashable>(_ pairs: [(Category, Category)]) -> Result? {
        guard !pairs.isEmpty else { return nil }
        let n = Double(pairs.count)
        var countsA: [Category: Double] = [:]
        var countsB: [Category: Double] = [:]
        var agreements = 0.0
        for (a, b) in pairs {
            countsA[a, default: 0] += 1
            countsB[b, default: 0] += 1
            if a == b { agreements += 1 }
        }
        let observed = agreements / n
        let expected = countsA.reduce(0.0) { sum, entry in sum + (entry.value / n) * ((countsB[entry.key] ?? 0) / n) }
        let kappa: Double? = expected < 1 - 1e-12 ? (observed - expected) / (1 - expected) : nil
        return Result(method: .cohen, kappa: kappa, observed: observed, expected: expected, items: pairs.count)
    }

    /// Fleiss' kappa for any number of raters: `items[i]` = the categories item i received, two or more per item.
    ///
    /// With n_i ratings of item i and n_ij of them in category j: P_i = (Σ_j n_ij² − n_i) / (n_i (n_i − 1)),
    /// P̄ = mean of P_i, p_j = Σ_i n_ij / Σ_i n_i, P_e = Σ_j p_j², κ = (P̄ − P_e) / (1 − P_e). With the same number of
    /// ratings per item this is Fleiss (1971); with varying numbers it is the usual generalisation. Items with fewer
    /// than two ratings are left out.
    public static func fleiss<Category: Hashable>(_ items: [[Category]]) -> Result? {
        let rated = items.filter { $0.count >= 2 }
        guard !rated.isEmpty else { return nil }
        var totals: [Category: Double] = [:]
        var ratings = 0.0
        var sumP = 0.0
        for item in rated {
            var counts: [Category: Double] = [:]
            for category in item { counts[category, default: 0] += 1 }
            let n = Double(item.count)
            sumP += (counts.values.reduce(0) { $0 + $1 * $1 } - n) / (n * (n - 1))
            for (category, count) in counts { totals[category, default: 0] += count }
            ratings += n
        }
        let observed = sumP / Double(rated.count)
        let expected = totals.values.reduce(0) { $0 + ($1 / ratings) * ($1 / ratings) }
        let kappa: Double? = expected < 1 - 1e-12 ? (observed - expected) / (1 - expected) : nil
        return Result(method: .fleiss, kappa: kappa, observed: observed, expected: expected, items: rated.count)
    }

    /// The kappa that fits ratings keyed by rater: Cohen's when exactly two raters rated every item, else Fleiss'.
    /// - Parameter items: per item, each rater's category.
    public static func kappa<Category: Hashable>(_ items: [[String: Category]]) -> Result? {
        let rated = items.filter { $0.count >= 2 }
        let raters = Set(rated.flatMap(\.keys))
        if raters.count == 2, let first = raters.min(), let second = raters.max(),
           rated.allSatisfy({ $0.count == 2 }) {
            let pairs: [(Category, Category)] = rated.compactMap { item in
                guard let a = item[first], let b = item[second] else { return nil }
                return (a, b)
            }
            return cohen(pairs)
        }
        return fleiss(rated.map { Array($0.values) })
    }
}
