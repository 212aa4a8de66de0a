import Foundation
import Postgres

/// What the clusters pages read besides `ClusterQueries`: the state of the project's clustering job, how many
/// conversations are embedded, and recent daily counts per cluster for the table's sparklines.
struct ClusterPageData: Sendable {
    let pool: PostgresPool

    /// The project's latest `cluster` job.
    struct RunJob: Sendable {
        var id: Int
        var status: String
        var progress: Int
        var message: String
        var error: String?
        var createdAt: Date
        var finishedAt: Date?

        var isActive: Bool { status == "queued" || status == "running" }
    }

    func latestRunJob(projectID: Int) async throws -> RunJob? {
        guard let row = try await pool.query("""
            SELECT id, status, progress, progress_message, error, created_at, finished_at FROM jobs
            WHERE project_id = \(projectID) AND kind = 'cluster' ORDER BY id DESC LIMIT 1
            """).first else { return nil }
        let (id, status, progress, message, error, created, finished) =
            try row.decode((Int, String, Int, String, String?, Date, Date?).self)
        return RunJob(id: id, status: status, progress: progress, message: message, error: error, createdAt: created,
                      finishedAt: finished)
    }

    /// Conversations of the project with an embedding (of any model) and in total.
    func embeddedCount(projectID: Int) async throws -> (embedded: Int, total: Int) {
        let row = try await pool.query("""
            SELECT (SELECT count(DISTINCT conversation_id) FROM conversation_embeddings WHERE project_id = \(projectID)),
                   (SELECT count(*) FROM conversations WHERE project_id = \(projectID))
            """).first
        return try row?.decode((Int, Int).self) ?? (0, 0)
    }

    /// Conversations per cluster and day over the last `days` days (oldest first, every day present).
    func dailyCounts(projectID: Int, days: Int) async throws -> [Int: [Int]] {
        var counts: [Int: [Int]] = [:]
        for row in try await pool.query("""
            SELECT cluster_id, (current_date - day)::int4, sum(conversations)::int8 FROM cluster_day_totals
            WHERE project_id = \(projectID) AND day > current_date - \(days)::int4 GROUP BY 1, 2
            """) {
            let (cluster, age, count) = try row.decode((Int, Int, Int).self)
            guard (0..<days).contains(age) else { continue }
            counts[cluster, default: [Int](repeating: 0, count: days)][days - 1 - age] = count
        }
        return counts
    }
}
