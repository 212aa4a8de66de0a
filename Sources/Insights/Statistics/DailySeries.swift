/// Count, sum and sum of squares of the values of one day (response lengths, …): what a daily mean needs.
public struct Moments: Sendable, Equatable {
    public var count: Int
    public var sum: Double
    public var sumOfSquares: Double

    public init(count: Int = 0, sum: Double = 0, sumOfSquares: Double = 0) {
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
    }

    public init(_ values: [Double]) {
        self.init(count: values.count, sum: values.reduce(0, +), sumOfSquares: values.reduce(0) { $0 + $1 * $1 })
    }

    /// The mean, or nil without values.
    public var mean: Double? { count > 0 ? sum / Double(count) : nil }
    public var summary: SampleSummary { SampleSummary(count: count, sum: sum, sumOfSquares: sumOfSquares) }

    public static func + (lhs: Moments, rhs: Moments) -> Moments {
        Moments(count: lhs.count + rhs.count, sum: lhs.sum + rhs.sum, sumOfSquares: lhs.sumOfSquares + rhs.sumOfSquares)
    }
}

/// A series of daily buckets that `ChangePointDetector` watches. Days without observations are allowed.
public enum DailySeries: Sendable, Equatable {
    /// A rate per day: successes among trials (refusals among conversations, …).
    case proportion([Proportion])
    /// A mean per day from its moments (response length, …).
    case mean([Moments])
    /// A categorical mix per day: counts per category, every day the same categories in the same order.
    case mix([[Int]])

    /// How many days.
    public var count: Int {
        switch self {
        case .proportion(let days): days.count
        case .mean(let days): days.count
        case .mix(let days): days.count
        }
    }

    /// Observations on day `index` (trials, values, or classified items).
    public func observations(on index: Int) -> Int {
        switch self {
        case .proportion(let days): days[index].trials
        case .mean(let days): days[index].count
        case .mix(let days): days[index].reduce(0, +)
        }
    }

    /// Each day as a vector whose sum over days is what a segment's test needs:
    /// `[successes, trials]`, `[count, sum, sum of squares]` or the category counts.
    var vectors: [[Double]] {
        switch self {
        case .proportion(let days): return days.map { [Double($0.successes), Double($0.trials)] }
        case .mean(let days): return days.map { [Double($0.count), $0.sum, $0.sumOfSquares] }
        case .mix(let days):
            let width = days.map(\.count).max() ?? 0
            return days.map { day in (0..<width).map { $0 < day.count ? Double(day[$0]) : 0 } }
        }
    }
}
