import Testing

@testable import Insights

@Suite struct HungarianTests {
    @Test(arguments: [1, 2, 3, 4, 5])
    func squareMatricesMatchBruteForce(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let n = 5
        let costs = (0..<(n * n)).map { _ in Double(generator.next() % 100) }
        let assignment = Hungarian.solve(costs: costs, rows: n, columns: n)
        let columns = assignment.compactMap { $0 }
        #expect(Set(columns).count == n)
        let total = assignment.enumerated().reduce(0.0) { $0 + costs[$1.offset * n + ($1.element ?? 0)] }
        #expect(total == bruteForceMinimum(costs, n: n))
    }

    @Test func rectangularMatricesMatchTheSmallerSide() {
        // 2 rows, 3 columns: rows take columns 2 and 0.
        let wide = Hungarian.solve(costs: [5, 9, 1, 2, 8, 7], rows: 2, columns: 3)
        #expect(wide == [2, 0])
        // 3 rows, 2 columns: the costliest row is left out.
        let tall = Hungarian.solve(costs: [1, 9, 9, 1, 5, 5], rows: 3, columns: 2)
        #expect(tall == [0, 1, nil])
    }

    func bruteForceMinimum(_ costs: [Double], n: Int) -> Double {
        func permutations(_ items: [Int]) -> [[Int]] {
            guard items.count > 1 else { return [items] }
            return items.flatMap { item in permutations(items.filter { $0 != item }).map { [item] + $0 } }
        }
        return permutations(Array(0..<n)).map { p in p.enumerated().reduce(0.0) { $0 + costs[$1.offset * n + $1.element] } }
            .min() ?? 0
    }
}
