import Foundation
import Postgres

/// Stores conversations with one `INSERT … SELECT FROM unnest(arrays) … ON CONFLICT` per batch: every column
/// travels as one bound array (binary), and the statement applies the idempotency rule (see
/// `IngestOutcome.Status`). Runs inside the caller's transaction.
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
        // The same id twice in one statement would make ON CONFLICT touch a row twice: later copies of a key
        // go to later rounds, applied in order.
        var seen: [String: Int] = [:]
        var rounds: [[Int]] = []
        for (i, item) in items.enumerated() {
            let key = "\(item.projectID)\u{0}\(item.input.externalID)"
            let round = seen[key, default: 0]
            seen[key] = round + 1
            if round == rounds.count { rounds.append([]) }
            rounds[round].append(i)
        }
        let encoded = items.map { $0.input.encoded() }
        var outcomes = items.map { IngestOutcome(id: nil, externalID: $0.input.externalID, status: .conflict) }
        var undecided: [Int] = []
        for ordinals in rounds {
            var byKey: [String: Int] = [:]
            for i in ordinals { byKey["\(items[i].projectID)\u{0}\(items[i].input.externalID)"] = i }
            for row in try await connection.query(Self.upsert(ordinals.map { (items[$0], encoded[$0]) })) {
                let (project, externalID, id, inserted) = try row.decode((Int, String, Int, Bool).self)
                guard let i = byKey.removeValue(forKey: "\(project)\u{0}\(externalID)") else { continue }
                outcomes[i].id = id
                outcomes[i].status = inserted ? .created : .updated
            }
            undecided += byKey.values
        }
        if !undecided.isEmpty {
            for row in try await connection.query(Self.classify(undecided.map { ($0, items[$0], encoded[$0]) })) {
                let (ordinal, id, duplicate) = try row.decode((Int, Int, Bool).self)
                outcomes[ordinal].id = duplicate ? id : nil
                outcomes[ordinal].status = duplicate ? .duplicate : .conflict
            }
        }
        return outcomes
    }

    /// The idempotency rule: insert new ids; replace an existing one only when the payload changed and the new
    /// messages start with all the stored ones. The start time of a stored conversation never changes.
    static func upsert(_ rows: [(Item, ConversationInput.Encoded)]) -> PostgresQuery {
        let inputs = rows.map(\.0.input)
        let thumbs: [Int?] = inputs.map { $0.feedback?.thumb }
        let ratings: [Int?] = inputs.map { $0.feedback?.rating }
        let comments: [String?] = inputs.map { $0.feedback?.comment }
        return """
            WITH stored AS (
            INSERT INTO conversations AS c (project_id, external_id, model, prompt_version, end_user_id, session_id,
                started_at, message_count, messages, metadata, tags, feedback_thumb, feedback_rating, feedback_comment,
                content_hash)
            SELECT project_id, external_id, model, prompt_version, end_user_id, session_id, started_at, message_count,
                messages::jsonb, metadata::jsonb, tags::text[], thumb, rating,
                comment, content_hash
            FROM unnest(\(rows.map(\.0.projectID)), \(inputs.map(\.externalID)), \(inputs.map(\.model)),
                        \(inputs.map(\.promptVersion)), \(inputs.map(\.endUserID)), \(inputs.map(\.sessionID)),
                        \(inputs.map(\.startedAt)), \(inputs.map(\.messages.count)), \(rows.map(\.1.messages)),
                        \(rows.map(\.1.metadata)), \(rows.map(\.1.tags)), \(thumbs), \(ratings), \(comments),
                        \(rows.map(\.1.contentHash)))
                AS t(project_id, external_id, model, prompt_version, end_user_id, session_id, started_at,
                     message_count, messages, metadata, tags, thumb, rating, comment, content_hash)
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
                -- Follow-up work for the background jobs: embedding, the search vector, flag rules.
                INSERT INTO pending_work (kind, project_id, conversation_id)
                SELECT kind, stored.project_id, stored.id FROM stored, unnest(ARRAY['embed', 'search', 'flag']) AS kind
                ON CONFLICT DO NOTHING
            )
            SELECT project_id, external_id, id, inserted FROM stored
            """
    }

    /// For rows the upsert left alone: a duplicate (same payload, or a prefix of what is stored) or a conflict.
    static func classify(_ rows: [(Int, Item, ConversationInput.Encoded)]) -> PostgresQuery {
        """
        SELECT t.ordinal, c.id,
               c.content_hash = t.content_hash
               OR (t.message_count <= c.message_count
                   AND jsonb_path_query_array(c.messages, ('$[0 to ' || (t.message_count - 1) || ']')::jsonpath)
                       = t.messages::jsonb)
        FROM unnest(\(rows.map(\.0)), \(rows.map(\.1.projectID)), \(rows.map(\.1.input.externalID)),
                    \(rows.map(\.2.contentHash)), \(rows.map(\.1.input.messages.count)), \(rows.map(\.2.messages)))
            AS t(ordinal, project_id, external_id, content_hash, message_count, messages)
        JOIN conversations c ON c.project_id = t.project_id AND c.external_id = t.external_id
        """
    }
}
