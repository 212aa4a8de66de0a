import Foundation
import Logging
import Postgres

/// Runs jobs: claims them from the table, renews their lease, and records the result.
///
/// Idle workers sleep until a `parley_jobs` notification (or a poll interval, for delayed retries and
/// notifications lost during a reconnect). Any number of workers, in any number of processes, can share one
/// database: `FOR UPDATE SKIP LOCKED` hands each job to one of them.
public final class JobWorker: Sendable {
    /// Settings of a worker.
    public struct Configuration: Sendable {
        /// Jobs run at once by this worker.
        public var concurrency = 1
        /// How long a claim holds without a heartbeat; a killed worker's job is re-queued after it.
        public var lease: Duration = .seconds(30)
        /// Longest sleep without a notification.
        public var pollInterval: Duration = .seconds(5)
        /// First retry delay in seconds; doubles with each attempt.
        public var backoffBase = 2.0
        /// A job that ran at least this long is followed by handing the allocator's free pages back to the
        /// system (`MemoryTuning.releaseFreeMemory`): a long job frees many small blocks the allocator would
        /// otherwise keep resident.
        public var releaseMemoryAfter: Duration = .seconds(1)
        public init() {}
    }

    let queue: JobQueue
    let handlers: [String: any JobHandler]
    let configuration: Configuration
    let conninfo: String
    let logger: Logger
    /// This worker's name in `jobs.locked_by`.
    public let id: String
    private let state = StopState()

    public init(pool: PostgresPool, conninfo: String, handlers: [any JobHandler], configuration: Configuration = .init(),
                logger: Logger) {
        self.queue = JobQueue(pool: pool)
        self.handlers = Dictionary(handlers.map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a })
        self.configuration = configuration
        self.conninfo = conninfo
        self.logger = logger
        self.id = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))"
    }

    /// Runs until `stop()`; returns once the jobs in hand are finished.
    public func run() async throws {
        let listener = try await PostgresListener.start(conninfo: conninfo, channels: [JobQueue.channel], logger: logger)
        let wakeups = WakeUps()
        let listening = Task {
            for await _ in listener.notifications { await wakeups.signal() }
        }
        defer {
            listener.stop()
            listening.cancel()
        }
        await withTaskGroup(of: Void.self) { group in
            for slot in 0..<max(1, configuration.concurrency) {
                group.addTask { await self.loop(slot: slot, wakeups: wakeups) }
            }
            group.addTask {
                await self.state.waitUntilStopped()
                await wakeups.wakeAll()
            }
        }
    }

    /// Asks the worker to stop taking jobs.
    public func stop() async { await state.stop() }

    private func loop(slot: Int, wakeups: WakeUps) async {
        let kinds = Array(handlers.keys)
        while !(await state.isStopped) {
            do {
                if slot == 0 { try await queue.requeueExpired() }
                if let job = try await queue.claim(kinds: kinds, workerID: id, lease: configuration.lease) {
                    await execute(job)
                    continue
                }
            } catch {
                logger.warning("job queue unavailable", metadata: ["error": "\(error)"])
            }
            await wakeups.wait(timeout: configuration.pollInterval)
        }
    }

    private func execute(_ job: Job) async {
        guard let handler = handlers[job.kind] else { return }
        let context = JobContext(pool: queue.pool, queue: queue, job: job, workerID: id)
        logger.info("job started", metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "attempt": "\(job.attempt)"])
        let started = ContinuousClock.now
        let work = Task { try await handler.run(job, context: context) }
        let heartbeat = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: configuration.lease / 3)
                let (owned, cancel) = try await queue.heartbeat(jobID: job.id, workerID: id, lease: configuration.lease)
                if !owned || cancel { work.cancel() }
                if !owned { return }
            }
        }
        let result = await work.result
        heartbeat.cancel()
        if ContinuousClock.now - started >= configuration.releaseMemoryAfter {
            let released = MemoryTuning.releaseFreeMemory()
            logger.debug("free memory returned after a long job",
                         metadata: ["job": "\(job.id)", "megabytes": "\(Int(released.rounded()))"])
        }
        do {
            switch result {
            case .success:
                if try await queue.complete(jobID: job.id, workerID: id) {
                    logger.info("job succeeded", metadata: ["job": "\(job.id)", "kind": "\(job.kind)"])
                } else {
                    logger.warning("job finished after its lease was lost", metadata: ["job": "\(job.id)"])
                }
            case .failure(let error):
                let cancelled = error is CancellationError
                var metadata: Logger.Metadata = ["job": "\(job.id)", "kind": "\(job.kind)", "error": "\(error)"]
                if let database = error as? PostgresError {
                    // The server's own words, for the operator's log only (never in API responses).
                    metadata["sqlstate"] = "\(database.sqlState ?? "")"
                    metadata["message"] = "\(database.message)"
                    if let detail = database.detail { metadata["detail"] = "\(detail)" }
                }
                logger.warning("job failed", metadata: metadata)
                try await queue.fail(jobID: job.id, workerID: id, error: "\(error)", cancelled: cancelled,
                                     backoffBase: configuration.backoffBase)
            }
        } catch {
            // The lease will expire and another worker will take the job again.
            logger.error("could not record a job's result", metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
    }
}

/// Wakes sleeping worker slots when a notification arrives.
actor WakeUps {
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    private var pending = false

    func signal() {
        if waiters.isEmpty { pending = true }
        wakeAll()
    }

    func wakeAll() {
        let all = waiters
        waiters.removeAll()
        for continuation in all.values { continuation.resume() }
    }

    func wait(timeout: Duration) async {
        if pending {
            pending = false
            return
        }
        let id = UUID()
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.wake(id)
        }
        await withCheckedContinuation { waiters[id] = $0 }
        timer.cancel()
    }

    private func wake(_ id: UUID) {
        waiters.removeValue(forKey: id)?.resume()
    }
}

actor StopState {
    private(set) var isStopped = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func stop() {
        isStopped = true
        waiters.forEach { $0.resume() }
        waiters.removeAll()
    }

    func waitUntilStopped() async {
        if isStopped { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}
