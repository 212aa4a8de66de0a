import Foundation
import Postgres

/// The jobs table: enqueue, claim, heartbeat, complete, fail, cancel, and re-queue expired leases.
///
/// Every state change after a claim is fenced by `locked_by`: a worker whose lease expired (and whose job
/// another worker took over) can no longer complete, fail or extend it.
public struct JobQueue: Sendable {
    public static let channel = "parley_jobs"
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// Queues a job and wakes idle workers; nil when a job with the same `singletonKey` is already queued or running.
    @discardableResult
    public func enqueue(kind: String, projectID: Int? = nil, payload: JSONValue = .object([:]), singletonKey: String? = nil,
                        maxAttempts: Int = 5, runAfter: Date? = nil) async throws -> Int? {
        try await pool.withTransaction { connection in
            let row = try await connection.query("""
                INSERT INTO jobs (kind, project_id, payload, singleton_key, max_attempts, run_after)
                VALUES (\(kind), \(projectID), \(payload.serialized())::jsonb, \(singletonKey), \(maxAttempts),
                        coalesce(\(runAfter), now()))
                ON CONFLICT (singleton_key) WHERE singleton_key IS NOT NULL AND status IN ('queued', 'running')
                DO NOTHING RETURNING id
                """).first
            try await connection.query("SELECT pg_notify(\(Self.channel), \(kind))")
            return try row?.decode(0, as: Int.self)
        }
    }

    /// Claims the oldest ready job of one of `kinds`, or nil.
    func claim(kinds: [String], workerID: String, lease: Duration) async throws -> Job? {
        let row = try await pool.query("""
            UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = \(workerID),
                lease_expires_at = now() + make_interval(secs => \(lease.seconds)),
                started_at = coalesce(started_at, now()), error = NULL
            WHERE id = (
                SELECT id FROM jobs WHERE status = 'queued' AND run_after <= now() AND kind = ANY(\(kinds))
                ORDER BY run_after, id FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING id, kind, project_id, payload::text, attempts, max_attempts
            """).first
        guard let row else { return nil }
        let (id, kind, project, payload, attempt, maxAttempts) = try row.decode((Int, String, Int?, String, Int, Int).self)
        return Job(id: id, kind: kind, projectID: project, payload: (try? JSONParser.parse(payload)) ?? .object([:]),
                   attempt: attempt, maxAttempts: maxAttempts)
    }

    /// Extends the lease; returns false when the job is no longer ours, true plus whether cancel was asked.
    func heartbeat(jobID: Int, workerID: String, lease: Duration) async throws -> (owned: Bool, cancel: Bool) {
        let row = try await pool.query("""
            UPDATE jobs SET lease_expires_at = now() + make_interval(secs => \(lease.seconds))
            WHERE id = \(jobID) AND locked_by = \(workerID) AND status = 'running'
            RETURNING cancel_requested
            """).first
        guard let row else { return (false, false) }
        return (true, try row.decode(0, as: Bool.self))
    }

    func report(jobID: Int, workerID: String, progress: Int, message: String) async throws {
        try await pool.query("""
            UPDATE jobs SET progress = \(max(0, min(100, progress))), progress_message = \(message)
            WHERE id = \(jobID) AND locked_by = \(workerID) AND status = 'running'
            """)
    }

    /// Marks the job done; false when the lease was lost meanwhile.
    func complete(jobID: Int, workerID: String) async throws -> Bool {
        try await pool.query("""
            UPDATE jobs SET status = 'succeeded', progress = 100, finished_at = now(), locked_by = NULL,
                lease_expires_at = NULL
            WHERE id = \(jobID) AND locked_by = \(workerID) AND status = 'running'
            """).affectedRows == 1
    }

    /// Records a failed attempt: queued again after an exponential backoff, or dead after the last attempt.
    func fail(jobID: Int, workerID: String, error: String, cancelled: Bool, backoffBase: Double) async throws {
        try await pool.query("""
            UPDATE jobs SET
                status = CASE WHEN \(cancelled) THEN 'cancelled'
                              WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
                error = \(String(error.prefix(2_000))),
                run_after = now() + make_interval(secs => \(backoffBase) * power(2, attempts - 1)),
                finished_at = CASE WHEN \(cancelled) OR attempts >= max_attempts THEN now() END,
                locked_by = NULL, lease_expires_at = NULL
            WHERE id = \(jobID) AND locked_by = \(workerID) AND status = 'running'
            """)
    }

    /// Puts back jobs whose worker stopped renewing its lease (killed, hung); dead if out of attempts. A clustering
    /// run of a job that dies so is marked failed here (a job put back marks it when it starts again,
    /// `ClusterRunJob`): no attempt is left to do it, and the run would show as running for ever.
    @discardableResult
    func requeueExpired() async throws -> Int {
        try await pool.query("""
            WITH expired AS (
                UPDATE jobs SET status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
                    error = coalesce(error, 'lease expired: the worker stopped'), locked_by = NULL,
                    lease_expires_at = NULL, finished_at = CASE WHEN attempts >= max_attempts THEN now() END
                WHERE status = 'running' AND lease_expires_at < now()
                RETURNING id, status),
            runs AS (
                UPDATE cluster_runs SET status = 'failed', finished_at = now(),
                    error = 'interrupted: the worker running it stopped, and its job has no attempts left'
                WHERE status = 'running' AND job_id IN (SELECT id FROM expired WHERE status = 'dead'))
            SELECT count(*) FROM expired
            """).first?.decode(0, as: Int.self) ?? 0
    }

    /// Cancels a job of a project: a queued one at once, a running one at its next heartbeat.
    public func cancel(jobID: Int, projectID: Int?) async throws -> Bool {
        try await pool.query("""
            UPDATE jobs SET
                status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END,
                cancel_requested = true
            WHERE id = \(jobID) AND (project_id = \(projectID) OR \(projectID) IS NULL)
              AND status IN ('queued', 'running')
            """).affectedRows == 1
    }
}

extension Duration {
    /// Whole and fractional seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
