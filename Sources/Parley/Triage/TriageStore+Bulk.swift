import Postgres

extension TriageStore {
    /// A change applied to every item a filter selects.
    struct BulkAction: Sendable {
        var status: TriageStatus?
        /// Whether to set the assignee (to `assignee`, nil = unassign).
        var setsAssignee = false
        var assignee: String?
        var addLabels: [String] = []
        var removeLabels: [String] = []
        var resolution: String??

        static let fields = ["status", "assignee", "add_labels", "remove_labels", "resolution"]

        /// Reads an action (`{"status": "dismissed", "add_labels": ["noise"]}`); the assignee is checked against
        /// the project.
        static func parse(_ object: [String: JSONValue], me: String, projectID: Int, pool: PostgresPool,
                          prefix: String = "action.") async throws -> BulkAction {
            var errors: [Problem.FieldError] = []
            for key in object.keys.sorted() where !fields.contains(key) {
                errors.append(.init(path: prefix + key, message: "is not a bulk action; use " + fields.joined(separator: ", ")))
            }
            var action = BulkAction()
            if let value = object["status"] {
                if let status = value.stringValue.flatMap(TriageStatus.init(rawValue:)) { action.status = status } else {
                    errors.append(.init(path: prefix + "status", message: "must be open, in_review, resolved or dismissed"))
                }
            }
            action.addLabels = Change.labels(object["add_labels"], field: prefix + "add_labels", errors: &errors) ?? []
            action.removeLabels = Change.labels(object["remove_labels"], field: prefix + "remove_labels", errors: &errors) ?? []
            switch object["resolution"] {
            case nil: break
            case .null?: action.resolution = .some(nil)
            case .string(let text)? where !text.isEmpty && text.count <= 2_000: action.resolution = .some(text)
            default: errors.append(.init(path: prefix + "resolution", message: "must be a string of 1 to 2000 characters, or null"))
            }
            if object.isEmpty { errors.append(.init(path: String(prefix.dropLast()), message: "must change something: "
                + fields.joined(separator: ", "))) }
            guard errors.isEmpty else { throw Problem.invalidFields(errors, title: "Invalid bulk action") }
            if let value = object["assignee"] {
                action.setsAssignee = true
                action.assignee = try await pool.withConnection { connection in
                    try await TriageActors.resolve(value, field: prefix + "assignee", me: me, projectID: projectID,
                                                   on: connection)
                }
            }
            return action
        }
    }

    /// What a bulk change records of an item, before and after (the fields a bulk action can change).
    static let bulkAuditJSON: PostgresQuery = """
        jsonb_build_object('id', t.id, 'status', t.status, 'assignee', t.assignee, 'labels', t.labels,
                           'resolution', t.resolution, 'closed_at', t.closed_at)
        """

    /// Applies `action` to every item `filter` selects, in one statement: items already in the target state are
    /// left alone (so repeating it changes nothing), a status change applies only to items whose status allows it,
    /// and every changed item gets one audit row.
    /// - Returns: how many items the filter selected and how many changed.
    func bulk(projectID: Int, filter: TriageFilter, action: BulkAction, actor: String) async throws -> (matched: Int, updated: Int) {
        var status: PostgresQuery = "t.status"
        if let target = action.status {
            status = "CASE WHEN t.status = ANY(\(target.previous.map(\.rawValue))) THEN \(target.rawValue) ELSE t.status END"
        }
        var assignee: PostgresQuery = "t.assignee"
        if action.setsAssignee {
            assignee = "\(action.assignee)::text"
        } else if action.status == .inReview {
            // Taken for review: someone must hold it; unassigned items go to the caller.
            assignee = "CASE WHEN t.status = ANY(\(TriageStatus.inReview.previous.map(\.rawValue))) THEN coalesce(t.assignee, \(actor)) ELSE t.assignee END"
        }
        let labels: PostgresQuery = """
            ARRAY(SELECT l FROM unnest(t.labels || ARRAY(SELECT a FROM unnest(\(action.addLabels)::text[]) a
                                                         WHERE a <> ALL(t.labels))) WITH ORDINALITY AS x(l, o)
                  WHERE l <> ALL(\(action.removeLabels)::text[]) ORDER BY o)
            """
        var resolution: PostgresQuery = "t.resolution"
        if let value = action.resolution { resolution = "\(value)::text" }
        // The new values are computed from the row the UPDATE locks (its latest version), so a concurrent change is
        // not overwritten with stale values; rows already in the wanted state are not touched (no lock, no audit).
        // The audit's "before" comes from the statement's snapshot.
        let filter = filter.conditions(projectID: projectID)
        let differs: PostgresQuery = """
            (\(status), \(assignee), \(labels), \(resolution)) IS DISTINCT FROM (t.status, t.assignee, t.labels, t.resolution)
            """
        let row = try await pool.query("""
            WITH before AS (
                SELECT t.id, \(Self.bulkAuditJSON) AS document
                FROM triage_items t JOIN conversations c ON c.id = t.conversation_id
                WHERE \(filter) AND \(differs)
            ), changed AS (
                UPDATE triage_items t SET status = \(status), assignee = \(assignee), labels = \(labels),
                    resolution = \(resolution), updated_at = now(),
                    closed_at = CASE WHEN \(status) IN ('resolved', 'dismissed')
                                     THEN coalesce(CASE WHEN t.status IN ('resolved', 'dismissed') THEN t.closed_at END, now())
                                     ELSE NULL END
                FROM conversations c
                WHERE c.id = t.conversation_id AND \(filter) AND \(differs)
                RETURNING t.id, t.project_id, \(Self.bulkAuditJSON) AS document
            ), audit AS (
                INSERT INTO audit_log (project_id, actor, action, entity, entity_id, before, after)
                SELECT changed.project_id, \(actor), 'triage.bulk', 'triage_item', changed.id, before.document, changed.document
                FROM changed LEFT JOIN before ON before.id = changed.id
            )
            SELECT (SELECT count(*) FROM triage_items t JOIN conversations c ON c.id = t.conversation_id WHERE \(filter)),
                   (SELECT count(*) FROM changed)
            """).first
        let (matched, updated) = try row?.decode((Int, Int).self) ?? (0, 0)
        return (matched, updated)
    }
}
