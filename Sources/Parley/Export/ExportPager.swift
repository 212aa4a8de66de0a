import Foundation
import Postgres

/// One conversation of an export, with its cluster, flags and triage state.
struct ExportRow: Sendable {
    var id: Int
    var externalID: String
    var startedAt: Date
    var model: String?
    var promptVersion: String?
    var endUserID: String?
    var messages: [JSONValue]
    var metadata: String
    var thumb: Int?
    var rating: Int?
    var clusterID: Int?
    /// The balancing group (cluster or intent), when balancing.
    var group: String?
    /// Names of the rules that flagged it.
    var flags: [String]
    var severity: String?
    var status: String?
    var assignee: String?
    var labels: [String]
    var corrected: String?
    var meanRating: Double?
}

/// Reads an export's rows in keyset pages (by conversation id), so memory holds one page whatever the size of the
/// export, and no database connection is held while the client reads.
struct ExportPager: Sendable {
    /// At most `perGroup` conversations per cluster or per predicted intent (the first ones by id).
    enum Balance: Sendable, Equatable {
        case cluster(perGroup: Int)
        case intent(perGroup: Int)

        var perGroup: Int {
            switch self {
            case .cluster(let n), .intent(let n): n
            }
        }
    }

    let pool: PostgresPool
    let projectID: Int
    let filter: ExportFilter
    var balance: Balance?
    var pageSize = 500

    /// Whether balancing by intent is possible: predicted intents are stored (issue 7's `conversation_intents`).
    static func intentsAvailable(pool: PostgresPool) async throws -> Bool {
        try await pool.query("SELECT to_regclass('conversation_intents') IS NOT NULL").first?.decode(0, as: Bool.self) ?? false
    }

    /// Calls `body` with each page of rows, in id order, after balancing and the row limit.
    func forEachPage(_ body: ([ExportRow]) async throws -> Void) async throws {
        var after = 0
        var emitted = 0
        var groups: [String: Int] = [:]
        let limit = filter.limit ?? Int.max
        while emitted < limit {
            let rows = try await page(after: after)
            guard let last = rows.last else { break }
            after = last.id
            var kept: [ExportRow] = []
            for row in rows where emitted + kept.count < limit {
                if let perGroup = balance?.perGroup {
                    let key = row.group ?? ""
                    guard groups[key, default: 0] < perGroup else { continue }
                    groups[key, default: 0] += 1
                }
                kept.append(row)
            }
            emitted += kept.count
            if !kept.isEmpty { try await body(kept) }
            if rows.count < pageSize { break }
        }
    }

    private func page(after: Int) async throws -> [ExportRow] {
        var group: PostgresQuery = "NULL::text"
        var join: PostgresQuery = ""
        switch balance {
        case .cluster?: group = "coalesce(m.cluster_id::text, 'unassigned')"
        case .intent?:
            group = "coalesce(ci.intent_id::text, 'unrecognized')"
            join = "LEFT JOIN conversation_intents ci ON ci.conversation_id = c.id"
        case nil: break
        }
        return try await pool.query("""
            SELECT c.id, c.external_id, c.started_at, c.model, c.prompt_version, c.end_user_id, c.messages::text,
                   c.metadata::text, c.feedback_thumb::int, c.feedback_rating::int, m.cluster_id, \(group),
                   ARRAY(SELECT r.name FROM flags f JOIN flag_rules r ON r.id = f.rule_id
                         WHERE f.conversation_id = c.id ORDER BY r.name),
                   CASE WHEN t.id IS NOT NULL THEN (ARRAY['low', 'medium', 'high', 'critical'])[t.priority] END,
                   t.status, t.assignee, coalesce(t.labels, '{}'), t.corrected_answer,
                   (SELECT avg(score)::float8 FROM triage_ratings r WHERE r.item_id = t.id)
            FROM conversations c
            LEFT JOIN triage_items t ON t.conversation_id = c.id
            LEFT JOIN cluster_members m ON m.conversation_id = c.id
            \(join)
            WHERE \(filter.conditions(projectID: projectID)) AND c.id > \(after)
            ORDER BY c.id LIMIT \(pageSize)
            """).map { row in
            let (id, externalID, startedAt, model, prompt, user, messages, metadata, thumb, rating) =
                try row.decode((Int, String, Date, String?, String?, String?, String, String, Int?, Int?).self)
            return ExportRow(
                id: id, externalID: externalID, startedAt: startedAt, model: model, promptVersion: prompt, endUserID: user,
                messages: (try? JSONParser.parse(messages))?.arrayValue ?? [], metadata: metadata, thumb: thumb,
                rating: rating, clusterID: try row.decode(10, as: Int?.self), group: try row.decode(11, as: String?.self),
                flags: try row.decode(12, as: [String].self), severity: try row.decode(13, as: String?.self),
                status: try row.decode(14, as: String?.self), assignee: try row.decode(15, as: String?.self),
                labels: try row.decode(16, as: [String].self), corrected: try row.decode(17, as: String?.self),
                meanRating: try row.decode(18, as: Double?.self))
        }
    }
}
