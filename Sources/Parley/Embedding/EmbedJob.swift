import Embeddings
import Foundation
import Postgres

/// The `embed` job: embeds a project's conversations queued in `pending_work`, in batches.
///
/// Queued after every ingest commit, and at start-up after queueing every conversation that lacks a vector of
/// the configured model (so a model change re-embeds everything, with progress).
struct EmbedJob: JobHandler {
    let kind = "embed"
    let provider: EmbedderProvider
    let assignments: ClusterAssignments
    let trigger: ClusterTrigger
    let intents: IntentClassifications
    var batchSize = 256

    static func enqueue(projectID: Int, on queue: JobQueue) async throws {
        try await queue.enqueue(kind: "embed", projectID: projectID, singletonKey: "embed:\(projectID)")
    }

    func run(_ job: Job, context: JobContext) async throws {
        guard let projectID = job.projectID else { return }
        // New conversations may arrive while this runs: let the next ingest queue another embed job.
        try await context.releaseSingleton()
        let embedder = try await provider.embedder()
        let model = embedder.modelID
        try await PendingWork.drain("embed", projectID: projectID, batchSize: batchSize, context: context,
                                    verb: "embedded") { ids, connection in
            var found: [Int] = []
            var texts: [String] = []
            for row in try await connection.query("SELECT id, messages::text FROM conversations WHERE id = ANY(\(ids))") {
                let (id, messages) = try row.decode((Int, String).self)
                found.append(id)
                texts.append(EmbeddingText.of(messages: (try? JSONParser.parse(messages))?.arrayValue ?? []))
            }
            let matrix = try await embedder.embedInBackground(texts)
            let vectors = (0..<matrix.count).map { VectorCodec.encode(matrix.row($0)) }
            try await connection.query("""
                INSERT INTO conversation_embeddings (conversation_id, project_id, model, vector)
                SELECT id, \(projectID), \(model), vector FROM unnest(\(found), \(vectors)) AS t(id, vector)
                ON CONFLICT (conversation_id, model) DO UPDATE SET vector = EXCLUDED.vector, created_at = now()
                """)
            // Each new conversation joins its nearest cluster at once (when the project has clusters).
            try await assignments.assign(projectID: projectID, conversations: found, vectors: matrix.values,
                                         dimension: matrix.dimension, connection: connection)
            // …and gets the active intent model's prediction (or unrecognized).
            try await intents.classify(projectID: projectID, conversations: found, vectors: matrix.values,
                                       dimension: matrix.dimension, texts: texts, embeddingModel: model,
                                       connection: connection)
            try await FlagJobs.afterEmbedding(projectID: projectID, conversations: found, model: model, on: connection)
        }
        try await trigger.check(projectID: projectID, model: model, pool: context.pool)
    }

    /// Queues every conversation of every project that has no vector for `model` (after a model change).
    static func backfill(model: String, pool: PostgresPool) async throws -> Int {
        try await pool.query("""
            INSERT INTO pending_work (kind, conversation_id, project_id)
            SELECT 'embed', c.id, c.project_id FROM conversations c
            WHERE NOT EXISTS (SELECT 1 FROM conversation_embeddings e WHERE e.conversation_id = c.id AND e.model = \(model))
            ON CONFLICT DO NOTHING
            """).affectedRows
    }
}

/// Vectors as bytea: little-endian float32.
public enum VectorCodec {
    public static func encode(_ vector: [Float]) -> Data {
        var data = Data(capacity: vector.count * 4)
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    /// Appends the floats of `data` to `out`; false when the length does not fit `dimension`.
    public static func decode(_ data: Data, dimension: Int, into out: inout [Float]) -> Bool {
        guard data.count == dimension * 4 else { return false }
        data.withUnsafeBytes { raw in
            for i in 0..<dimension {
                out.append(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
            }
        }
        return true
    }
}
