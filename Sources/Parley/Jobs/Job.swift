import Foundation
import Postgres

/// A job as a worker sees it once claimed.
public struct Job: Sendable {
    public var id: Int
    public var kind: String
    public var projectID: Int?
    public var payload: JSONValue
    /// This attempt's number, from 1.
    public var attempt: Int
    public var maxAttempts: Int
}

/// Work of one kind; a worker runs it for each claimed job of that kind.
public protocol JobHandler: Sendable {
    /// The job kind this handler runs (`embed`, `recluster`, …).
    var kind: String { get }
    /// Does the work; throwing makes the attempt fail (retried with backoff, dead after `maxAttempts`).
    /// Cancellation (`POST /api/v1/jobs/{id}/cancel`) arrives as task cancellation.
    func run(_ job: Job, context: JobContext) async throws
}

/// What a running job can do: report progress, and reach the database.
public struct JobContext: Sendable {
    public let pool: PostgresPool
    let queue: JobQueue
    let job: Job
    let workerID: String

    /// Frees the job's singleton key while it runs, so that another job of the same key may be queued.
    public func releaseSingleton() async throws {
        try await pool.query("UPDATE jobs SET singleton_key = NULL WHERE id = \(job.id) AND locked_by = \(workerID)")
    }

    /// Records progress (0–100) and a message, shown by `GET /api/v1/jobs` and the jobs page.
    public func report(progress: Int, message: String = "") async throws {
        try await queue.report(jobID: job.id, workerID: workerID, progress: progress, message: message)
    }
}
