import Foundation
import Testing

@testable import Insights

@Suite struct ChangePointTests {
    /// A 60-day refusal rate stepping from 5 % to 12 % on day 40.
    static func steppedRates(seed: UInt64, step: Int? = 40, before: Double = 0.05, after: Double = 0.12,
                             perDay: Int = 200) -> DailySeries {
        var random = SplitMix64(seed: seed)
        return .proportion((0..<60).map { day in
            let rate = step.map { day >= $0 ? after : before } ?? before
            return Proportion((0..<perDay).filter { _ in random.unit() < rate }.count, of: perDay)
        })
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func stepInARateIsFoundOnItsDay(seed: UInt64) throws {
        let points = ChangePointDetector().detect(Self.steppedRates(seed: seed))
        let point = try #require(points.first)
        #expect(points.count == 1)
        #expect(abs(point.index - 40) <= 1)
        #expect(abs(point.before[0] - 0.05) < 0.015 && abs(point.after[0] - 0.12) < 0.02)
        #expect(point.pValue <= 0.01)
        #expect(point.beforeCount + point.afterCount == 60 * 200)
    }

    @Test func stepInAMeanIsFoundOnItsDay() throws {
        var random = SplitMix64(seed: 11)
        let days = (0..<60).map { day in
            Moments((0..<50).map { _ in (day >= 40 ? 650 : 500) + 150 * StatisticsTests.gaussian(&random) })
        }
        let point = try #require(ChangePointDetector().detect(.mean(days)).first)
        #expect(point.index == 40)
        #expect(abs(point.before[0] - 500) < 15 && abs(point.after[0] - 650) < 20)
    }

    @Test func shiftInAMixIsFoundOnItsDay() throws {
        var random = SplitMix64(seed: 12)
        func draw(_ shares: [Double]) -> Int {
            var u = random.unit()
            for (index, share) in shares.enumerated() {
                if u < share { return index }
                u -= share
            }
            return shares.count - 1
        }
        let days = (0..<60).map { day -> [Int] in
            var counts = [0, 0, 0, 0]
            for _ in 0..<80 { counts[draw(day >= 40 ? [0.25, 0.3, 0.2, 0.25] : [0.4, 0.3, 0.2, 0.1])] += 1 }
            return counts
        }
        let point = try #require(ChangePointDetector().detect(.mix(days)).first)
        #expect(abs(point.index - 40) <= 1)
        #expect(point.effect > 0.1)
    }

    /// Stationary series are flagged at no more than the nominal 1 % (effect floors off, so the test alone decides).
    @Test func stationarySeriesAreFlaggedAtMostAtTheNominalRate() {
        var detector = ChangePointDetector()
        detector.minimumRelativeChange = 0
        detector.minimumRateChange = 0
        detector.maximumChangePoints = 1
        let seeds = 0..<300 as Range<UInt64>
        let flagged = seeds.filter { !detector.detect(Self.steppedRates(seed: 1_000 + $0, step: nil, before: 0.08)).isEmpty }
        // Binomial(300, 0.01): mean 3, P(≥ 9) < 0.5 %.
        #expect(flagged.count <= 8)
        // With the default effect floors too, at most the nominal rate.
        let defaults = ChangePointDetector()
        #expect(seeds.filter { !defaults.detect(Self.steppedRates(seed: 5_000 + $0, step: nil)).isEmpty }.count <= 8)
    }

    /// Days that vary more than binomial noise (a busy day, an odd batch) do not fool the test: it shuffles whole days.
    @Test func overdispersedStationarySeriesAreNotFlagged() {
        var detector = ChangePointDetector()
        detector.minimumRelativeChange = 0
        detector.minimumRateChange = 0
        var flagged = 0
        for seed in 0..<100 as Range<UInt64> {
            var random = SplitMix64(seed: 9_000 + seed)
            let series = DailySeries.proportion((0..<60).map { _ in
                let rate = 0.1 + 0.03 * (random.unit() - 0.5)
                return Proportion((0..<2_000).filter { _ in random.unit() < rate }.count, of: 2_000)
            })
            if !detector.detect(series).isEmpty { flagged += 1 }
        }
        #expect(flagged <= 5)
    }

    /// With huge samples, a shift of 0.4 points is real but trivial: the effect floor keeps it out.
    @Test func trivialShiftsInLargeSamplesAreNotFlagged() {
        let series = Self.steppedRates(seed: 3, before: 0.100, after: 0.104, perDay: 20_000)
        #expect(ChangePointDetector().detect(series).isEmpty)
    }

    @Test func shortOrEmptySeriesHaveNoChangePoints() {
        #expect(ChangePointDetector().detect(.proportion([])).isEmpty)
        #expect(ChangePointDetector().detect(.proportion(Array(repeating: Proportion(0, of: 0), count: 60))).isEmpty)
        // A model used for ten days only: too short to split.
        let short = (0..<60).map { $0 >= 50 ? Proportion($0 >= 55 ? 50 : 5, of: 100) : Proportion(0, of: 0) }
        #expect(ChangePointDetector().detect(.proportion(short)).isEmpty)
    }
}
