import Foundation

/// Scores how likely a user request asks for harmful help, from its sentence embedding: a binary softmax
/// regression trained by `parley train unsafe` and shipped as JSON (`Flags/Data/unsafe_request_minilm.json`).
///
/// ```swift
/// let detector = try UnsafeRequestDetector(weightsJSON: Array(data))
/// if detector.score(embedding) >= detector.threshold { /* flag it */ }
/// ```
public struct UnsafeRequestDetector: Sendable {
    /// The stored form: model, threshold, and where it came from.
    public struct Weights: Codable, Sendable, Equatable {
        /// Format version of this file.
        public var version: Int
        /// The embedding model whose vectors the regression reads (e.g. `sentence-transformers/all-MiniLM-L6-v2`).
        public var embeddingModel: String
        /// Scores at or above this are unsafe.
        public var threshold: Float
        /// Binary regression; class 1 is unsafe.
        public var model: SoftmaxRegression
        /// How the weights were trained (data, weighting, penalty), for people reading the file.
        public var notes: [String: String]

        /// Weights with the given parts.
        public init(version: Int = 1, embeddingModel: String, threshold: Float, model: SoftmaxRegression,
                    notes: [String: String] = [:]) {
            self.version = version
            self.embeddingModel = embeddingModel
            self.threshold = threshold
            self.model = model
            self.notes = notes
        }
    }

    /// The weights in use.
    public let weights: Weights

    /// The default decision threshold.
    public var threshold: Float { weights.threshold }
    /// Expected embedding length.
    public var dimension: Int { weights.model.dimension }

    /// A detector from decoded weights.
    /// - Throws: `DecodingError` when the model is not a binary classifier.
    public init(weights: Weights) throws {
        guard weights.model.classCount == 2 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "expected a binary model"))
        }
        self.weights = weights
    }

    /// A detector from the JSON of `Weights`.
    /// - Throws: `DecodingError` for malformed JSON or a non-binary model.
    public init(weightsJSON: some Collection<UInt8>) throws {
        try self.init(weights: JSONDecoder().decode(Weights.self, from: Data(weightsJSON)))
    }

    /// Probability that the request behind `embedding` is unsafe.
    /// - Precondition: `embedding.count == dimension`.
    public func score(_ embedding: [Float]) -> Float {
        weights.model.probabilities(for: embedding)[1]
    }

    /// Unsafe probabilities of `count` embeddings (`count × dimension`, row-major).
    public func scores(embeddings: [Float], count: Int) -> [Float] {
        let p = weights.model.probabilities(features: embeddings, count: count)
        return (0..<count).map { p[$0 * 2 + 1] }
    }

    /// The weights as JSON (sorted keys, so retraining with the same data gives the same file).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(weights)
    }
}
