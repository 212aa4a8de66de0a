import Foundation
import Postgres

/// The `intent_classify` job: after a new model is activated, classifies every embedded conversation of the
/// project again, a page at a time, with progress. One per project at a time (`intent_classify:<project>`).
struct IntentClassifyJob: JobHandler {
    let kind = "intent_classify"
    let provider: EmbedderProvider
    let classifications: IntentClassifications
    var pageSize = 2_000

    @discardableResult
    static func enqueue(projectID: Int, on queue: JobQueue) async throws -> Int? {
        try await queue.enqueue(kind: "intent_classify", projectID: projectID,
                                singletonKey: "intent_classify:\(projectID)", maxAttempts: 3)
    }

    func run(_ job: Job, context: JobContext) async throws {
        guard let projectID = job.projectID else { return }
        let pool = context.pool
        let embeddingModel = try await provider.embedder().modelID
        guard let active = try await pool.withConnection({ connection in
            try await classifications.active(projectID: projectID, connection: connection)
        }), active.embeddingModel == embeddingModel else {
            try await context.report(progress: 100, message: "no active intent model for \(embeddingModel)")
            return
        }
        let total = try await pool.query("""
            SELECT count(*) FROM conversation_embeddings WHERE project_id = \(projectID) AND model = \(embeddingModel)
            """).first!.decode(0, as: Int.self)
        var done = 0, after = 0
        let model = active.model
        while true {
            try Task.checkCancellation()
            let rows = try await pool.query("""
                SELECT e.conversation_id, e.vector, c.messages::text FROM conversation_embeddings e
                JOIN conversations c ON c.id = e.conversation_id
                WHERE e.project_id = \(projectID) AND e.model = \(embeddingModel) AND e.conversation_id > \(after)
                ORDER BY e.conversation_id LIMIT \(pageSize)
                """)
            guard !rows.isEmpty else { break }
            var ids: [Int] = [], vectors: [Float] = [], texts: [String] = []
            for row in rows {
                let (id, data, messages) = try row.decode((Int, Data, String).self)
                after = id
                guard VectorCodec.decode(data, dimension: model.dimension, into: &vectors) else { continue }
                ids.append(id)
                texts.append(EmbeddingText.of(messages: (try? JSONParser.parse(messages))?.arrayValue ?? []))
            }
            let snapshot = vectors, pageTexts = texts
            let predictions = try await offThread { try model.predict(vectors: snapshot, texts: pageTexts) }
            _ = try await pool.withConnection { connection in
                try await IntentClassifications.store(projectID: projectID, modelID: active.id, ids: ids,
                                                      predictions: predictions, connection: connection)
            }
            done += rows.count
            try await context.report(progress: min(99, 100 * done / max(1, total)),
                                     message: "classified \(done) of \(total) conversations")
        }
        try await context.report(progress: 100, message: "classified \(done) conversations with model \(active.id)")
    }
}
