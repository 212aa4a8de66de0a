import Foundation
import Postgres

/// Online intent classification: each conversation gets the active model's intent right after it is embedded
/// (`conversation_intents`; a NULL intent is unrecognized).
///
/// Each project's active model is decoded once and cached; a cheap query of the active model's id per batch
/// decides whether to reload it (another instance may have activated a new one).
public actor IntentClassifications {
    struct Entry {
        var modelID: Int
        var embeddingModel: String
        var model: IntentModel
    }

    private var entries: [Int: Entry] = [:]

    public init() {}

    /// The project's active model, or nil when it has none.
    func active(projectID: Int, connection: PostgresConnection) async throws -> (id: Int, model: IntentModel, embeddingModel: String)? {
        guard let id = try await connection.query("""
            SELECT id FROM intent_models WHERE project_id = \(projectID) AND active
            """).first?.decode(0, as: Int.self) else {
            entries[projectID] = nil
            return nil
        }
        if let entry = entries[projectID], entry.modelID == id { return (id, entry.model, entry.embeddingModel) }
        guard let row = try await connection.query("""
            SELECT parameters, intent_ids, threshold, embedding_model FROM intent_models WHERE id = \(id)
            """).first else { return nil }
        let (data, intentIDs, threshold, embeddingModel) = try row.decode((Data, [Int], Float, String).self)
        let model = try IntentModel(data: data, intentIDs: intentIDs, threshold: threshold)
        entries[projectID] = Entry(modelID: id, embeddingModel: embeddingModel, model: model)
        return (id, model, embeddingModel)
    }

    /// Classifies conversations just embedded with `embeddingModel` and stores their intents; returns how many were
    /// stored (0 without an active model for that embedding model).
    @discardableResult
    func classify(projectID: Int, conversations ids: [Int], vectors: [Float], dimension: Int, texts: [String],
                  embeddingModel: String, connection: PostgresConnection) async throws -> Int {
        guard !ids.isEmpty, ids.count == texts.count,
              let active = try await active(projectID: projectID, connection: connection),
              active.embeddingModel == embeddingModel, active.model.dimension == dimension else { return 0 }
        let predictions = try active.model.predict(vectors: vectors, texts: texts)
        return try await Self.store(projectID: projectID, modelID: active.id, ids: ids, predictions: predictions,
                                    connection: connection)
    }

    /// Writes predictions (replacing earlier ones), with the conversation's start, model and prompt version for the
    /// daily rollup `intent_daily_stats` (migration 0015).
    static func store(projectID: Int, modelID: Int, ids: [Int], predictions: [IntentModel.Prediction],
                      connection: PostgresConnection) async throws -> Int {
        let intents: [Int?] = predictions.map(\.intentID)
        let confidences = predictions.map(\.confidence)
        return try await connection.query("""
            INSERT INTO conversation_intents (conversation_id, project_id, intent_id, confidence, model_id, started_at,
                                              model, prompt_version)
            SELECT t.id, \(projectID), t.intent, t.confidence, \(modelID), c.started_at, c.model, c.prompt_version
            FROM unnest(\(ids), \(intents), \(confidences)) AS t(id, intent, confidence)
            JOIN conversations c ON c.id = t.id
            ON CONFLICT (conversation_id) DO UPDATE SET intent_id = EXCLUDED.intent_id,
                confidence = EXCLUDED.confidence, model_id = EXCLUDED.model_id, classified_at = now(),
                started_at = EXCLUDED.started_at, model = EXCLUDED.model, prompt_version = EXCLUDED.prompt_version
            """).affectedRows
    }
}
