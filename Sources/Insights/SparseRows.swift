/// Rows of a sparse matrix in compressed-row form (CSR): row `i` holds `columns[starts[i]..<starts[i+1]]` with
/// the matching `values`.
public struct SparseRows: Sendable, Equatable {
    /// Number of columns.
    public let width: Int
    /// Offsets into `columns`/`values`; `count + 1` entries starting with 0.
    public private(set) var starts: [Int] = [0]
    /// Column of every stored value.
    public private(set) var columns: [Int32] = []
    /// The stored values.
    public private(set) var values: [Float] = []

    /// An empty matrix with `width` columns.
    public init(width: Int) {
        self.width = width
    }

    /// Number of rows.
    public var count: Int { starts.count - 1 }

    /// Appends a row from (column, value) pairs.
    /// - Precondition: every column is in `0..<width`.
    public mutating func append(_ entries: [(column: Int, value: Float)]) {
        for entry in entries {
            precondition((0..<width).contains(entry.column), "SparseRows: column \(entry.column) out of range")
            columns.append(Int32(entry.column))
            values.append(entry.value)
        }
        starts.append(columns.count)
    }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: [Int]) -> SparseRows {
        var subset = SparseRows(width: width)
        for row in indices {
            subset.append((starts[row]..<starts[row + 1]).map { (Int(columns[$0]), values[$0]) })
        }
        return subset
    }
}
