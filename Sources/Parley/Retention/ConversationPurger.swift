import Foundation
import Postgres

/// Deletes conversations started before a cutoff, with everything derived from them, in small transactions.
///
/// Each batch (`batchSize` conversations of one project, oldest first) is one transaction: it locks its rows
/// (`FOR UPDATE SKIP LOCKED`, so ingestion and jobs touching other rows never wait long), drops their queued
/// `pending_work`, deletes them, and recomputes the daily rollups of the days it touched
/// (`parley_refresh_rollups`, migration 0015: conversation, intent and cluster statistics); the foreign keys cascade to embeddings, search rows, cluster members and map
/// points, flags, triage items (with ratings and comments), intent labels and predictions, and set references from
/// intent examples and replay items to NULL. An interrupted purge loses at most the batch in flight (rolled back)
/// and a re-run continues where it stopped.
///
/// `clusters.size` stays the last clustering run's count (it is rewritten by the next run); pages count members
/// from `cluster_daily_stats` / `cluster_day_totals`, which stay exact.
public struct ConversationPurger: Sendable {
    /// Where a purge stands.
    public struct Progress: Sendable, Equatable {
        /// Conversations deleted so far.
        public var deleted = 0
        /// Transactions committed so far.
        public var batches = 0
        /// Seconds since the purge started.
        public var seconds = 0.0

        /// Conversations deleted per second so far.
        public var rate: Double { seconds > 0 ? Double(deleted) / seconds : 0 }
    }

    let pool: PostgresPool
    /// Conversations per transaction.
    public var batchSize: Int

    public init(pool: PostgresPool, batchSize: Int = 5_000) {
        self.pool = pool
        self.batchSize = max(1, batchSize)
    }

    /// How many conversations started before `cutoff` (in one project, or all), per project slug.
    public func count(before cutoff: Date, projectID: Int? = nil) async throws -> [(project: String, count: Int)] {
        try await pool.query("""
            SELECT p.slug, count(c.id)::int8
            FROM projects p JOIN conversations c ON c.project_id = p.id
            WHERE c.started_at < \(cutoff) AND (\(projectID)::int8 IS NULL OR p.id = \(projectID))
            GROUP BY p.slug ORDER BY p.slug
            """).map { try $0.decode((String, Int).self) }
    }

    /// Deletes every conversation started before `cutoff` (in one project, or all), a batch at a time.
    /// - Parameter progress: called after each committed batch.
    /// - Returns: the totals.
    @discardableResult
    public func purge(before cutoff: Date, projectID: Int? = nil,
                      progress: @Sendable (Progress) -> Void = { _ in }) async throws -> Progress {
        let started = Date()
        var total = Progress()
        let projects = try await pool.query("""
            SELECT id FROM projects WHERE \(projectID)::int8 IS NULL OR id = \(projectID) ORDER BY id
            """).map { try $0.decode(0, as: Int.self) }
        for project in projects {
            while true {
                try Task.checkCancellation()
                let deleted = try await purgeBatch(before: cutoff, projectID: project)
                guard deleted > 0 else { break }
                total.deleted += deleted
                total.batches += 1
                total.seconds = Date().timeIntervalSince(started)
                progress(total)
            }
        }
        total.seconds = Date().timeIntervalSince(started)
        return total
    }

    /// One transaction: up to `batchSize` of the project's oldest conversations before `cutoff`; returns how many.
    func purgeBatch(before cutoff: Date, projectID: Int) async throws -> Int {
        try await pool.withTransaction { connection in
            let ids = try await connection.query("""
                SELECT id FROM conversations
                WHERE project_id = \(projectID) AND started_at < \(cutoff)
                ORDER BY started_at, id LIMIT \(batchSize)
                FOR UPDATE SKIP LOCKED
                """).map { try $0.decode(0, as: Int.self) }
            guard !ids.isEmpty else { return 0 }
            // The UTC days the batch touches: their rollups (migration 0015, cluster statistics included) are
            // recomputed from what is left once the rows are gone.
            let days = try await connection.query("""
                SELECT min((started_at AT TIME ZONE 'UTC')::date), max((started_at AT TIME ZONE 'UTC')::date)
                FROM conversations WHERE id = ANY(\(ids))
                """).first!.decode((Date, Date).self)
            try await connection.query("""
                DELETE FROM pending_work WHERE project_id = \(projectID) AND conversation_id = ANY(\(ids))
                """)
            try await connection.query("DELETE FROM conversations WHERE id = ANY(\(ids))")
            try await connection.query("SELECT parley_refresh_rollups(\(projectID), \(days.0)::date, \(days.1)::date)")
            return ids.count
        }
    }
}
