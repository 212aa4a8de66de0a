import Foundation
import Postgres

/// The SQL behind the conversation pages and the list API: a keyset-paginated, filtered list and single
/// conversations.
struct ConversationBrowser: Sendable {
    /// A list row.
    struct Summary: Sendable {
        var id: Int
        var externalID: String
        var startedAt: Date
        var ingestedAt: Date
        var updatedAt: Date
        var cursor: ConversationCursor
        var model: String?
        var promptVersion: String?
        var messageCount: Int
        var thumb: Int?
        var rating: Int?
        var comment: String?
        var tags: [String]
        var endUserID: String?
        /// The first user message, or with a search the best matching fragments, escaped with `<mark>`s.
        var preview: HTML
        /// The active intent model's prediction: nil when not classified by it; `intentID` nil = unrecognized.
        var intent: Intent?
        /// The cluster of the latest run; nil when not clustered.
        var cluster: Cluster?
        /// How many flags, and the worst severity among them (nil without flags).
        var flagCount: Int
        var severity: String?
        /// The status of its triage item, if it has one.
        var triageStatus: String?
    }

    struct Intent: Sendable, Equatable {
        var intentID: Int?
        var name: String?
        var confidence: Double
    }

    struct Cluster: Sendable, Equatable {
        /// nil when too far from every cluster (unassigned).
        var clusterID: Int?
        var name: String?
        var isOutlier: Bool
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
    ///
    /// The page's ids are chosen first (a keyset range of `conversations_time`, or the filter's own index when it
    /// is selective); previews (unless `previews` is false), intents, clusters and flags are then read for those
    /// rows only.
    func list(projectID: Int, filter: ConversationFilter, before: ConversationCursor? = nil,
              after: ConversationCursor? = nil, limit: Int = 50, previews: Bool = true) async throws -> Listing {
        let resolution = try await filter.resolve(projectID: projectID, pool: pool)
        var conditions = filter.conditions(projectID: projectID, resolution: resolution)
        // The keyset: on the conversation, or on the metadata value row that leads to it (below).
        func keyset(_ table: String, _ id: String) -> PostgresQuery {
            if let after {
                return "(\(identifier: table).started_at, \(identifier: table).\(identifier: id)) > (\(after.timestamp), \(after.id))"
            } else if let before {
                return "(\(identifier: table).started_at, \(identifier: table).\(identifier: id)) < (\(before.timestamp), \(before.id))"
            }
            return "true"
        }
        let descending = after == nil
        let order: PostgresQuery = descending ? "c.started_at DESC, c.id DESC" : "c.started_at ASC, c.id ASC"
        conditions = "\(conditions) AND \(keyset("c", "id"))"
        // The page's ids. A string or boolean metadata value is found by its hash in conversation_metadata_values
        // (migration 0017), in time order: for a common value the GIN index on metadata would give every match to
        // sort. The containment is still checked on the conversation (it is in `conditions`).
        let page: PostgresQuery
        if let (key, value) = ConversationFilter.MetadataMatch(filter.metadata)?.indexed {
            let valueOrder: PostgresQuery = descending ? "v.started_at DESC, v.conversation_id DESC"
                : "v.started_at ASC, v.conversation_id ASC"
            page = """
                SELECT c.id FROM conversation_metadata_values v JOIN conversations c ON c.id = v.conversation_id
                WHERE v.project_id = \(projectID) AND v.pair = parley_metadata_pair(\(key), \(value))
                  AND \(keyset("v", "conversation_id")) AND \(conditions)
                ORDER BY \(valueOrder) LIMIT \(limit + 1)
                """
        } else {
            page = "SELECT c.id FROM conversations c WHERE \(conditions) ORDER BY \(order) LIMIT \(limit + 1)"
        }
        let preview: PostgresQuery
        if !previews {
            preview = "''"
        } else if filter.search.isEmpty {
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
        let rows = try await Self.withoutParallelism(pool: pool, """
            SELECT c.id, c.external_id, c.started_at, (extract(epoch FROM c.started_at) * 1000000)::bigint,
                   c.ingested_at, c.updated_at, c.model, c.prompt_version, c.message_count, c.feedback_thumb,
                   c.feedback_rating, c.feedback_comment, c.tags, c.end_user_id, \(preview),
                   ci.conversation_id IS NOT NULL, ci.intent_id, it.name, ci.confidence::float8,
                   m.conversation_id IS NOT NULL, m.cluster_id, coalesce(k.custom_name, k.llm_name, k.auto_name),
                   coalesce(m.is_outlier, false), fl.count, fl.worst, t.status
            FROM (\(page)) page
            JOIN conversations c ON c.id = page.id
            LEFT JOIN conversation_intents ci ON ci.conversation_id = c.id AND ci.model_id = \(resolution.intentModelID)
            LEFT JOIN intents it ON it.id = ci.intent_id
            LEFT JOIN cluster_members m ON m.conversation_id = c.id
            LEFT JOIN clusters k ON k.id = m.cluster_id
            LEFT JOIN triage_items t ON t.conversation_id = c.id
            CROSS JOIN LATERAL (
                SELECT count(*)::int8 AS count,
                       max(CASE f.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END)::int8
                           AS worst
                FROM flags f WHERE f.conversation_id = c.id) fl
            ORDER BY \(order)
            """)
        var summaries = try rows.map(Self.summary)
        let more = summaries.count > limit
        if more { summaries.removeLast() }
        if after != nil {
            return Listing(rows: summaries.reversed(), hasOlder: true, hasNewer: more)
        }
        return Listing(rows: summaries, hasOlder: more, hasNewer: before != nil)
    }

    /// Runs a top-N query without JIT and parallel workers: for 51 rows their start-up costs more than the query
    /// (measured at 1M conversations on 2 busy cores: Gather start-up 50 ms, JIT emission 60 ms).
    static func withoutParallelism(pool: PostgresPool, _ query: PostgresQuery) async throws -> PostgresResult {
        try await pool.withConnection { connection in
            try await connection.query("BEGIN")
            do {
                try await connection.query("""
                    SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)
                    """)
                let rows = try await connection.query(query)
                try await connection.query("COMMIT")
                return rows
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    private static func summary(_ row: PostgresRow) throws -> Summary {
        func column<T: PostgresDecodable>(_ index: Int, _: T.Type = T.self) throws -> T { try row.decode(index, as: T.self) }
        let id: Int = try column(0)
        let intent: Intent? = try column(15, Bool.self)
            ? Intent(intentID: try column(16), name: try column(17), confidence: try column(18, Double?.self) ?? 0) : nil
        let cluster: Cluster? = try column(19, Bool.self)
            ? Cluster(clusterID: try column(20), name: try column(21), isOutlier: try column(22)) : nil
        let worst: Int? = try column(24)
        return Summary(
            id: id, externalID: try column(1), startedAt: try column(2), ingestedAt: try column(4),
            updatedAt: try column(5), cursor: ConversationCursor(micros: try column(3), id: id), model: try column(6),
            promptVersion: try column(7), messageCount: try column(8), thumb: try column(9), rating: try column(10),
            comment: try column(11), tags: try column(12), endUserID: try column(13),
            preview: HTML.highlighted(try column(14)), intent: intent, cluster: cluster, flagCount: try column(23),
            severity: worst.map { ConversationFilter.severities[max(0, min(3, 4 - $0))] }, triageStatus: try column(25))
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
