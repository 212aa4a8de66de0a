import Foundation
import Postgres

/// Preference pairs from ratings: conversations that share a prompt (the same messages up to the last user turn)
/// but were rated differently give a pair, the best-rated response chosen over the worst-rated one.
///
/// A conversation's score is the mean of its triage ratings, else the user's 1–5 rating, else its thumb (up 5,
/// down 1). Prompts are compared by the MD5 of their JSON. The groups are read in pages keyed by that hash, so
/// memory holds one page; each page re-reads the rated conversations of the filter (the cost grows with the
/// number of rated conversations, not with the export's size in memory).
struct PreferencePairs: Sendable {
    let pool: PostgresPool
    let projectID: Int
    let filter: ExportFilter
    /// The smallest score difference that makes a pair.
    var minimumMargin = 1.0
    var pageSize = 200

    /// Calls `body` with each page of (best, worst) conversations.
    func forEachPage(_ body: ([(chosen: ExportRow, rejected: ExportRow)]) async throws -> Void) async throws {
        var after = ""
        let rows = ExportRowsByID(pool: pool)
        while true {
            let groups = try await pool.query("""
                WITH scored AS (
                    SELECT c.id, md5(jsonb_path_query_array(c.messages, ('$[0 to ' || (u.i - 1) || ']')::jsonpath)::text) AS h,
                           coalesce((SELECT avg(score)::float8 FROM triage_ratings r WHERE r.item_id = t.id),
                                    c.feedback_rating::float8,
                                    CASE c.feedback_thumb WHEN 1 THEN 5.0 WHEN -1 THEN 1.0 END) AS score
                    FROM conversations c
                    LEFT JOIN triage_items t ON t.conversation_id = c.id
                    CROSS JOIN LATERAL (SELECT max(o) AS i FROM jsonb_array_elements(c.messages) WITH ORDINALITY e(m, o)
                                        WHERE m->>'role' = 'user') u
                    WHERE \(filter.conditions(projectID: projectID)) AND u.i IS NOT NULL
                      AND u.i < jsonb_array_length(c.messages)
                )
                SELECT h, (array_agg(id ORDER BY score DESC, id))[1], (array_agg(id ORDER BY score, id))[1]
                FROM scored WHERE score IS NOT NULL AND h > \(after)
                GROUP BY h HAVING max(score) - min(score) >= \(minimumMargin)
                ORDER BY h LIMIT \(pageSize)
                """).map { try $0.decode((String, Int, Int).self) }
            guard let last = groups.last else { break }
            after = last.0
            let byID = try await rows.load(groups.flatMap { [$0.1, $0.2] })
            let pairs = groups.compactMap { group -> (chosen: ExportRow, rejected: ExportRow)? in
                guard let chosen = byID[group.1], let rejected = byID[group.2] else { return nil }
                return (chosen, rejected)
            }
            if !pairs.isEmpty { try await body(pairs) }
            if groups.count < pageSize { break }
        }
    }
}

/// Loads the messages of a few conversations by id (for preference pairs).
struct ExportRowsByID: Sendable {
    let pool: PostgresPool

    func load(_ ids: [Int]) async throws -> [Int: ExportRow] {
        var rows: [Int: ExportRow] = [:]
        for row in try await pool.query("""
            SELECT id, external_id, started_at, messages::text FROM conversations WHERE id = ANY(\(ids))
            """) {
            let (id, externalID, startedAt, messages) = try row.decode((Int, String, Date, String).self)
            rows[id] = ExportRow(id: id, externalID: externalID, startedAt: startedAt, model: nil, promptVersion: nil,
                                 endUserID: nil, messages: (try? JSONParser.parse(messages))?.arrayValue ?? [],
                                 metadata: "{}", thumb: nil, rating: nil, clusterID: nil, group: nil, flags: [],
                                 severity: nil, status: nil, assignee: nil, labels: [], corrected: nil, meanRating: nil)
        }
        return rows
    }
}
