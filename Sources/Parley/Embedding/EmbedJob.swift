import Embeddings
import Foundation
import Postgres

/// The `embed` job: embeds a project's conversations that have no vector for the current model, in batches.
///
/// Queued after every ingest commit and at start-up (so a model change re-embeds everything, with progress).
/// Rows are taken `FOR UPDATE SKIP LOCKED`, so two embed jobs of one project share the work.
struct EmbedJob: JobHandler {
    let kind = "embed"
    let provider: EmbedderProvider
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
        let total = try await context.pool.query("""
            SELECT count(*) FROM conversations c WHERE c.project_id = \(projectID) AND NOT EXISTS (
                SELECT 1 FROM conversation_embeddings e WHERE e.conversation_id = c.id AND e.model = \(model))
            """).first?.decode(0, as: Int.self) ?? 0
        var done = 0
        var lastID = 0
        while !Task.isCancelled {
            let after = lastID
            let (batch, maxID): (Int, Int) = try await context.pool.withTransaction { @Sendable connection in
                let rows = try await connection.query("""
                    SELECT c.id, c.messages::text FROM conversations c
                    WHERE c.project_id = \(projectID) AND c.id > \(after) AND NOT EXISTS (
                        SELECT 1 FROM conversation_embeddings e WHERE e.conversation_id = c.id AND e.model = \(model))
                    ORDER BY c.id LIMIT \(batchSize) FOR UPDATE OF c SKIP LOCKED
                    """)
                guard !rows.isEmpty else { return (0, 0) }
                var ids: [Int] = []
                var texts: [String] = []
                for row in rows {
                    let (id, messages) = try row.decode((Int, String).self)
                    ids.append(id)
                    texts.append(EmbeddingText.of(messages: (try? JSONParser.parse(messages))?.arrayValue ?? []))
                }
                let matrix = try await embedder.embedInBackground(texts)
                let vectors = (0..<matrix.count).map { VectorCodec.encode(matrix.row($0)) }
                try await connection.query("""
                    INSERT INTO conversation_embeddings (conversation_id, project_id, model, vector)
                    SELECT id, \(projectID), \(model), vector FROM unnest(\(ids), \(vectors)) AS t(id, vector)
                    ON CONFLICT DO NOTHING
                    """)
                return (ids.count, ids.max() ?? 0)
            }
            if batch == 0 { break }
            done += batch
            lastID = maxID
            try await context.report(progress: total > 0 ? min(99, done * 100 / total) : 99,
                                     message: "\(done) of \(total) conversations embedded")
        }
        try Task.checkCancellation()
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
