import Foundation
import Testing

@testable import Insights

/// Reference values are SciPy 1.17's (`scipy.stats`), quoted to the digits checked.
@Suite struct StatisticsTests {
    @Test func chiSquareTailMatchesTables() {
        // chi2.sf: the 5 % critical values of 1, 2 and 10 degrees of freedom, and a few others.
        #expect(abs(Distributions.chiSquareSurvival(3.841458820694124, degreesOfFreedom: 1) - 0.05) < 1e-12)
        #expect(abs(Distributions.chiSquareSurvival(5.991464547107979, degreesOfFreedom: 2) - 0.05) < 1e-12)
        #expect(abs(Distributions.chiSquareSurvival(18.307038053275146, degreesOfFreedom: 10) - 0.05) < 1e-12)
        #expect(abs(Distributions.chiSquareSurvival(10, degreesOfFreedom: 3) - 0.01856613546304325) < 1e-12)
        #expect(abs(Distributions.chiSquareSurvival(100, degreesOfFreedom: 80) - 0.064570368921133) < 1e-12)
        #expect(abs(Distributions.chiSquareSurvival(0.5, degreesOfFreedom: 4) - 0.9735009788392561) < 1e-12)
        #expect(abs(Distributions.chiSquareSurvival(250, degreesOfFreedom: 200) - 0.009379131668826098) < 1e-12)
        #expect(Distributions.chiSquareSurvival(0, degreesOfFreedom: 3) == 1)
    }

    @Test func incompleteGammaHalvesAreComplementary() {
        for a in [0.5, 1, 2.5, 10, 75] {
            for x in [0.1, 1, 3, 10, 80] {
                let p = SpecialFunctions.regularizedGammaP(a, x), q = SpecialFunctions.regularizedGammaQ(a, x)
                #expect(abs(p + q - 1) < 1e-12)
            }
        }
        // P(1, x) = 1 − e^−x.
        #expect(abs(SpecialFunctions.regularizedGammaP(1, 2) - (1 - exp(-2))) < 1e-14)
    }

    @Test func normalAndStudentTailsMatchScipy() {
        #expect(abs(Distributions.normalTwoSided(1.959963984540054) - 0.05) < 1e-12)
        #expect(abs(Distributions.normalTwoSided(-1.959963984540054) - 0.05) < 1e-12)
        // 2 * t.sf(t, df)
        #expect(abs(Distributions.studentTTwoSided(2.0, degreesOfFreedom: 5) - 0.10193947882985835) < 1e-10)
        #expect(abs(Distributions.studentTTwoSided(2.2281388519649385, degreesOfFreedom: 10) - 0.05) < 1e-10)
        #expect(abs(Distributions.studentTTwoSided(1.5, degreesOfFreedom: 123.4) - 0.13616858853866343) < 1e-10)
    }

    @Test func twoProportionTestMatchesHandComputation() throws {
        // 45 of 100 against 30 of 100: pooled z = 2.19089…, p = 0.028459…
        let result = try #require(SignificanceTest.twoProportion(Proportion(45, of: 100), Proportion(30, of: 100)))
        #expect(abs(result.statistic - 2.1908902300206647) < 1e-12)
        #expect(abs(result.pValue - 0.02845973691631055) < 1e-12)
        #expect(SignificanceTest.twoProportion(Proportion(0, of: 50), Proportion(0, of: 80))?.pValue == 1)
        #expect(SignificanceTest.twoProportion(Proportion(3, of: 0), Proportion(1, of: 10)) == nil)
    }

    @Test func chiSquareIndependenceMatchesScipy() throws {
        // scipy.stats.chi2_contingency([[10, 20, 30], [6, 9, 17]]): 0.27157…, p 0.87302…, 2 degrees of freedom.
        let result = try #require(SignificanceTest.chiSquareIndependence([[10, 20, 30], [6, 9, 17]]))
        #expect(abs(result.statistic - 0.27157465150403504) < 1e-12)
        #expect(abs(result.pValue - 0.873028283380073) < 1e-12)
        #expect(result.degreesOfFreedom == 2)
        // Empty columns are dropped, so they change nothing.
        let padded = try #require(SignificanceTest.chiSquareIndependence([[10, 0, 20, 30], [6, 0, 9, 17]]))
        #expect(padded == result)
        #expect(SignificanceTest.chiSquareIndependence([[5, 0], [7, 0]]) == nil)
    }

    @Test func welchTestMatchesScipy() throws {
        // scipy.stats.ttest_ind(a, b, equal_var=False)
        let a = SampleSummary([12.1, 14.3, 11.8, 15.0, 13.2, 12.7, 16.1])
        let b = SampleSummary([10.2, 11.1, 9.8, 12.4, 10.9, 11.5])
        let result = try #require(SignificanceTest.welch(a, b))
        #expect(abs(result.statistic - 3.6837528949795435) < 1e-10)
        #expect(abs(result.pValue - 0.004326830701398623) < 1e-10)
        #expect(abs((result.degreesOfFreedom ?? 0) - 9.852613706692418) < 1e-9)
        // Moments give the same summary as the values.
        let moments = SampleSummary(count: 6, sum: 65.9, sumOfSquares: [10.2, 11.1, 9.8, 12.4, 10.9, 11.5].reduce(0) { $0 + $1 * $1 })
        #expect(abs(moments.variance - b.variance) < 1e-9)
    }

    @Test func adjustmentsMatchScipyAndHolm() {
        // scipy.stats.false_discovery_control([0.01, 0.04, 0.03, 0.005, 0.5])
        let bh = MultipleComparisons.benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.5])
        for (value, expected) in zip(bh, [0.025, 0.05, 0.05, 0.025, 0.5]) { #expect(abs(value - expected) < 1e-12) }
        // Holm: sorted 0.005·5, 0.01·4, 0.03·3, 0.04·2, 0.5·1, made monotone.
        let holm = MultipleComparisons.holm([0.01, 0.04, 0.03, 0.005, 0.5])
        for (value, expected) in zip(holm, [0.04, 0.09, 0.09, 0.025, 0.5]) { #expect(abs(value - expected) < 1e-12) }
        #expect(MultipleComparisons.benjaminiHochberg([0.2, .nan])[1].isNaN)
    }

    /// Synthetic groups where the answer is known: a real difference is found, no difference is not.
    @Test func syntheticGroupsAreFlaggedOnlyWhenTheyDiffer() throws {
        var random = SplitMix64(seed: 7)
        func proportion(_ rate: Double, _ n: Int) -> Proportion {
            Proportion((0..<n).filter { _ in random.unit() < rate }.count, of: n)
        }
        let higher = try #require(SignificanceTest.twoProportion(proportion(0.10, 2_000), proportion(0.20, 2_000)))
        #expect(higher.pValue < 1e-6)
        // Under the null, the 5 % test rejects about 5 % of the time (calibration over 2,000 pairs).
        var rejected = 0
        for _ in 0..<2_000 {
            if let test = SignificanceTest.twoProportion(proportion(0.15, 400), proportion(0.15, 400)), test.pValue < 0.05 {
                rejected += 1
            }
        }
        #expect((60...140).contains(rejected))
        // Means: lengths around 600 against 480 differ; two draws around 500 do not.
        func lengths(_ mean: Double, _ n: Int) -> SampleSummary {
            SampleSummary((0..<n).map { _ in mean + 150 * Self.gaussian(&random) })
        }
        #expect(try #require(SignificanceTest.welch(lengths(600, 300), lengths(480, 300))).pValue < 1e-6)
        #expect(try #require(SignificanceTest.welch(lengths(500, 300), lengths(500, 300))).pValue > 0.001)
    }

    static func gaussian(_ random: inout SplitMix64) -> Double {
        let u = max(random.unit(), 1e-300), v = random.unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
