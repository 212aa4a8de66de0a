import Foundation
import Postgres

/// The triage queue: listing with filters, sorting and keyset pages; one item in full; "take next".
/// Changes live in `TriageStore+Update.swift` and `TriageStore+Bulk.swift`; every change writes an audit row.
struct TriageStore: Sendable {
    let pool: PostgresPool

    enum StoreError: Error, Equatable {
        case notFound
        case transition(from: TriageStatus, to: TriageStatus)
    }

    /// The JSON of item `t` with its conversation `c` (summary: no messages), for lists.
    static let itemJSON: PostgresQuery = """
        json_build_object(
            'id', t.id, 'status', t.status, 'priority', t.priority,
            'severity', (ARRAY['low', 'medium', 'high', 'critical'])[t.priority],
            'assignee', t.assignee, 'labels', t.labels, 'required_reviews', t.required_reviews, 'reviewers', t.reviewers,
            'votes', (SELECT count(DISTINCT reviewer) FROM triage_ratings WHERE item_id = t.id),
            'has_correction', t.corrected_answer IS NOT NULL, 'resolution', t.resolution,
            'created_at', t.created_at, 'updated_at', t.updated_at, 'last_flagged_at', t.last_flagged_at,
            'closed_at', t.closed_at,
            'conversation', json_build_object('parley_id', c.id, 'id', c.external_id, 'model', c.model,
                'prompt_version', c.prompt_version, 'started_at', c.started_at,
                'preview', left(coalesce((SELECT m->>'content' FROM jsonb_array_elements(c.messages) m
                                          WHERE m->>'role' = 'user' AND jsonb_typeof(m->'content') = 'string' LIMIT 1), ''), 200)),
            'flags', coalesce((SELECT json_agg(json_build_object('rule_id', f.rule_id, 'rule', r.name, 'severity', f.severity,
                                   'detectors', f.detectors, 'reason', f.reason) ORDER BY f.id)
                               FROM flags f JOIN flag_rules r ON r.id = f.rule_id
                               WHERE f.conversation_id = t.conversation_id), '[]'))
        """

    /// A page of items: `{"items": […], "next_cursor": …|null}`.
    func list(projectID: Int, filter: TriageFilter, sort: TriageSort, cursor: TriageCursor?, limit: Int) async throws -> String {
        var conditions = filter.conditions(projectID: projectID)
        if let cursor { conditions = "\(conditions) AND \(cursor.condition)" }
        let rows = try await pool.query("""
            SELECT \(Self.itemJSON)::text, \(sort.cursorSQL)
            FROM triage_items t JOIN conversations c ON c.id = t.conversation_id
            WHERE \(conditions) ORDER BY \(sort.orderBy) LIMIT \(limit + 1)
            """)
        var items: [String] = []
        var next: String?
        for (i, row) in rows.enumerated() {
            if i == limit { break }
            items.append(try row.decode(0, as: String.self))
            if i == limit - 1 && rows.count > limit { next = sort.rawValue + ":" + (try row.decode(1, as: String.self)) }
        }
        var out = "{\"items\":[" + items.joined(separator: ",") + "],\"next_cursor\":"
        out += next.map { JSONValue.string($0).serialized() } ?? "null"
        return out + "}"
    }

    /// How many items match (for `?count=true`).
    func count(projectID: Int, filter: TriageFilter) async throws -> Int {
        try await pool.query("""
            SELECT count(*) FROM triage_items t JOIN conversations c ON c.id = t.conversation_id
            WHERE \(filter.conditions(projectID: projectID))
            """).first?.decode(0, as: Int.self) ?? 0
    }

    /// One item in full: the conversation's messages and metadata, flags with spans, comments, the corrected
    /// answer, the review (ratings hidden until `viewer` voted) and the item's history. nil when not found.
    func detail(projectID: Int, itemID: Int, viewer: String) async throws -> JSONValue? {
        guard let row = try await pool.query("""
            SELECT \(Self.itemJSON)::text,
                json_build_object('messages', c.messages, 'metadata', c.metadata, 'tags', c.tags,
                    'feedback', json_build_object('thumb', c.feedback_thumb, 'rating', c.feedback_rating,
                                                  'comment', c.feedback_comment))::text,
                coalesce((SELECT json_agg(json_build_object('rule_id', f.rule_id, 'rule', r.name, 'severity', f.severity,
                              'detectors', f.detectors, 'reason', f.reason, 'spans', f.spans, 'updated_at', f.updated_at)
                              ORDER BY f.id)
                          FROM flags f JOIN flag_rules r ON r.id = f.rule_id WHERE f.conversation_id = t.conversation_id),
                         '[]')::text,
                coalesce((SELECT json_agg(json_build_object('id', m.id, 'author', m.author, 'body', m.body,
                              'created_at', m.created_at) ORDER BY m.id)
                          FROM triage_comments m WHERE m.item_id = t.id), '[]')::text,
                coalesce((SELECT json_agg(json_build_object('id', a.id, 'actor', a.actor, 'action', a.action,
                              'created_at', a.created_at) ORDER BY a.id DESC)
                          FROM (SELECT * FROM audit_log WHERE project_id = t.project_id AND entity = 'triage_item'
                                AND entity_id = t.id ORDER BY id DESC LIMIT 50) a), '[]')::text,
                t.corrected_answer, t.status
            FROM triage_items t JOIN conversations c ON c.id = t.conversation_id
            WHERE t.project_id = \(projectID) AND t.id = \(itemID)
            """).first else { return nil }
        let (item, conversation, flags, comments, history, corrected, status) =
            try row.decode((String, String, String, String, String, String?, String).self)
        guard case .object(var object) = try JSONParser.parse(item),
              case .object(var summary) = object["conversation"] ?? .null,
              case .object(let full) = try JSONParser.parse(conversation) else { return nil }
        summary.merge(full) { _, new in new }
        object["conversation"] = .object(summary)
        object["flags"] = try JSONParser.parse(flags)
        object["comments"] = try JSONParser.parse(comments)
        object["history"] = try JSONParser.parse(history)
        object["corrected_answer"] = corrected.map(JSONValue.string) ?? .null
        object["review"] = try await TriageReviews(pool: pool).review(
            projectID: projectID, itemID: itemID, viewer: viewer, closed: TriageStatus(rawValue: status)?.isClosed ?? false)
        return .object(object)
    }

    /// Claims the highest-priority, oldest open item (unassigned or assigned to `actor`) that `filter` allows:
    /// it moves to in_review, assigned to `actor`. Concurrent callers never get the same item (`SKIP LOCKED`).
    /// - Returns: the item's id, or nil when the queue is empty.
    func takeNext(projectID: Int, filter: TriageFilter, actor: String) async throws -> Int? {
        try await pool.query("""
            WITH next AS (
                SELECT t.id FROM triage_items t JOIN conversations c ON c.id = t.conversation_id
                WHERE \(filter.conditions(projectID: projectID)) AND t.status = 'open'
                  AND (t.assignee IS NULL OR t.assignee = \(actor))
                ORDER BY (-t.priority), t.created_at, t.id LIMIT 1
                FOR UPDATE OF t SKIP LOCKED
            ), before AS (
                SELECT t.* FROM triage_items t JOIN next ON next.id = t.id
            ), taken AS (
                UPDATE triage_items t SET status = 'in_review', assignee = \(actor), updated_at = now()
                FROM next WHERE t.id = next.id
                RETURNING t.*
            ), audit AS (
                INSERT INTO audit_log (project_id, actor, action, entity, entity_id, before, after)
                SELECT taken.project_id, \(actor), 'triage.take', 'triage_item', taken.id, to_jsonb(b), to_jsonb(taken)
                FROM taken JOIN before b ON b.id = taken.id
            )
            SELECT id FROM taken
            """).first?.decode(0, as: Int.self)
    }
}
