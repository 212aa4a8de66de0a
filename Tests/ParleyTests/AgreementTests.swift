@testable import Parley
import Testing

/// Cohen's and Fleiss' kappa against values computed by hand (and the textbook examples).
@Suite struct AgreementTests {
    @Test func cohenOnTheTextbookTable() throws {
        // Two raters, 50 items: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no. p_o = 0.7; p_e = 0.5·0.6 + 0.5·0.4 = 0.5;
        // κ = (0.7 − 0.5) / (1 − 0.5) = 0.4.
        let pairs = Array(repeating: ("yes", "yes"), count: 20) + Array(repeating: ("yes", "no"), count: 5)
            + Array(repeating: ("no", "yes"), count: 10) + Array(repeating: ("no", "no"), count: 15)
        let result = try #require(Agreement.cohen(pairs))
        #expect(result.method == .cohen)
        #expect(abs(result.observed - 0.7) < 1e-12)
        #expect(abs(result.expected - 0.5) < 1e-12)
        #expect(abs((result.kappa ?? 0) - 0.4) < 1e-12)
    }

    @Test func cohenEdgeCases() throws {
        #expect(try #require(Agreement.cohen([(1, 1), (2, 2), (3, 3)])).kappa == 1)
        // Always opposite on two categories used equally: p_o = 0, p_e = 0.5, κ = −1.
        #expect(try #require(Agreement.cohen([(1, 2), (2, 1), (1, 2), (2, 1)])).kappa == -1)
        // Every rating in one category: chance agreement is 1 and kappa undefined.
        #expect(try #require(Agreement.cohen([(4, 4), (4, 4)])).kappa == nil)
        #expect(Agreement.cohen([(Int, Int)]()) == nil)
    }

    @Test func fleissOnTheTextbookTable() throws {
        // Fleiss (1971) as reproduced on Wikipedia: 10 items, 14 raters, 5 categories; P̄ = 0.378, P_e = 0.213,
        // κ = 0.210.
        let table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                     [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
        let items = table.map { row in row.enumerated().flatMap { category, count in Array(repeating: category + 1, count: count) } }
        let result = try #require(Agreement.fleiss(items))
        #expect(result.method == .fleiss && result.items == 10)
        #expect(abs(result.observed - 0.378021978) < 1e-8)
        #expect(abs(result.expected - 0.212755102) < 1e-8)
        #expect(abs((result.kappa ?? 0) - 0.209930704) < 1e-8)
    }

    @Test func fleissByHand() throws {
        // Three raters: [1,1,1], [1,2,2], [2,2,2]. P_i = 1, 1/3, 1 → P̄ = 7/9; p = (4/9, 5/9) → P_e = 41/81;
        // κ = (63/81 − 41/81) / (40/81) = 22/40 = 0.55. An item with one rating is left out.
        let result = try #require(Agreement.fleiss([[1, 1, 1], [1, 2, 2], [2, 2, 2], [5]]))
        #expect(result.items == 3)
        #expect(abs((result.kappa ?? 0) - 0.55) < 1e-12)
        #expect(Agreement.fleiss([[3]]) == nil)
    }

    @Test func kappaPicksTheMethod() throws {
        let two = [["a": 1, "b": 1], ["a": 2, "b": 2], ["a": 1, "b": 2], ["a": 2, "b": 2]]
        let cohen = try #require(Agreement.kappa(two))
        // p_o = 3/4; p_a = (1/2, 1/2), p_b = (1/4, 3/4); p_e = 1/8 + 3/8 = 1/2; κ = 0.5.
        #expect(cohen.method == .cohen && abs((cohen.kappa ?? 0) - 0.5) < 1e-12)
        let three = [["a": 1, "b": 1, "c": 1], ["a": 1, "b": 2, "c": 2], ["a": 2, "b": 2, "c": 2]]
        let fleiss = try #require(Agreement.kappa(three))
        #expect(fleiss.method == .fleiss && abs((fleiss.kappa ?? 0) - 0.55) < 1e-12)
        // Different pairs of raters on different items: Fleiss.
        #expect(try #require(Agreement.kappa([["a": 1, "b": 1], ["b": 2, "c": 2]])).method == .fleiss)
    }
}
