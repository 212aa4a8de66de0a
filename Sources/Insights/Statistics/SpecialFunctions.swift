import Foundation

/// The special functions behind the p-values of `SignificanceTest`: the regularised incomplete gamma and beta
/// functions (Numerical Recipes §6.2 and §6.4: a series where it converges fast, a continued fraction elsewhere,
/// evaluated with the modified Lentz method).
public enum SpecialFunctions {
    private static let epsilon = 1e-15
    private static let tiny = 1e-300
    private static let iterations = 10_000

    /// The regularised lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a), for a > 0 and x ≥ 0.
    public static func regularizedGammaP(_ a: Double, _ x: Double) -> Double {
        guard a > 0, x.isFinite || x == .infinity else { return .nan }
        if x <= 0 { return 0 }
        if x == .infinity { return 1 }
        return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x)
    }

    /// The regularised upper incomplete gamma function Q(a, x) = 1 − P(a, x), accurate in the far tail.
    public static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        guard a > 0, !x.isNaN else { return .nan }
        if x <= 0 { return 1 }
        if x == .infinity { return 0 }
        return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x)
    }

    /// The regularised incomplete beta function I_x(a, b), for a, b > 0 and 0 ≤ x ≤ 1.
    public static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        guard a > 0, b > 0, x >= 0, x <= 1 else { return .nan }
        if x == 0 { return 0 }
        if x == 1 { return 1 }
        let front = exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * log(x) + b * log1p(-x))
        // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
        if x < (a + 1) / (a + b + 2) { return front * betaContinuedFraction(x, a, b) / a }
        return 1 - front * betaContinuedFraction(1 - x, b, a) / b
    }

    /// ln Γ(x) for x > 0 (the C library's `lgamma`, accurate to a few ulps).
    public static func logGamma(_ x: Double) -> Double { lgamma(x) }

    private static func gammaSeries(_ a: Double, _ x: Double) -> Double {
        var term = 1 / a
        var sum = term
        var ap = a
        for _ in 0..<iterations {
            ap += 1
            term *= x / ap
            sum += term
            if abs(term) < abs(sum) * epsilon { break }
        }
        return sum * exp(-x + a * log(x) - logGamma(a))
    }

    private static func gammaContinuedFraction(_ a: Double, _ x: Double) -> Double {
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1...iterations {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return exp(-x + a * log(x) - logGamma(a)) * h
    }

    private static func betaContinuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for step in 1...iterations {
            let m = Double(step), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }
}

/// Tail probabilities of the distributions the tests use.
public enum Distributions {
    /// P(Z > z) for a standard normal Z.
    public static func normalSurvival(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }

    /// P(|Z| ≥ |z|): the two-sided p-value of a z statistic.
    public static func normalTwoSided(_ z: Double) -> Double { min(1, erfc(abs(z) / 2.0.squareRoot())) }

    /// P(X ≥ x) for X chi-square with `degreesOfFreedom`.
    public static func chiSquareSurvival(_ x: Double, degreesOfFreedom: Double) -> Double {
        guard degreesOfFreedom > 0 else { return .nan }
        return SpecialFunctions.regularizedGammaQ(degreesOfFreedom / 2, max(0, x) / 2)
    }

    /// P(|T| ≥ |t|) for T Student-t with `degreesOfFreedom` (which need not be whole: Welch's test).
    public static func studentTTwoSided(_ t: Double, degreesOfFreedom: Double) -> Double {
        guard degreesOfFreedom > 0, !t.isNaN else { return .nan }
        if t.isInfinite { return 0 }
        return SpecialFunctions.regularizedBeta(degreesOfFreedom / (degreesOfFreedom + t * t), degreesOfFreedom / 2, 0.5)
    }
}
