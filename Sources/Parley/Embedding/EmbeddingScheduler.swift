import Logging
import Postgres
import Synchronization

/// Queues the `embed` and `search_index` jobs of projects that just received conversations, after their commit.
///
/// At most once a second per project from this process: the job's singleton key already keeps one queued.
public final class EmbeddingScheduler: Sendable {
    private let queue: JobQueue
    private let logger: Logger
    private let recent = Mutex<[Int: ContinuousClock.Instant]>([:])

    public init(pool: PostgresPool, logger: Logger) {
        queue = JobQueue(pool: pool)
        self.logger = logger
    }

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
            try? await enqueueFollowUps(projectID: project)
        }
    }

    private func enqueueFollowUps(projectID: Int) async throws {
        try await EmbedJob.enqueue(projectID: projectID, on: queue)
        try await queue.enqueue(kind: "search_index", projectID: projectID, singletonKey: "search:\(projectID)")
        try await FlagJobs.enqueue(projectID: projectID, on: queue)
    }

    /// At start-up: queues every conversation without a vector of `model` (a model change re-embeds them all),
    /// then the follow-up jobs of every project.
    public func catchUp(model: String, pool: PostgresPool) async throws {
        let queued = try await EmbedJob.backfill(model: model, pool: pool)
        if queued > 0 { logger.notice("queued conversations for embedding", metadata: ["count": "\(queued)", "model": "\(model)"]) }
        for row in try await pool.query("SELECT id FROM projects") {
            try await enqueueFollowUps(projectID: try row.decode(0, as: Int.self))
        }
    }
}
