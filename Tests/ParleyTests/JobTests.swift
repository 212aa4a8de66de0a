import Foundation
@testable import Parley
import Postgres
import TestSupport
import Testing

/// Records each run in `job_runs`; fails or waits for cancellation when the payload says so.
struct RecordingHandler: JobHandler {
    let kind = "record"
    func run(_ job: Job, context: JobContext) async throws {
        try await context.pool.query("INSERT INTO job_runs (job_id) VALUES (\(job.id))")
        if job.payload["fail"]?.boolValue == true { throw TestFailure() }
        if job.payload["wait"]?.boolValue == true {
            while true { try await Task.sleep(for: .milliseconds(50)) }
        }
        try await context.report(progress: 50, message: "half way")
        try await Task.sleep(for: .milliseconds(5))
    }
    struct TestFailure: Error {}
}

@Suite struct JobTests {
    let db: TestPostgres.Database
    let queue: JobQueue

    init() async throws {
        db = try await TestPostgres.freshDatabase()
        try await db.pool.query("CREATE TABLE job_runs (job_id bigint NOT NULL, at timestamptz DEFAULT clock_timestamp())")
        queue = JobQueue(pool: db.pool)
    }

    func worker(lease: Duration = .seconds(5), poll: Duration = .milliseconds(200), concurrency: Int = 2) -> JobWorker {
        var configuration = JobWorker.Configuration()
        configuration.lease = lease
        configuration.pollInterval = poll
        configuration.concurrency = concurrency
        configuration.backoffBase = 0.05
        return JobWorker(pool: db.pool, conninfo: db.conninfo, handlers: [RecordingHandler()],
                         configuration: configuration, logger: TestPostgres.logger)
    }

    func waitFor(_ sql: PostgresQuery, equals expected: Int, seconds: Double = 20) async throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try await db.pool.query(sql).first?.decode(0, as: Int.self) == expected { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func twoWorkersNeverRunOneJob() async throws {
        for _ in 0..<60 { try await queue.enqueue(kind: "record") }
        let workers = [worker(), worker()]
        let tasks = workers.map { w in Task { try await w.run() } }
        #expect(try await waitFor("SELECT count(*) FROM jobs WHERE status = 'succeeded'", equals: 60))
        for w in workers { await w.stop() }
        for t in tasks { _ = await t.result }
        let (runs, distinct) = try #require(try await db.pool.query(
            "SELECT count(*), count(DISTINCT job_id) FROM job_runs").first?.decode((Int, Int).self))
        #expect(runs == 60 && distinct == 60)
        let owners = try await db.pool.query("SELECT count(DISTINCT locked_by) FROM jobs").first?.decode(0, as: Int.self)
        #expect(owners == 0)  // leases released on completion
    }

    @Test func killedWorkersJobIsTakenOverAfterItsLease() async throws {
        let id = try #require(try await queue.enqueue(kind: "record"))
        // A worker claims it and dies: no heartbeat, no result.
        let claimed = try await queue.claim(kinds: ["record"], workerID: "killed-worker", lease: .seconds(1))
        #expect(claimed?.id == id)
        let w = worker(lease: .seconds(1))
        let task = Task { try await w.run() }
        #expect(try await waitFor("SELECT count(*) FROM jobs WHERE status = 'succeeded'", equals: 1, seconds: 15))
        await w.stop()
        _ = await task.result
        #expect(try await db.pool.query("SELECT attempts FROM jobs").first?.decode(0, as: Int.self) == 2)
        #expect(try await db.pool.query("SELECT count(*) FROM job_runs").first?.decode(0, as: Int.self) == 1)
        // The dead worker can no longer complete it (fencing by locked_by).
        #expect(try await queue.complete(jobID: id, workerID: "killed-worker") == false)
    }

    @Test func clusteringRunOfAJobThatDiesOfExpiredLeasesIsMarkedFailed() async throws {
        // Two clustering jobs whose workers stopped: one has attempts left (put back; its next attempt marks its
        // run), the other none (dead: its run is marked failed now).
        let project = try await ProjectStore(pool: db.pool).ensure(slug: "runs")
        var runs: [Int] = []
        for attempts in [1, 3] {
            let job = try #require(try await queue.enqueue(kind: "cluster", projectID: project, maxAttempts: 3))
            try await db.pool.query("""
                UPDATE jobs SET status = 'running', attempts = \(attempts), locked_by = 'gone',
                    lease_expires_at = now() - interval '1 second' WHERE id = \(job)
                """)
            runs.append(try await db.pool.query("""
                INSERT INTO cluster_runs (project_id, job_id, model) VALUES (\(project), \(job), 'm') RETURNING id
                """).first!.decode(0, as: Int.self))
        }
        #expect(try await queue.requeueExpired() == 2)
        let statuses = try await db.pool.query("""
            SELECT r.status, j.status FROM cluster_runs r JOIN jobs j ON j.id = r.job_id ORDER BY r.id
            """).map { try $0.decode((String, String).self) }
        #expect(statuses.map(\.0) == ["running", "failed"] && statuses.map(\.1) == ["queued", "dead"])
    }

    @Test func failingJobIsRetriedThenDead() async throws {
        try await queue.enqueue(kind: "record", payload: .object(["fail": .bool(true)]), maxAttempts: 3)
        let w = worker()
        let task = Task { try await w.run() }
        #expect(try await waitFor("SELECT count(*) FROM jobs WHERE status = 'dead'", equals: 1))
        await w.stop()
        _ = await task.result
        let row = try #require(try await db.pool.query("SELECT attempts, error FROM jobs").first)
        let (attempts, error) = try row.decode((Int, String?).self)
        #expect(attempts == 3)
        #expect(error?.contains("TestFailure") == true)
        #expect(try await db.pool.query("SELECT count(*) FROM job_runs").first?.decode(0, as: Int.self) == 3)
    }

    @Test func singletonAndCancel() async throws {
        let first = try await queue.enqueue(kind: "record", projectID: nil, payload: .object(["wait": .bool(true)]),
                                            singletonKey: "cluster:1")
        #expect(first != nil)
        #expect(try await queue.enqueue(kind: "record", singletonKey: "cluster:1") == nil)
        let queuedID = try #require(try await queue.enqueue(kind: "other"))
        #expect(try await queue.cancel(jobID: queuedID, projectID: nil))
        let w = worker(lease: .milliseconds(600))
        let task = Task { try await w.run() }
        #expect(try await waitFor("SELECT count(*) FROM jobs WHERE status = 'running'", equals: 1))
        #expect(try await queue.cancel(jobID: try #require(first), projectID: nil))
        #expect(try await waitFor("SELECT count(*) FROM jobs WHERE status = 'cancelled'", equals: 2))
        await w.stop()
        _ = await task.result
        // With the first one finished, the singleton key is free again.
        #expect(try await queue.enqueue(kind: "record", singletonKey: "cluster:1") != nil)
    }

    @Test func notificationWakesAnIdleWorkerAtOnce() async throws {
        let w = worker(poll: .seconds(60), concurrency: 1)
        let task = Task { try await w.run() }
        // Enqueue only once the worker's connection is listening (under load that can take a while).
        #expect(try await waitFor("""
            SELECT (count(*) > 0)::int FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'
            """, equals: 1, seconds: 30))
        let start = Date()
        try await queue.enqueue(kind: "record")
        #expect(try await waitFor("SELECT count(*) FROM jobs WHERE status = 'succeeded'", equals: 1, seconds: 40))
        // Well under the 60 s poll, with room for a loaded machine (CI runs suites in parallel on 2 cores).
        #expect(Date().timeIntervalSince(start) < 30, "woken by NOTIFY, not by the 60 s poll")
        await w.stop()
        _ = await task.result
    }
}
