import Foundation
import HTTPServer
import Postgres

/// `POST /api/v1/conversations/bulk`: NDJSON, optionally gzip, streamed and stored in chunks.
///
/// The body is never held whole: lines are parsed as they arrive and every `chunkSize` valid conversations
/// are committed in one transaction (the idempotent upsert of `ConversationStore`). Bad lines are reported
/// with their line numbers while good lines are stored.
struct BulkIngest {
    let context: AppContext
    var chunkSize = 2_000
    /// Longest accepted line; a longer one is rejected without being buffered whole.
    var maxLineBytes = 16 << 20

    /// The summary returned to the client.
    struct Summary: Encodable {
        struct LineError: Encodable {
            var line: Int
            var errors: [Problem.FieldError]
        }
        var lines = 0
        var accepted = 0
        var created = 0
        var updated = 0
        var duplicate = 0
        var conflict = 0
        var rejected = 0
        var errors: [LineError] = []
        /// Lines whose conversations were committed, in order; on a failure, resending later lines is enough.
        var committedThroughLine = 0
    }

    func handle(_ request: Request) async throws -> Response {
        let principal = try await context.principal(request, scope: "ingest")
        let type = request.contentType?.lowercased() ?? ""
        guard ["application/x-ndjson", "application/jsonl", "application/json-lines", "application/ndjson"]
            .contains(where: type.hasPrefix) else {
            throw Problem(.unsupportedMediaType, detail: "Send NDJSON as application/x-ndjson (one conversation per line).")
        }
        var summary = Summary()
        var pending: [ConversationStore.Item] = []
        var pendingLines: [Int] = []
        var splitter = LineSplitter(maxLineBytes: maxLineBytes)
        let now = Date()

        func take(_ line: LineSplitter.Line) {
            summary.lines = line.number
            switch line.content {
            case .tooLong:
                reject(line.number, [.init(path: "", message: "line is longer than \(maxLineBytes) bytes")])
            case .bytes(let bytes):
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
                let value: JSONValue
                do {
                    value = try JSONParser.parse(bytes)
                } catch {
                    reject(line.number, [.init(path: "", message: "malformed JSON: \(error.description)")])
                    return
                }
                switch context.validator.validate(value, now: now) {
                case .success(let input):
                    pending.append(.init(projectID: principal.projectID, input: input))
                    pendingLines.append(line.number)
                case .failure(let errors):
                    reject(line.number, errors.items)
                }
            }
        }
        func reject(_ line: Int, _ errors: [Problem.FieldError]) {
            summary.rejected += 1
            if summary.errors.count < 1_000 { summary.errors.append(.init(line: line, errors: errors)) }
        }
        // One chunk is committed while the next is parsed: the database and the parser work in parallel.
        var inFlight: (task: Task<[IngestOutcome], any Error>, lastLine: Int)?
        func settle() async throws {
            guard let (task, lastLine) = inFlight else { return }
            inFlight = nil
            let outcomes: [IngestOutcome]
            do {
                outcomes = try await task.value
            } catch let error as PostgresError where error.isConnectionError {
                var problem = Problem.unavailable()
                problem.detail = "The database became unreachable. Lines up to \(summary.committedThroughLine) were "
                    + "stored; resend the rest (resending everything is safe: stored lines count as duplicates)."
                throw problem
            }
            for outcome in outcomes {
                switch outcome.status {
                case .created: summary.created += 1; summary.accepted += 1
                case .updated: summary.updated += 1; summary.accepted += 1
                case .duplicate: summary.duplicate += 1
                case .conflict: summary.conflict += 1
                }
            }
            summary.committedThroughLine = lastLine
            await context.embeddingScheduler.ingested(projects: [principal.projectID])
        }
        func flush() async throws {
            try await settle()
            guard !pending.isEmpty else { return }
            let items = pending
            let pool = context.pool
            inFlight = (Task {
                try await pool.withTransaction { @Sendable connection in
                    try await ConversationStore().store(items, on: connection)
                }
            }, pendingLines.last ?? 0)
            pending.removeAll(keepingCapacity: true)
            pendingLines.removeAll(keepingCapacity: true)
        }

        for try await chunk in request.body {
            for line in splitter.push(chunk) {
                take(line)
                if pending.count >= chunkSize { try await flush() }
            }
        }
        if let last = splitter.finish() { take(last) }
        try await flush()
        try await settle()
        summary.committedThroughLine = summary.lines
        return try Response.json(summary, status: .ok)
    }
}
