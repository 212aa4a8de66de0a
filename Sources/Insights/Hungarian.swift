/// The assignment problem: a minimum-cost one-to-one matching of rows to columns of a cost matrix
/// (Kuhn–Munkres with potentials, O(n²m)). Rectangular matrices are allowed; the smaller side is fully matched.
public enum Hungarian {
    /// For every row, the column it is matched to (nil when there are more rows than columns and the row is
    /// left out). `costs` is `rows × columns`, row-major.
    public static func solve(costs: [Double], rows: Int, columns: Int) -> [Int?] {
        guard rows > 0, columns > 0, costs.count == rows * columns else { return Array(repeating: nil, count: max(rows, 0)) }
        if rows > columns {
            var transposed = [Double](repeating: 0, count: rows * columns)
            for r in 0..<rows { for c in 0..<columns { transposed[c * rows + r] = costs[r * columns + c] } }
            let columnToRow = solve(costs: transposed, rows: columns, columns: rows)
            var result = [Int?](repeating: nil, count: rows)
            for (column, row) in columnToRow.enumerated() { if let row { result[row] = column } }
            return result
        }
        // rows ≤ columns: classic potentials algorithm with 1-based sentinels.
        let n = rows
        let m = columns
        var u = [Double](repeating: 0, count: n + 1)
        var v = [Double](repeating: 0, count: m + 1)
        var matchedRow = [Int](repeating: 0, count: m + 1)  // column j → row (1-based), 0 = free
        var way = [Int](repeating: 0, count: m + 1)
        for i in 1...n {
            matchedRow[0] = i
            var j0 = 0
            var minimum = [Double](repeating: .infinity, count: m + 1)
            var used = [Bool](repeating: false, count: m + 1)
            repeat {
                used[j0] = true
                let i0 = matchedRow[j0]
                var delta = Double.infinity
                var j1 = 0
                for j in 1...m where !used[j] {
                    let reduced = costs[(i0 - 1) * m + (j - 1)] - u[i0] - v[j]
                    if reduced < minimum[j] { minimum[j] = reduced; way[j] = j0 }
                    if minimum[j] < delta { delta = minimum[j]; j1 = j }
                }
                for j in 0...m {
                    if used[j] { u[matchedRow[j]] += delta; v[j] -= delta } else { minimum[j] -= delta }
                }
                j0 = j1
            } while matchedRow[j0] != 0
            repeat {
                let j1 = way[j0]
                matchedRow[j0] = matchedRow[j1]
                j0 = j1
            } while j0 != 0
        }
        var result = [Int?](repeating: nil, count: n)
        for j in 1...m where matchedRow[j] > 0 { result[matchedRow[j] - 1] = j - 1 }
        return result
    }
}
