import Foundation

/// How often a variant label's answers were preferred to the originals, with a Wilson score interval.
///
/// Ties are reported separately and left out of the rate: the rate is wins / (wins + losses), the share of decided
/// comparisons the variant won. Skips count nowhere.
struct WinRate: Encodable, Sendable, Equatable {
    var label: String
    /// Items that have an answer with this label.
    var variants: Int
    var wins: Int
    var losses: Int
    var ties: Int
    /// Wins / (wins + losses), nil before any decided comparison.
    var rate: Double?
    /// The 95 % Wilson score interval of `rate`.
    var low: Double?
    var high: Double?

    init(label: String, variants: Int, wins: Int, losses: Int, ties: Int) {
        self.label = label
        self.variants = variants
        self.wins = wins
        self.losses = losses
        self.ties = ties
        let decided = wins + losses
        if decided > 0, let interval = Self.wilson(successes: wins, trials: decided) {
            rate = Double(wins) / Double(decided)
            low = interval.low
            high = interval.high
        }
    }

    /// Comparisons with a verdict other than a skip.
    var compared: Int { wins + losses + ties }

    enum CodingKeys: String, CodingKey {
        case label, variants, wins, losses, ties, rate = "win_rate", low = "ci_low", high = "ci_high"
    }

    /// The two-sided 95 % normal quantile.
    static let z95 = 1.959963984540054

    /// The Wilson score interval of a binomial proportion (Wilson 1927): unlike the normal approximation it stays in
    /// [0, 1] and behaves at 0 and n successes and for small n.
    static func wilson(successes: Int, trials: Int, z: Double = z95) -> (low: Double, high: Double)? {
        guard trials > 0, (0...trials).contains(successes) else { return nil }
        let n = Double(trials), p = Double(successes) / n, z2 = z * z
        let denominator = 1 + z2 / n
        let center = (p + z2 / (2 * n)) / denominator
        let half = z * ((p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()) / denominator
        return (max(0, center - half), min(1, center + half))
    }
}
