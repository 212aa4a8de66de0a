import Foundation
import Postgres

/// The conversations waiting for a human intent label, least confident first.
///
/// Unlabelled conversations are ordered by the active model's confidence (those not classified yet first, then
/// the least confident), then by id. The screen walks this order with a keyset cursor, so a skipped conversation
/// is not shown again until the reviewer reaches the end of the queue and starts over.
struct IntentLabelQueue: Sendable {
    let pool: PostgresPool

    /// Which part of the queue: every unlabelled conversation, those predicted as one intent, or the unrecognized.
    enum Scope: Sendable, Equatable {
        case all
        case intent(Int)
        case unrecognized

        init(_ text: String?) {
            switch text {
            case "none"?: self = .unrecognized
            case let text?: self = Int(text).map { .intent($0) } ?? .all
            case nil: self = .all
            }
        }

        /// The `intent` query value (nil for all).
        var queryValue: String? {
            switch self {
            case .all: nil
            case .intent(let id): String(id)
            case .unrecognized: "none"
            }
        }
    }

    /// A position in the queue: the sort key (confidence, -1 when unclassified) and the conversation id.
    struct Cursor: Sendable, Equatable {
        var key: Float
        var id: Int

        /// `0.4312:123`.
        init?(_ text: String?) {
            guard let text, let colon = text.firstIndex(of: ":"), let key = Float(text[..<colon]), key.isFinite,
                  let id = Int(text[text.index(after: colon)...]), id > 0 else { return nil }
            self.key = key
            self.id = id
        }

        init(key: Float, id: Int) {
            self.key = key
            self.id = id
        }

        /// Swift prints the shortest text that reads back as the same `Float`, so the cursor is exact.
        var text: String { "\(key):\(id)" }
    }

    /// The conversation to label.
    struct Item: Sendable {
        var id: Int
        var externalID: String
        var messages: JSONValue
        var startedAt: Date
        var model: String?
        /// The predicted intent (nil = unrecognized), when classified.
        var predicted: Int?
        var confidence: Double?
        var isClassified: Bool
        var cursor: Cursor
    }

    /// The first conversation after `cursor` (from the start without one).
    ///
    /// Two index walks instead of one sort of every conversation: the conversations not classified yet (cursor key
    /// -1, by id; only looked for when the rollups say there are any, since finding them walks the ids), then the
    /// predictions by confidence (index `conversation_intents_confidence` / `_intent_confidence`, migration 0015).
    func next(projectID: Int, scope: Scope, after cursor: Cursor?) async throws -> Item? {
        let position = cursor ?? Cursor(key: -2, id: 0)
        // Confidences are scores that may be negative (down to -1): -1 and below is the unclassified part.
        if position.key <= -1, scope == .all,
           try await unclassified(projectID: projectID) > 0,
           let row = try await pool.query("""
            SELECT c.id, c.external_id, c.messages::text, c.started_at, c.model
            FROM conversations c
            WHERE c.project_id = \(projectID) AND (\(position.key < -1) OR c.id > \(position.id))
              AND NOT EXISTS (SELECT 1 FROM conversation_intents i WHERE i.conversation_id = c.id)
              AND NOT EXISTS (SELECT 1 FROM intent_labels l WHERE l.conversation_id = c.id)
            ORDER BY c.id LIMIT 1
            """).first {
            let (id, external, messages, started, model) = try row.decode((Int, String, String, Date, String?).self)
            return Item(id: id, externalID: external, messages: (try? JSONParser.parse(messages)) ?? .array([]),
                        startedAt: started, model: model, predicted: nil, confidence: nil, isClassified: false,
                        cursor: Cursor(key: -1, id: id))
        }
        let range: PostgresQuery = position.key > -1
            ? "AND (i.confidence, i.conversation_id) > (\(position.key), \(position.id))" : ""
        return try await pool.query("""
            SELECT c.id, c.external_id, c.messages::text, c.started_at, c.model, i.intent_id, i.confidence::float8,
                   i.confidence
            FROM conversation_intents i JOIN conversations c ON c.id = i.conversation_id
            WHERE i.project_id = \(projectID) AND \(condition(scope))
              \(range)
              AND NOT EXISTS (SELECT 1 FROM intent_labels l WHERE l.conversation_id = i.conversation_id)
            ORDER BY i.confidence, i.conversation_id LIMIT 1
            """).first.map { row in
            let (id, external, messages, started, model, predicted, confidence, key) =
                try row.decode((Int, String, String, Date, String?, Int?, Double, Float).self)
            return Item(id: id, externalID: external, messages: (try? JSONParser.parse(messages)) ?? .array([]),
                        startedAt: started, model: model, predicted: predicted, confidence: confidence,
                        isClassified: true, cursor: Cursor(key: key, id: id))
        }
    }

    /// Conversations of the project without a prediction: every conversation has at most one, so this is the
    /// difference of the two rollups' totals.
    private func unclassified(projectID: Int) async throws -> Int {
        try await pool.query("""
            SELECT (SELECT coalesce(sum(conversations), 0) FROM conversation_daily_stats WHERE project_id = \(projectID))
                 - (SELECT coalesce(sum(conversations), 0) FROM intent_daily_stats WHERE project_id = \(projectID))
            """).first?.decode(0, as: Int.self) ?? 0
    }

    /// Unlabelled conversations in `scope`: conversations (or predictions) from the rollups, less the labelled ones.
    func remaining(projectID: Int, scope: Scope) async throws -> Int {
        let total: PostgresQuery
        let labelled: PostgresQuery
        switch scope {
        case .all:
            total = "SELECT coalesce(sum(conversations), 0) FROM conversation_daily_stats WHERE project_id = \(projectID)"
            labelled = "SELECT count(*) FROM intent_labels WHERE project_id = \(projectID)"
        case .intent(let id):
            total = "SELECT coalesce(sum(conversations), 0) FROM intent_daily_stats WHERE project_id = \(projectID) AND intent_id = \(id)"
            labelled = """
                SELECT count(*) FROM intent_labels l JOIN conversation_intents i ON i.conversation_id = l.conversation_id
                WHERE l.project_id = \(projectID) AND i.intent_id = \(id)
                """
        case .unrecognized:
            total = "SELECT coalesce(sum(conversations), 0) FROM intent_daily_stats WHERE project_id = \(projectID) AND intent_id IS NULL"
            labelled = """
                SELECT count(*) FROM intent_labels l JOIN conversation_intents i ON i.conversation_id = l.conversation_id
                WHERE l.project_id = \(projectID) AND i.intent_id IS NULL
                """
        }
        return max(0, try await pool.query("SELECT (\(total)) - (\(labelled))").first?.decode(0, as: Int.self) ?? 0)
    }

    /// The position of conversation `id` in the queue (to continue after it), nil when it is not in the project.
    func cursor(of id: Int, projectID: Int) async throws -> Cursor? {
        try await pool.query("""
            SELECT coalesce(i.confidence, -1)::float4 FROM conversations c
            LEFT JOIN conversation_intents i ON i.conversation_id = c.id
            WHERE c.project_id = \(projectID) AND c.id = \(id)
            """).first.map { Cursor(key: try $0.decode(0, as: Float.self), id: id) }
    }

    private func condition(_ scope: Scope) -> PostgresQuery {
        switch scope {
        case .all: "true"
        case .intent(let id): "i.intent_id = \(id)"
        case .unrecognized: "i.conversation_id IS NOT NULL AND i.intent_id IS NULL"
        }
    }
}
