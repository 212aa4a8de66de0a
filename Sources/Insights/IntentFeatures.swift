/// What the intent classifier sees of `count` texts: their sentence embeddings (MiniLM in production), an
/// optional second embedding (the static potion model, cheap to compute), and optionally the texts themselves
/// for lexical features.
public struct IntentFeatures: Sendable, Equatable {
    /// Number of texts.
    public let count: Int
    /// Primary embeddings, `count × dimension`, rows L2-normalised.
    public let embeddings: [Float]
    /// Length of a primary embedding.
    public let dimension: Int
    /// Optional second embeddings, `count × secondaryDimension`, rows L2-normalised.
    public let secondary: [Float]?
    /// Length of a second embedding (0 without them).
    public let secondaryDimension: Int
    /// The texts, for word n-gram features; nil to use embeddings only.
    public let texts: [String]?

    /// Features from embeddings and, optionally, second embeddings and texts.
    /// - Throws: `IntentClassifierError` when the sizes disagree.
    public init(
        embeddings: [Float], dimension: Int, secondary: [Float]? = nil, secondaryDimension: Int = 0,
        texts: [String]? = nil
    ) throws {
        guard dimension > 0, embeddings.count % dimension == 0 else {
            throw IntentClassifierError.sizes("embeddings are not a whole number of \(dimension)-vectors")
        }
        let count = embeddings.count / dimension
        if let secondary {
            guard secondaryDimension > 0, secondary.count == count * secondaryDimension else {
                throw IntentClassifierError.sizes("second embeddings do not match \(count) × \(secondaryDimension)")
            }
        }
        if let texts, texts.count != count {
            throw IntentClassifierError.sizes("\(texts.count) texts for \(count) embeddings")
        }
        self.count = count
        self.embeddings = embeddings
        self.dimension = dimension
        self.secondary = secondary
        self.secondaryDimension = secondary == nil ? 0 : secondaryDimension
        self.texts = texts
    }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: [Int]) -> IntentFeatures {
        func pick(_ values: [Float], _ d: Int) -> [Float] {
            var out: [Float] = []
            out.reserveCapacity(indices.count * d)
            for row in indices { out += values[(row * d)..<((row + 1) * d)] }
            return out
        }
        return IntentFeatures(
            count: indices.count, embeddings: pick(embeddings, dimension), dimension: dimension,
            secondary: secondary.map { pick($0, secondaryDimension) }, secondaryDimension: secondaryDimension,
            texts: texts.map { texts in indices.map { texts[$0] } })
    }

    /// Rows already known to be consistent.
    private init(
        count: Int, embeddings: [Float], dimension: Int, secondary: [Float]?, secondaryDimension: Int, texts: [String]?
    ) {
        self.count = count
        self.embeddings = embeddings
        self.dimension = dimension
        self.secondary = secondary
        self.secondaryDimension = secondaryDimension
        self.texts = texts
    }

    /// Width of the dense feature rows (primary then second embedding).
    var denseDimension: Int { dimension + secondaryDimension }

    /// Primary and second embedding side by side, `count × denseDimension`.
    var dense: [Float] {
        guard let secondary else { return embeddings }
        var out: [Float] = []
        out.reserveCapacity(count * denseDimension)
        for row in 0..<count {
            out += embeddings[(row * dimension)..<((row + 1) * dimension)]
            out += secondary[(row * secondaryDimension)..<((row + 1) * secondaryDimension)]
        }
        return out
    }
}

/// Why intent features or a classifier could not be used.
public struct IntentClassifierError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable {
        case sizes, mismatch, training
    }

    private let code: Code
    /// What was wrong.
    public let detail: String

    /// Sizes of the given arrays disagree.
    static func sizes(_ detail: String) -> Self { Self(code: .sizes, detail: detail) }
    /// The features do not have the shape the classifier was trained on.
    static func mismatch(_ detail: String) -> Self { Self(code: .mismatch, detail: detail) }
    /// The training data cannot train a classifier.
    static func training(_ detail: String) -> Self { Self(code: .training, detail: detail) }

    public var description: String {
        switch code {
        case .sizes: "intent features: \(detail)"
        case .mismatch: "intent classifier: features do not match the model: \(detail)"
        case .training: "intent classifier: cannot train: \(detail)"
        }
    }
}
