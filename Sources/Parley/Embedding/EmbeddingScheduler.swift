import Postgres
import Synchronization

/// Queues an `embed` job for projects that just received conversations, after their commit.
///
/// At most once a second per project from this process: the job's singleton key already keeps one queued.
public final class EmbeddingScheduler: Sendable {
    private let queue: JobQueue
    private let recent = Mutex<[Int: ContinuousClock.Instant]>([:])

    public init(pool: PostgresPool) { queue = JobQueue(pool: pool) }

    /// Called after a commit that stored conversations of `projects`; failures only delay embedding.
    public func ingested(projects: Set<Int>) async {
        let now = ContinuousClock.now
        let due = recent.withLock { last in
            projects.filter { project in
                if let at = last[project], now - at < .seconds(1) { return false }
                last[project] = now
                return true
            }
        }
        for project in due {
            try? await EmbedJob.enqueue(projectID: project, on: queue)
        }
    }

    /// Queues an embed job for every project (at start-up: catches up after a model change or downtime).
    public func enqueueAll(pool: PostgresPool) async throws {
        for row in try await pool.query("SELECT id FROM projects") {
            try await EmbedJob.enqueue(projectID: try row.decode(0, as: Int.self), on: queue)
        }
    }
}
