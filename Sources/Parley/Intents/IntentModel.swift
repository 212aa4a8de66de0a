import Foundation
import Insights

/// A stored intent classifier: the zero-shot prototypes or the supervised ensemble, with the intent id of each
/// class and the confidence below which a conversation is unrecognized.
///
/// Stored in `intent_models.parameters` as the JSONEncoder bytes of `Parameters`.
struct IntentModel: Sendable {
    /// The algorithm's parameters.
    enum Parameters: Codable, Sendable {
        case prototypes(PrototypeClassifier)
        case classifier(IntentClassifier)
    }

    var parameters: Parameters
    /// Class index → intent id.
    var intentIDs: [Int]
    /// Confidence below which a prediction is rejected (unrecognized).
    var threshold: Float

    var kind: String {
        switch parameters {
        case .prototypes: "zero_shot"
        case .classifier: "supervised"
        }
    }

    /// Length of the embeddings the model reads.
    var dimension: Int {
        switch parameters {
        case .prototypes(let model): model.dimension
        case .classifier(let model): model.dimension
        }
    }

    /// One prediction: the intent (nil = unrecognized, below the threshold) and the classifier's confidence.
    struct Prediction: Sendable, Equatable {
        var intentID: Int?
        var confidence: Float
        /// The most likely intent, even when rejected.
        var bestIntentID: Int
    }

    /// Predicts `texts.count` rows of `vectors` (`count × dimension`, L2-normalised); CPU work, keep it off the
    /// cooperative pool for large sets.
    func predict(vectors: [Float], texts: [String]) throws -> [Prediction] {
        guard !texts.isEmpty else { return [] }
        let raw: [(label: Int, confidence: Float)]
        switch parameters {
        case .prototypes(let model):
            raw = model.predict(queries: vectors, count: texts.count).map { ($0.label, $0.similarity) }
        case .classifier(let model):
            var secondary: (values: [Float], dimension: Int)?
            if model.secondaryDimension > 0 {
                secondary = IntentSecondaryView.embed(texts)
                guard secondary?.dimension == model.secondaryDimension else {
                    throw MissingSecondaryView()
                }
            }
            raw = try model.predict(IntentFeatures(
                embeddings: vectors, dimension: model.dimension, secondary: secondary?.values,
                secondaryDimension: secondary?.dimension ?? 0, texts: texts))
        }
        return raw.map { label, confidence in
            let best = intentIDs.indices.contains(label) ? intentIDs[label] : -1
            let accepted = confidence >= threshold && best >= 0
            return Prediction(intentID: accepted ? best : nil, confidence: confidence, bestIntentID: best)
        }
    }

    func encoded() throws -> Data { try JSONEncoder().encode(parameters) }

    init(parameters: Parameters, intentIDs: [Int], threshold: Float) {
        self.parameters = parameters
        self.intentIDs = intentIDs
        self.threshold = threshold
    }

    init(data: Data, intentIDs: [Int], threshold: Float) throws {
        self.init(parameters: try JSONDecoder().decode(Parameters.self, from: data), intentIDs: intentIDs,
                  threshold: threshold)
    }
}

/// The stored model was trained with the potion view, and the potion model files are missing here.
struct MissingSecondaryView: Error, CustomStringConvertible {
    var description: String { "the intent model needs the potion embedding model: run `make models` (or `parley models`)" }
}
