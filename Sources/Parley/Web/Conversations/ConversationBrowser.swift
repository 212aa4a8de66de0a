import Foundation
import Postgres

/// The SQL behind the conversation pages: a keyset-paginated, filtered list and single conversations.
struct ConversationBrowser: Sendable {
    /// A list row.
    struct Summary: Sendable {
        var id: Int
        var externalID: String
        var startedAt: Date
        var cursor: ConversationCursor
        var model: String?
        var promptVersion: String?
        var messageCount: Int
        var thumb: Int?
        var rating: Int?
        var tags: [String]
        var endUserID: String?
        /// The first user message, or with a search the best matching fragments, escaped with `<mark>`s.
        var preview: HTML
    }

    /// One page of the list, newest first.
    struct Listing: Sendable {
        var rows: [Summary]
        /// Rows exist after the last one (older) or before the first one (newer).
        var hasOlder: Bool
        var hasNewer: Bool
    }

    let pool: PostgresPool

    /// The text of message `m` (a jsonb element): its string content, or its text parts joined.
    static let messageText: PostgresQuery = """
        CASE jsonb_typeof(m->'content') WHEN 'string' THEN m->>'content'
             WHEN 'array' THEN (SELECT string_agg(part->>'text', ' ') FROM jsonb_array_elements(m->'content') part
                                WHERE part->>'type' = 'text') END
        """

    static let headlineOptions =
        "StartSel=\u{E000}, StopSel=\u{E001}, MaxFragments=2, MaxWords=24, MinWords=8, FragmentDelimiter=\" … \""

    /// The rows of a page: the newest `limit` rows older than `before`, or the oldest `limit` newer than `after`.
    func list(projectID: Int, filter: ConversationFilter, before: ConversationCursor? = nil,
              after: ConversationCursor? = nil, limit: Int = 50) async throws -> Listing {
        var conditions = filter.conditions(projectID: projectID)
        var order: PostgresQuery = "c.started_at DESC, c.id DESC"
        if let after {
            conditions = "\(conditions) AND (c.started_at, c.id) > (\(after.timestamp), \(after.id))"
            order = "c.started_at ASC, c.id ASC"
        } else if let before {
            conditions = "\(conditions) AND (c.started_at, c.id) < (\(before.timestamp), \(before.id))"
        }
        let preview: PostgresQuery
        if filter.search.isEmpty {
            preview = """
                left(coalesce((SELECT \(Self.messageText) FROM jsonb_array_elements(c.messages) m
                               WHERE m->>'role' = 'user' LIMIT 1), ''), 300)
                """
        } else {
            // ts_headline marks matches with private-use characters, escaped and turned into <mark> by HTML.
            preview = """
                ts_headline('english',
                    left(coalesce((SELECT string_agg(\(Self.messageText), ' · ') FROM jsonb_array_elements(c.messages) m
                                   WHERE m->>'role' <> 'system'), ''), 20000),
                    websearch_to_tsquery('english', \(filter.search)),
                    \(Self.headlineOptions))
                """
        }
        let rows = try await pool.query("""
            SELECT c.id, c.external_id, c.started_at, (extract(epoch FROM c.started_at) * 1000000)::bigint,
                   c.model, c.prompt_version, c.message_count, c.feedback_thumb, c.feedback_rating, c.tags,
                   c.end_user_id, \(preview)
            FROM conversations c
            WHERE \(conditions)
            ORDER BY \(order)
            LIMIT \(limit + 1)
            """)
        var summaries = try rows.map { row in
            let (id, external, started, micros, model, prompt, count, thumb, rating, tags, user, text) = try row.decode(
                (Int, String, Date, Int, String?, String?, Int, Int?, Int?, [String], String?, String).self)
            return Summary(id: id, externalID: external, startedAt: started, cursor: ConversationCursor(micros: micros, id: id),
                           model: model, promptVersion: prompt, messageCount: count, thumb: thumb, rating: rating,
                           tags: tags, endUserID: user, preview: HTML.highlighted(text))
        }
        let more = summaries.count > limit
        if more { summaries.removeLast() }
        if after != nil {
            return Listing(rows: summaries.reversed(), hasOlder: true, hasNewer: more)
        }
        return Listing(rows: summaries, hasOlder: more, hasNewer: before != nil)
    }

    /// The distinct non-null values of `model` or `prompt_version` in a project, by a skip scan of their index
    /// (one index probe per value instead of reading every row).
    func distinctValues(of column: String, projectID: Int, limit: Int = 100) async throws -> [String] {
        guard column == "model" || column == "prompt_version" else { return [] }
        return try await pool.query("""
            WITH RECURSIVE v(value) AS (
                (SELECT \(identifier: column) FROM conversations
                 WHERE project_id = \(projectID) AND \(identifier: column) IS NOT NULL ORDER BY 1 LIMIT 1)
                UNION ALL
                SELECT (SELECT c.\(identifier: column) FROM conversations c
                        WHERE c.project_id = \(projectID) AND c.\(identifier: column) > v.value ORDER BY 1 LIMIT 1)
                FROM v WHERE v.value IS NOT NULL
            )
            SELECT value FROM v WHERE value IS NOT NULL LIMIT \(limit)
            """).map { try $0.decode(0, as: String.self) }
    }
}
