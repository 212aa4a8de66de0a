import Postgres

/// The `pending_work` queue: conversations waiting for a follow-up (`embed`, `search`).
///
/// Taken inside the caller's transaction with `SKIP LOCKED`, so concurrent jobs share the rows, and a
/// failed batch (rolled back) leaves them queued.
enum PendingWork {
    /// Removes and returns up to `limit` conversation ids of `kind` for a project, oldest first.
    static func take(_ kind: String, projectID: Int, limit: Int, on connection: PostgresConnection) async throws -> [Int] {
        try await connection.query("""
            DELETE FROM pending_work WHERE kind = \(kind) AND project_id = \(projectID) AND conversation_id IN (
                SELECT conversation_id FROM pending_work WHERE kind = \(kind) AND project_id = \(projectID)
                ORDER BY conversation_id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING conversation_id
            """).map { try $0.decode(0, as: Int.self) }
    }

    /// Works through a project's queue of `kind` in batches, each taken and processed in one transaction,
    /// reporting progress (`verb` completes "N of M conversations …"); stops early when the job is cancelled.
    static func drain(
        _ kind: String, projectID: Int, batchSize: Int, context: JobContext, verb: String,
        process: @escaping @Sendable ([Int], PostgresConnection) async throws -> Void
    ) async throws {
        let total = try await count(kind, projectID: projectID, pool: context.pool)
        var done = 0
        while !Task.isCancelled {
            let batch = try await context.pool.withTransaction { @Sendable connection in
                let ids = try await take(kind, projectID: projectID, limit: batchSize, on: connection)
                if !ids.isEmpty { try await process(ids, connection) }
                return ids.count
            }
            if batch == 0 { break }
            done += batch
            try await context.report(progress: total > 0 ? min(99, done * 100 / total) : 99,
                                     message: "\(done) of \(total) conversations \(verb)")
        }
        try Task.checkCancellation()
    }

    /// How many conversations of a project wait for `kind`.
    static func count(_ kind: String, projectID: Int, pool: PostgresPool) async throws -> Int {
        try await pool.query("""
            SELECT count(*) FROM pending_work WHERE kind = \(kind) AND project_id = \(projectID)
            """).first?.decode(0, as: Int.self) ?? 0
    }
}

/// The `search_index` job: computes the full-text search vectors of a project's new or changed conversations.
struct SearchIndexJob: JobHandler {
    let kind = "search_index"
    var batchSize = 2_000

    func run(_ job: Job, context: JobContext) async throws {
        guard let projectID = job.projectID else { return }
        try await context.releaseSingleton()
        try await PendingWork.drain("search", projectID: projectID, batchSize: batchSize, context: context,
                                    verb: "indexed for search") { ids, connection in
            try await connection.query("""
                INSERT INTO conversation_search (conversation_id, project_id, search)
                SELECT id, project_id, jsonb_to_tsvector('english'::regconfig, messages, '["string"]')
                FROM conversations WHERE id = ANY(\(ids))
                ON CONFLICT (conversation_id) DO UPDATE SET search = EXCLUDED.search
                """)
        }
    }
}
