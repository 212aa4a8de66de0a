import Foundation
import Postgres

/// Stores conversations: COPY into a per-session staging table, then one `INSERT … ON CONFLICT` that
/// applies the idempotency rule (see `IngestOutcome.Status`). Runs inside the caller's transaction.
public struct ConversationStore: Sendable {
    public init() {}

    /// One conversation to store for a project.
    public struct Item: Sendable {
        public var projectID: Int
        public var input: ConversationInput
        public init(projectID: Int, input: ConversationInput) {
            self.projectID = projectID
            self.input = input
        }
    }

    /// Stores `items` on `connection`, which must be inside a transaction; returns one outcome per item,
    /// in order. Created and updated conversations are queued in `pending_work` for embedding and search indexing.
    public func store(_ items: [Item], on connection: PostgresConnection) async throws -> [IngestOutcome] {
        guard !items.isEmpty else { return [] }
        try await connection.query(Self.createStaging)
        // The same id twice in one statement would make ON CONFLICT touch a row twice: later copies of a key
        // go to later rounds, applied in order.
        var seen: [String: Int] = [:]
        var rounds = [Int](repeating: 0, count: items.count)
        for (i, item) in items.enumerated() {
            let key = "\(item.projectID)\u{0}\(item.input.externalID)"
            rounds[i] = seen[key, default: 0]
            seen[key, default: 0] += 1
        }
        _ = try await connection.copyIn(Self.copyStatement) { writer in
            for (i, item) in items.enumerated() {
                writer.appendRow(Self.stagingRow(ordinal: i, round: rounds[i], item: item))
                try await writer.flushIfNeeded()
            }
        }
        var outcomes = items.map { IngestOutcome(id: nil, externalID: $0.input.externalID, status: .conflict) }
        var decided = [Bool](repeating: false, count: items.count)
        for round in 0...(rounds.max() ?? 0) {
            var ordinals: [String: Int] = [:]
            for (i, item) in items.enumerated() where rounds[i] == round {
                ordinals["\(item.projectID)\u{0}\(item.input.externalID)"] = i
            }
            for row in try await connection.query(Self.upsert(round: round)) {
                let (project, externalID, id, inserted) = try row.decode((Int, String, Int, Bool).self)
                guard let ordinal = ordinals["\(project)\u{0}\(externalID)"] else { continue }
                outcomes[ordinal].id = id
                outcomes[ordinal].status = inserted ? .created : .updated
                decided[ordinal] = true
            }
        }
        let undecided = decided.indices.filter { !decided[$0] }
        if !undecided.isEmpty {
            for row in try await connection.query(Self.classify(undecided)) {
                let (ordinal, id, duplicate) = try row.decode((Int, Int, Bool).self)
                outcomes[ordinal].id = duplicate ? id : nil
                outcomes[ordinal].status = duplicate ? .duplicate : .conflict
            }
        }
        return outcomes
    }

    static func stagingRow(ordinal: Int, round: Int, item: Item) -> [String?] {
        let input = item.input
        return [
            String(ordinal), String(round), String(item.projectID), input.externalID, input.model,
            input.promptVersion, input.endUserID, input.sessionID, Timestamp.format(input.startedAt),
            String(input.messages.count), input.messagesJSON, input.metadata.serialized(),
            JSONValue.array(input.tags.map(JSONValue.string)).serialized(),
            input.feedback?.thumb.map(String.init), input.feedback?.rating.map(String.init), input.feedback?.comment,
            input.contentHash,
        ]
    }

    static let createStaging: PostgresQuery = """
        CREATE TEMP TABLE IF NOT EXISTS ingest_staging (
            ordinal integer, round integer, project_id bigint, external_id text, model text, prompt_version text,
            end_user_id text, session_id text, started_at timestamptz, message_count integer, messages text,
            metadata text, tags text, thumb smallint, rating smallint, comment text, content_hash text
        ) ON COMMIT DELETE ROWS
        """

    static let copyStatement: PostgresQuery = """
        COPY ingest_staging (ordinal, round, project_id, external_id, model, prompt_version, end_user_id, session_id,
            started_at, message_count, messages, metadata, tags, thumb, rating, comment, content_hash) FROM STDIN
        """

    /// The idempotency rule: insert new ids; replace an existing one only when the payload changed and the new
    /// messages start with all the stored ones. The start time of a stored conversation never changes.
    static func upsert(round: Int) -> PostgresQuery {
        """
        WITH stored AS (
        INSERT INTO conversations AS c (project_id, external_id, model, prompt_version, end_user_id, session_id,
            started_at, message_count, messages, metadata, tags, feedback_thumb, feedback_rating, feedback_comment,
            content_hash)
        SELECT project_id, external_id, model, prompt_version, end_user_id, session_id, started_at, message_count,
            messages::jsonb, metadata::jsonb, ARRAY(SELECT jsonb_array_elements_text(tags::jsonb)), thumb, rating,
            comment, content_hash
        FROM ingest_staging WHERE round = \(round) ORDER BY ordinal
        ON CONFLICT (project_id, external_id) DO UPDATE SET
            model = EXCLUDED.model, prompt_version = EXCLUDED.prompt_version, end_user_id = EXCLUDED.end_user_id,
            session_id = EXCLUDED.session_id,
            message_count = EXCLUDED.message_count, messages = EXCLUDED.messages, metadata = EXCLUDED.metadata,
            tags = EXCLUDED.tags,
            feedback_thumb = coalesce(EXCLUDED.feedback_thumb, c.feedback_thumb),
            feedback_rating = coalesce(EXCLUDED.feedback_rating, c.feedback_rating),
            feedback_comment = coalesce(EXCLUDED.feedback_comment, c.feedback_comment),
            content_hash = EXCLUDED.content_hash, updated_at = now()
        WHERE c.content_hash <> EXCLUDED.content_hash
          AND EXCLUDED.message_count >= c.message_count
          AND c.messages = jsonb_path_query_array(EXCLUDED.messages,
                ('$[0 to ' || (c.message_count - 1) || ']')::jsonpath)
        RETURNING c.project_id, c.external_id, c.id, (c.xmax = 0) AS inserted
        ), queued AS (
            -- Follow-up work for the background jobs: embedding and the search vector.
            INSERT INTO pending_work (kind, conversation_id, project_id)
            SELECT kind, stored.id, stored.project_id FROM stored, unnest(ARRAY['embed', 'search']) AS kind
            ON CONFLICT DO NOTHING
        )
        SELECT project_id, external_id, id, inserted FROM stored
        """
    }

    /// For rows the upsert left alone: a duplicate (same payload, or a prefix of what is stored) or a conflict.
    static func classify(_ ordinals: [Int]) -> PostgresQuery {
        """
        SELECT s.ordinal, c.id,
               c.content_hash = s.content_hash
               OR (s.message_count <= c.message_count
                   AND jsonb_path_query_array(c.messages, ('$[0 to ' || (s.message_count - 1) || ']')::jsonpath)
                       = s.messages::jsonb)
        FROM ingest_staging s
        JOIN conversations c ON c.project_id = s.project_id AND c.external_id = s.external_id
        WHERE s.ordinal = ANY(\(ordinals))
        """
    }
}
