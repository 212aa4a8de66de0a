import Foundation
import Postgres

/// What the dashboard's triage pages read besides the list and the item: counts, today's progress, the choices of
/// the filters, the item after another, and priority changes (which the API does not offer).
extension TriageStore {
    /// Items per status among those `filter` selects, its statuses left out (for the status tabs). A filter on
    /// nothing but assignees and severities reads the rollup `triage_counts` (migration 0015); others count items.
    func statusCounts(projectID: Int, filter: TriageFilter) async throws -> [TriageStatus: Int] {
        var unfiltered = filter
        unfiltered.statuses = []
        var rest = unfiltered
        (rest.assignees, rest.severities) = ([], [])
        let query: PostgresQuery
        if rest == TriageFilter() {
            var conditions: PostgresQuery = "s.project_id = \(projectID)"
            if !unfiltered.severities.isEmpty {
                conditions = "\(conditions) AND s.priority = ANY(\(unfiltered.severities.map(\.rank)))"
            }
            if !unfiltered.assignees.isEmpty {
                let named = unfiltered.assignees.filter { !$0.isEmpty }
                conditions = unfiltered.assignees.contains("")
                    ? "\(conditions) AND (s.assignee IS NULL OR s.assignee = ANY(\(named)))"
                    : "\(conditions) AND s.assignee = ANY(\(named))"
            }
            query = "SELECT s.status, sum(s.items)::int8 FROM triage_counts s WHERE \(conditions) GROUP BY s.status"
        } else {
            query = """
                SELECT t.status, count(*) FROM triage_items t JOIN conversations c ON c.id = t.conversation_id
                WHERE \(unfiltered.conditions(projectID: projectID)) GROUP BY t.status
                """
        }
        var counts: [TriageStatus: Int] = [:]
        for row in try await pool.query(query) {
            let (status, count) = try row.decode((String, Int).self)
            if let status = TriageStatus(rawValue: status), count > 0 { counts[status] = count }
        }
        return counts
    }

    /// One assignee's work: items open or in review, and items closed today (UTC).
    struct DailyProgress: Sendable, Equatable {
        /// The actor, "" for unassigned.
        var assignee: String
        var open: Int
        var inReview: Int
        var doneToday: Int
    }

    /// Per assignee (unassigned included) with anything open or done today, busiest first: open work from the
    /// rollup `triage_counts`, today's closed items through their index.
    func dailyProgress(projectID: Int) async throws -> [DailyProgress] {
        try await pool.query("""
            SELECT coalesce(assignee, ''), sum(open)::int8, sum(review)::int8, sum(done)::int8 FROM (
                SELECT assignee, CASE WHEN status = 'open' THEN items ELSE 0 END AS open,
                       CASE WHEN status = 'in_review' THEN items ELSE 0 END AS review, 0 AS done
                FROM triage_counts WHERE project_id = \(projectID) AND status IN ('open', 'in_review') AND items > 0
                UNION ALL
                SELECT assignee, 0, 0, 1 FROM triage_items
                WHERE project_id = \(projectID) AND status IN ('resolved', 'dismissed') AND closed_at IS NOT NULL
                  AND closed_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') work
            GROUP BY 1 ORDER BY 4 DESC, 3 DESC, 2 DESC, 1
            """).map { row in
            let (assignee, open, review, done) = try row.decode((String, Int, Int, Int).self)
            return DailyProgress(assignee: assignee, open: open, inReview: review, doneToday: done)
        }
    }

    /// A person or key who can be assigned: `user:N` with a name, or `api-key:N`.
    struct Assignable: Sendable, Equatable {
        var actor: String
        var name: String
    }

    /// The project's reviewers and admins (who may be assigned), by name.
    func assignables(projectID: Int) async throws -> [Assignable] {
        try await pool.query("""
            SELECT 'user:' || u.id, CASE WHEN u.display_name <> '' THEN u.display_name ELSE split_part(u.email, '@', 1) END
            FROM project_memberships m JOIN users u ON u.id = m.user_id
            WHERE m.project_id = \(projectID) AND m.role IN ('reviewer', 'admin') AND u.disabled_at IS NULL
            ORDER BY 2, 1
            """).map { row in
            let (actor, name) = try row.decode((String, String).self)
            return Assignable(actor: actor, name: name)
        }
    }

    /// Names of actors as people read them: users by name (any role, disabled too), keys as "API key #N".
    func actorNames(projectID: Int, actors: [String]) async throws -> [String: String] {
        var names: [String: String] = [:]
        let userIDs = actors.compactMap { $0.hasPrefix("user:") ? Int($0.dropFirst(5)) : nil }
        if !userIDs.isEmpty {
            for row in try await pool.query("""
                SELECT u.id, CASE WHEN u.display_name <> '' THEN u.display_name ELSE split_part(u.email, '@', 1) END
                FROM users u WHERE u.id = ANY(\(userIDs))
                """) {
                let (id, name) = try row.decode((Int, String).self)
                names["user:\(id)"] = name
            }
        }
        for actor in actors where actor.hasPrefix("api-key:") { names[actor] = "API key #" + actor.dropFirst(8) }
        for actor in actors where actor == FlagWriter.actor { names[actor] = "Flag rules" }
        return names
    }

    /// A filter choice: a value and what the page shows for it.
    struct Choice: Sendable, Equatable {
        var value: String
        var title: String
    }

    /// The project's flag rules (id, name) and the detectors its items were flagged by.
    func ruleChoices(projectID: Int) async throws -> [Choice] {
        try await pool.query("""
            SELECT id::text, name FROM flag_rules WHERE project_id = \(projectID) ORDER BY lower(name), id
            """).map { row in
            let (id, name) = try row.decode((String, String).self)
            return Choice(value: id, title: name)
        }
    }

    func detectorChoices(projectID: Int) async throws -> [String] {
        try await pool.query("""
            SELECT detector FROM triage_detector_counts WHERE project_id = \(projectID) AND items > 0 ORDER BY 1
            """).map { try $0.decode(0, as: String.self) }
    }

    /// Active clusters that hold flagged conversations (the rollup's count), with their names, most flagged first
    /// (at most 100).
    func clusterChoices(projectID: Int) async throws -> [Choice] {
        try await pool.query("""
            SELECT k.id::text, coalesce(k.custom_name, k.llm_name, nullif(k.auto_name, ''), 'Cluster ' || k.id)
            FROM clusters k
            JOIN (SELECT cluster_id, sum(flagged) AS n FROM cluster_daily_stats WHERE project_id = \(projectID)
                  GROUP BY 1 HAVING sum(flagged) > 0) flagged ON flagged.cluster_id = k.id
            WHERE k.project_id = \(projectID) AND k.status = 'active' AND k.level = 0
            ORDER BY flagged.n DESC, k.id LIMIT 100
            """).map { row in
            let (id, name) = try row.decode((String, String).self)
            return Choice(value: id, title: name)
        }
    }

    /// The triage item of a conversation of the project, if it has one.
    func itemID(projectID: Int, conversationID: Int) async throws -> Int? {
        try await pool.query("""
            SELECT id FROM triage_items WHERE project_id = \(projectID) AND conversation_id = \(conversationID)
            """).first?.decode(0, as: Int.self)
    }

    /// The item after `itemID` in the queue's order (highest priority, then oldest) among those `filter` selects;
    /// nil at the end. `itemID` itself need not match the filter (it may just have been resolved).
    func next(after itemID: Int, projectID: Int, filter: TriageFilter) async throws -> Int? {
        try await pool.query("""
            SELECT t.id FROM triage_items t JOIN conversations c ON c.id = t.conversation_id,
                 (SELECT priority, created_at, id FROM triage_items WHERE project_id = \(projectID) AND id = \(itemID)) AS here
            WHERE \(filter.conditions(projectID: projectID)) AND t.id <> here.id
              AND ((-t.priority), t.created_at, t.id) > ((-here.priority), here.created_at, here.id)
            ORDER BY (-t.priority), t.created_at, t.id LIMIT 1
            """).first?.decode(0, as: Int.self)
    }

    /// Sets the priority (1 low … 4 critical) of every item `filter` selects; audited per changed item. A manual
    /// priority holds until the conversation's flags change (the flag writer then sets it from the worst flag).
    /// - Returns: how many items the filter selected and how many changed.
    func setPriority(projectID: Int, filter: TriageFilter, priority: Int, actor: String) async throws
        -> (matched: Int, updated: Int)
    {
        let conditions = filter.conditions(projectID: projectID)
        let row = try await pool.query("""
            WITH before AS (
                SELECT t.id, t.priority FROM triage_items t JOIN conversations c ON c.id = t.conversation_id
                WHERE \(conditions) AND t.priority <> \(priority)
            ), changed AS (
                UPDATE triage_items t SET priority = \(priority), updated_at = now()
                FROM before WHERE t.id = before.id AND t.priority <> \(priority)
                RETURNING t.id, t.project_id, before.priority AS old
            ), audit AS (
                INSERT INTO audit_log (project_id, actor, action, entity, entity_id, before, after)
                SELECT changed.project_id, \(actor), 'triage.priority', 'triage_item', changed.id,
                       jsonb_build_object('priority', changed.old), jsonb_build_object('priority', \(priority))
                FROM changed
            )
            SELECT (SELECT count(*) FROM triage_items t JOIN conversations c ON c.id = t.conversation_id WHERE \(conditions)),
                   (SELECT count(*) FROM changed)
            """).first
        return try row?.decode((Int, Int).self) ?? (0, 0)
    }
}
