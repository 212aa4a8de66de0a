/// A batch of embeddings stored row-major in one contiguous `[Float]` (`count` × `dimension`).
public struct EmbeddingMatrix: Sendable, Equatable {
    /// Number of rows (texts).
    public let count: Int
    /// Length of each row.
    public let dimension: Int
    /// All rows back to back: row `i` is `values[i * dimension ..< (i + 1) * dimension]`.
    public var values: [Float]

    /// Wraps `values`, whose length must be `count * dimension`.
    /// - Throws: `EmbeddingsError.dimensionMismatch` otherwise.
    public init(count: Int, dimension: Int, values: [Float]) throws {
        guard count >= 0, dimension >= 0, values.count == count * dimension else {
            throw EmbeddingsError.dimensionMismatch(
                "EmbeddingMatrix \(count) × \(dimension)", expected: max(0, count * dimension), actual: values.count)
        }
        self.count = count
        self.dimension = dimension
        self.values = values
    }

    /// A zero matrix.
    public init(count: Int, dimension: Int) {
        self.count = max(0, count)
        self.dimension = max(0, dimension)
        self.values = [Float](repeating: 0, count: self.count * self.dimension)
    }

    /// Row `index` as a new array.
    public func row(_ index: Int) -> [Float] {
        Array(values[index * dimension..<(index + 1) * dimension])
    }

    /// Every row as its own array (convenient, but allocates one array per row).
    public var rows: [[Float]] {
        (0..<count).map(row)
    }
}
