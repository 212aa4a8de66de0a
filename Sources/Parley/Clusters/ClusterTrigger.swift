import Foundation
import Postgres

/// Decides, after new conversations were embedded, whether a project is due a full clustering run
/// (rules in `ClusterSettings`), and queues it.
struct ClusterTrigger: Sendable {
    let settings: ClusterSettings

    /// The reason a run is due, or nil.
    func reason(projectID: Int, model: String, pool: PostgresPool) async throws -> String? {
        guard settings.automatic else { return nil }
        let embedded = try await pool.query("""
            SELECT count(*) FROM conversation_embeddings WHERE project_id = \(projectID) AND model = \(model)
            """).first!.decode(0, as: Int.self)
        let last = try await pool.query("""
            SELECT conversation_count, extract(epoch FROM now() - started_at)::float8 FROM cluster_runs
            WHERE project_id = \(projectID) AND model = \(model) AND status = 'completed'
            ORDER BY id DESC LIMIT 1
            """).first
        guard let last else {
            return embedded >= settings.minimumConversations ? "first run: \(embedded) conversations embedded" : nil
        }
        let (clustered, age) = try last.decode((Int?, Double).self)
        let new = embedded - (clustered ?? 0)
        guard new > 0 else { return nil }
        if Double(new) >= max(Double(settings.newMinimum), settings.newShare * Double(clustered ?? 0)) {
            return "\(new) conversations embedded since the last run"
        }
        if settings.intervalHours > 0, age >= Double(settings.intervalHours) * 3_600 {
            return "scheduled: last run \(Int(age / 3_600)) h ago"
        }
        return nil
    }

    /// Queues a run when one is due; a queued or running one is left alone.
    func check(projectID: Int, model: String, pool: PostgresPool) async throws {
        guard let reason = try await reason(projectID: projectID, model: model, pool: pool) else { return }
        try await ClusterRunJob.enqueue(projectID: projectID, reason: reason, on: JobQueue(pool: pool))
    }
}
