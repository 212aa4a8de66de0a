/// A batch of embeddings stored row-major in one contiguous `[Float]` (`count` × `dimension`).
public struct EmbeddingMatrix: Sendable, Equatable {
    /// Number of rows (texts).
    public let count: Int
    /// Length of each row.
    public let dimension: Int
    /// All rows back to back: row `i` is `values[i * dimension ..< (i + 1) * dimension]`.
    public var values: [Float]

    /// Wraps `values`, whose length must be `count * dimension`.
    public init(count: Int, dimension: Int, values: [Float]) {
        precondition(values.count == count * dimension, "EmbeddingMatrix: values do not match count × dimension")
        self.count = count
        self.dimension = dimension
        self.values = values
    }

    /// A zero matrix.
    public init(count: Int, dimension: Int) {
        self.init(count: count, dimension: dimension, values: [Float](repeating: 0, count: count * dimension))
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
