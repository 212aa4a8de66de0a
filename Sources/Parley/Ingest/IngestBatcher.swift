import Logging
import Postgres

/// Group commit: concurrent requests' conversations are stored together in one transaction.
///
/// A request waits until its conversations are committed, so a 2xx always means stored. While one
/// transaction is in flight, new requests queue up and go together in the next one, so batches grow with
/// load and an idle server adds no delay.
public actor IngestBatcher {
    private struct Pending {
        var items: [ConversationStore.Item]
        var continuation: CheckedContinuation<[IngestOutcome], any Error>
    }

    private let pool: PostgresPool
    private let store = ConversationStore()
    private let logger: Logger
    private let scheduler: EmbeddingScheduler?
    private let maxBatch: Int
    private let maxInFlight: Int
    private var queue: [Pending] = []
    private var inFlight = 0

    /// - Parameters:
    ///   - maxBatch: most conversations in one transaction (a larger single request still goes whole).
    ///   - maxInFlight: transactions running at once.
    public init(pool: PostgresPool, logger: Logger, scheduler: EmbeddingScheduler? = nil, maxBatch: Int = 1_000,
                maxInFlight: Int = 2) {
        self.pool = pool
        self.scheduler = scheduler
        self.logger = logger
        self.maxBatch = maxBatch
        self.maxInFlight = maxInFlight
    }

    /// Stores the conversations of one request; returns once they are committed.
    public func submit(_ items: [ConversationStore.Item]) async throws -> [IngestOutcome] {
        guard !items.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            queue.append(Pending(items: items, continuation: continuation))
            if inFlight < maxInFlight {
                inFlight += 1
                Task { await self.drain() }
            }
        }
    }

    /// Runs transactions until the queue is empty.
    private func drain() async {
        while !queue.isEmpty {
            var batch: [Pending] = []
            var count = 0
            while let next = queue.first, batch.isEmpty || count + next.items.count <= maxBatch {
                batch.append(queue.removeFirst())
                count += next.items.count
            }
            do {
                let items = batch.flatMap(\.items)
                let store = self.store
                let outcomes = try await pool.withTransaction { @Sendable connection in
                    try await store.store(items, on: connection)
                }
                await scheduler?.ingested(projects: Set(items.map(\.projectID)))
                var offset = 0
                for pending in batch {
                    pending.continuation.resume(returning: Array(outcomes[offset..<(offset + pending.items.count)]))
                    offset += pending.items.count
                }
            } catch {
                // Nothing of this transaction was committed: every waiting request gets the error.
                for pending in batch { pending.continuation.resume(throwing: error) }
            }
        }
        inFlight -= 1
    }
}
