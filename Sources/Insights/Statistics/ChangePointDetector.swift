import Foundation

/// Where a daily series changed level: the first day of the new regime, with the values before and after.
public struct ChangePoint: Sendable, Equatable {
    /// Index (in the series given) of the first day after the change.
    public var index: Int
    /// The rate or mean before and after (one value), or the category shares (one per category).
    public var before: [Double]
    public var after: [Double]
    /// Observations on each side, within the segment that was tested.
    public var beforeCount: Int
    public var afterCount: Int
    /// The segment that was searched (half-open day indices).
    public var segment: Range<Int>
    /// The two-sample statistic at the split (z², t² or χ²) and its p-value read as a single fixed test.
    public var statistic: Double
    public var testPValue: Double
    /// The permutation p-value of the largest statistic over every allowed split (the search is accounted for).
    public var pValue: Double
    /// The size of the change: |relative change| for rates and means, total variation distance for mixes.
    public var effect: Double
}

/// Finds level shifts in daily series by binary segmentation.
///
/// In a segment, every split that leaves `minimumSegment` days and `minimumCount` observations on both sides is
/// scored by a two-sample statistic on the pooled observations (z² of the two-proportion test, Welch's t², or the
/// χ² of the 2 × k mix table). The largest score is compared with the largest scores of the same segment with its
/// days shuffled (a permutation test): shuffling days keeps each day's own noise, so ordinary day-to-day
/// variation (busier Mondays, a day with one odd batch) is part of the null distribution and large samples do not
/// turn trivia into alerts. A significant split also needs a minimum effect; then both halves are searched again.
public struct ChangePointDetector: Sendable {
    /// Days on each side of a split, at least.
    public var minimumSegment = 7
    /// Observations on each side of a split, at least.
    public var minimumCount = 30
    /// The level of the permutation test.
    public var significance = 0.01
    public var permutations = 999
    /// Rates and means: |after − before| / before at least this.
    public var minimumRelativeChange = 0.15
    /// Rates: |after − before| at least this (absolute, 0.01 = one percentage point).
    public var minimumRateChange = 0.01
    /// Mixes: total variation distance between the shares at least this.
    public var minimumMixDistance = 0.05
    /// Stop after this many change points.
    public var maximumChangePoints = 3
    /// Seeds the permutations, so a series always gives the same answer.
    public var seed: UInt64 = 0x5EED_C4A7

    public init() {}

    /// The change points of `series`, by day.
    public func detect(_ series: DailySeries) -> [ChangePoint] {
        let vectors = series.vectors
        guard !vectors.isEmpty else { return [] }
        // Days before the first and after the last observation are not part of the watched period.
        let observed = vectors.indices.filter { series.observations(on: $0) > 0 }
        guard let first = observed.first, let last = observed.last else { return [] }
        var found: [ChangePoint] = []
        var pending: [Range<Int>] = [first..<(last + 1)]
        var random = SplitMix64(seed: seed)
        while let segment = pending.popLast(), found.count < maximumChangePoints {
            guard segment.count >= 2 * minimumSegment,
                  let point = test(series, vectors: vectors, segment: segment, random: &random) else { continue }
            found.append(point)
            pending.append(segment.lowerBound..<point.index)
            pending.append(point.index..<segment.upperBound)
        }
        return found.sorted { $0.index < $1.index }
    }

    /// The best split of `segment` if it is significant and large enough.
    private func test(_ series: DailySeries, vectors: [[Double]], segment: Range<Int>,
                      random: inout SplitMix64) -> ChangePoint? {
        let days = Array(vectors[segment])
        guard let best = bestSplit(days, kind: series) else { return nil }
        let before = sum(days[..<best.split]), after = sum(days[best.split...])
        let summary = describe(before: before, after: after, kind: series)
        guard isLargeEnough(series, summary.before, summary.after, effect: summary.effect) else { return nil }
        // Permutation test of the maximum, stopping as soon as the answer cannot be significant any more.
        let limit = Int((significance * Double(permutations + 1)).rounded(.down))
        var exceeded = 0
        var shuffled = days
        for _ in 0..<permutations {
            for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
                shuffled.swapAt(i, Int(random.next() % UInt64(i + 1)))
            }
            if let other = bestSplit(shuffled, kind: series), other.statistic >= best.statistic {
                exceeded += 1
                if exceeded >= limit { return nil }
            }
        }
        let pValue = Double(exceeded + 1) / Double(permutations + 1)
        guard pValue <= significance else { return nil }
        return ChangePoint(index: segment.lowerBound + best.split, before: summary.before, after: summary.after,
                           beforeCount: summary.beforeCount, afterCount: summary.afterCount, segment: segment,
                           statistic: best.statistic, testPValue: summary.testPValue, pValue: pValue,
                           effect: summary.effect)
    }

    private func isLargeEnough(_ kind: DailySeries, _ before: [Double], _ after: [Double], effect: Double) -> Bool {
        switch kind {
        case .proportion:
            abs((after.first ?? 0) - (before.first ?? 0)) >= minimumRateChange && effect >= minimumRelativeChange
        case .mean: effect >= minimumRelativeChange
        case .mix: effect >= minimumMixDistance
        }
    }

    /// The split (index into `days`) with the largest statistic, among the allowed ones.
    func bestSplit(_ days: [[Double]], kind: DailySeries) -> (split: Int, statistic: Double)? {
        let width = days.first?.count ?? 0
        var total = [Double](repeating: 0, count: width)
        for day in days { for j in 0..<width { total[j] += day[j] } }
        var before = [Double](repeating: 0, count: width)
        var after = total
        var best: (split: Int, statistic: Double)?
        for split in 1..<days.count {
            for j in 0..<width {
                before[j] += days[split - 1][j]
                after[j] -= days[split - 1][j]
            }
            guard split >= minimumSegment, days.count - split >= minimumSegment,
                  let statistic = Self.statistic(before: before, after: after, kind: kind, minimumCount: minimumCount)
            else { continue }
            if best == nil || statistic > best!.statistic { best = (split, statistic) }
        }
        return best
    }

    /// z², t² or χ² of before against after; nil when a side has too few observations.
    static func statistic(before: [Double], after: [Double], kind: DailySeries, minimumCount: Int) -> Double? {
        switch kind {
        case .proportion:
            guard before[1] >= Double(minimumCount), after[1] >= Double(minimumCount) else { return nil }
            let pooled = (before[0] + after[0]) / (before[1] + after[1])
            let variance = pooled * (1 - pooled) * (1 / before[1] + 1 / after[1])
            guard variance > 0 else { return 0 }
            let difference = before[0] / before[1] - after[0] / after[1]
            return difference * difference / variance
        case .mean:
            guard before[0] >= Double(max(2, minimumCount)), after[0] >= Double(max(2, minimumCount)) else { return nil }
            let a = SampleSummary(count: Int(before[0]), sum: before[1], sumOfSquares: before[2])
            let b = SampleSummary(count: Int(after[0]), sum: after[1], sumOfSquares: after[2])
            let standardError = a.variance / Double(a.count) + b.variance / Double(b.count)
            guard standardError > 0 else { return a.mean == b.mean ? 0 : .greatestFiniteMagnitude }
            return (a.mean - b.mean) * (a.mean - b.mean) / standardError
        case .mix:
            let nBefore = before.reduce(0, +), nAfter = after.reduce(0, +)
            guard nBefore >= Double(minimumCount), nAfter >= Double(minimumCount) else { return nil }
            let total = nBefore + nAfter
            var chiSquare = 0.0
            for j in before.indices {
                let column = before[j] + after[j]
                guard column > 0 else { continue }
                let expectedBefore = nBefore * column / total, expectedAfter = nAfter * column / total
                chiSquare += (before[j] - expectedBefore) * (before[j] - expectedBefore) / expectedBefore
                    + (after[j] - expectedAfter) * (after[j] - expectedAfter) / expectedAfter
            }
            return chiSquare
        }
    }

    private func sum(_ days: ArraySlice<[Double]>) -> [Double] {
        var total = [Double](repeating: 0, count: days.first?.count ?? 0)
        for day in days { for j in total.indices { total[j] += day[j] } }
        return total
    }

    private func describe(before: [Double], after: [Double], kind: DailySeries)
        -> (before: [Double], after: [Double], beforeCount: Int, afterCount: Int, testPValue: Double, effect: Double)
    {
        switch kind {
        case .proportion:
            let a = Proportion(Int(before[0]), of: Int(before[1])), b = Proportion(Int(after[0]), of: Int(after[1]))
            let rateBefore = a.rate ?? 0, rateAfter = b.rate ?? 0
            let effect = rateBefore > 0 ? abs(rateAfter - rateBefore) / rateBefore : (rateAfter > 0 ? .infinity : 0)
            return ([rateBefore], [rateAfter], a.trials, b.trials,
                    SignificanceTest.twoProportion(a, b)?.pValue ?? 1, effect)
        case .mean:
            let a = SampleSummary(count: Int(before[0]), sum: before[1], sumOfSquares: before[2])
            let b = SampleSummary(count: Int(after[0]), sum: after[1], sumOfSquares: after[2])
            let effect = a.mean != 0 ? abs(b.mean - a.mean) / abs(a.mean) : (b.mean != 0 ? .infinity : 0)
            return ([a.mean], [b.mean], a.count, b.count, SignificanceTest.welch(a, b)?.pValue ?? 1, effect)
        case .mix:
            let nBefore = before.reduce(0, +), nAfter = after.reduce(0, +)
            let shareBefore = before.map { nBefore > 0 ? $0 / nBefore : 0 }
            let shareAfter = after.map { nAfter > 0 ? $0 / nAfter : 0 }
            let distance = zip(shareBefore, shareAfter).reduce(0) { $0 + abs($1.0 - $1.1) } / 2
            let test = SignificanceTest.chiSquareIndependence([before.map { Int($0) }, after.map { Int($0) }])
            return (shareBefore, shareAfter, Int(nBefore), Int(nAfter), test?.pValue ?? 1, distance)
        }
    }
}
