import Foundation
import Logging
import Postgres

/// Validates and stores conversations from a file or generator in committed chunks, reporting progress.
///
/// Used by `parley import` and `parley demo`; the same validation and idempotency as the API.
public struct ConversationImporter: Sendable {
    /// Counts of what happened, plus the first errors with their line numbers.
    public struct Summary: Sendable {
        public var read = 0
        public var created = 0
        public var updated = 0
        public var duplicate = 0
        public var conflict = 0
        public var rejected = 0
        public var errors: [String] = []
    }

    let pool: PostgresPool
    let validator: ConversationValidator
    let chunkSize: Int

    public init(pool: PostgresPool, validator: ConversationValidator = ConversationValidator(), chunkSize: Int = 2_000) {
        self.pool = pool
        self.validator = validator
        self.chunkSize = chunkSize
    }

    /// Imports records into a project.
    /// - Parameters:
    ///   - records: each a conversation in the API shape with its line number, or an error for that line.
    ///   - progress: called after each committed chunk with the summary so far.
    public func run(
        _ records: some Sequence<Result<(line: Int, value: JSONValue), ImportError>>, projectID: Int,
        progress: (Summary) -> Void = { _ in }
    ) async throws -> Summary {
        var summary = Summary()
        var chunk: [ConversationStore.Item] = []
        let now = Date()
        func note(_ message: String) {
            summary.rejected += 1
            if summary.errors.count < 20 { summary.errors.append(message) }
        }
        func flush() async throws {
            guard !chunk.isEmpty else { return }
            let items = chunk
            chunk.removeAll(keepingCapacity: true)
            let outcomes = try await pool.withTransaction { @Sendable connection in
                try await ConversationStore().store(items, on: connection)
            }
            for outcome in outcomes {
                switch outcome.status {
                case .created: summary.created += 1
                case .updated: summary.updated += 1
                case .duplicate: summary.duplicate += 1
                case .conflict: summary.conflict += 1
                }
            }
            progress(summary)
        }
        for record in records {
            summary.read += 1
            switch record {
            case .failure(let error):
                note(error.description)
            case .success(let (line, value)):
                switch validator.validate(value, now: now) {
                case .success(let input): chunk.append(.init(projectID: projectID, input: input))
                case .failure(let errors):
                    note("line \(line): " + errors.items.map { "\($0.path): \($0.message)" }.joined(separator: "; "))
                }
            }
            if chunk.count >= chunkSize { try await flush() }
        }
        try await flush()
        if summary.created + summary.updated > 0 {
            await EmbeddingScheduler(pool: pool, logger: Logger(label: "parley")).ingested(projects: [projectID])
        }
        return summary
    }
}
