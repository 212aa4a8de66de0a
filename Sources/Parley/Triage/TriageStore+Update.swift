import Foundation
import Postgres

extension TriageStore {
    /// Changes to one item (PATCH, and the labels endpoint). nil fields are left as they are.
    struct Change: Sendable {
        var status: TriageStatus?
        /// `.some(nil)` unassigns. A JSON value still to be checked against the project.
        var assignee: JSONValue?
        var labels: [String]?
        var addLabels: [String] = []
        var removeLabels: [String] = []
        /// `.some(nil)` clears it.
        var correctedAnswer: String??
        var resolution: String??
        var requiredReviews: Int?
        /// JSON values still to be checked against the project.
        var reviewers: [JSONValue]?

        static let fields = ["status", "assignee", "labels", "add_labels", "remove_labels", "corrected_answer",
                             "resolution", "required_reviews", "reviewers"]

        /// Reads the fields of a PATCH body.
        /// - Throws: `Problem` 422 naming every invalid field.
        init(json object: [String: JSONValue], prefix: String = "") throws {
            var errors: [Problem.FieldError] = []
            func fail(_ field: String, _ message: String) { errors.append(.init(path: prefix + field, message: message)) }
            for key in object.keys.sorted() where !Self.fields.contains(key) {
                fail(key, "is not a field of a triage item; use " + Self.fields.joined(separator: ", "))
            }
            if let value = object["status"] {
                if let status = value.stringValue.flatMap(TriageStatus.init(rawValue:)) { self.status = status } else {
                    fail("status", "must be open, in_review, resolved or dismissed")
                }
            }
            assignee = object["assignee"]
            for (field, path) in [("labels", \Change.labels)] where object[field] != nil {
                self[keyPath: path] = Self.labels(object[field], field: prefix + field, errors: &errors)
            }
            addLabels = Self.labels(object["add_labels"], field: prefix + "add_labels", errors: &errors) ?? []
            removeLabels = Self.labels(object["remove_labels"], field: prefix + "remove_labels", errors: &errors) ?? []
            for (field, limit, path) in [("corrected_answer", 100_000, \Change.correctedAnswer),
                                         ("resolution", 2_000, \Change.resolution)] {
                switch object[field] {
                case nil: break
                case .null?: self[keyPath: path] = .some(nil)
                case .string(let text)? where !text.isEmpty && text.count <= limit: self[keyPath: path] = .some(text)
                default: fail(field, "must be a string of 1 to \(limit) characters, or null")
                }
            }
            if let value = object["required_reviews"] {
                if let n = value.intValue, (1...10).contains(n) { requiredReviews = n } else {
                    fail("required_reviews", "must be a whole number from 1 to 10")
                }
            }
            if let value = object["reviewers"] {
                if let list = value.arrayValue, list.count <= 10 { reviewers = list } else {
                    fail("reviewers", "must be a list of at most 10 reviewers (user ids, \"user:N\", \"api-key:N\", \"me\")")
                }
            }
            if !errors.isEmpty { throw Problem.invalidFields(errors, title: "Invalid change") }
        }

        init() {}

        /// Labels: 1 to 64 characters each, at most 50, duplicates dropped.
        static func labels(_ value: JSONValue?, field: String, errors: inout [Problem.FieldError]) -> [String]? {
            guard let value else { return nil }
            guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                errors.append(.init(path: field, message: "must be a list of strings"))
                return nil
            }
            var labels: [String] = []
            for label in items.compactMap(\.stringValue).map({ $0.trimmingCharacters(in: .whitespaces) })
            where !labels.contains(label) {
                guard !label.isEmpty, label.count <= 64 else {
                    errors.append(.init(path: field, message: "labels must be 1 to 64 characters"))
                    return nil
                }
                labels.append(label)
            }
            guard labels.count <= 50 else {
                errors.append(.init(path: field, message: "at most 50 labels"))
                return nil
            }
            return labels
        }
    }

    /// Applies `change` to an item; audited with the row before and after. Moving an unassigned item to in_review
    /// assigns it to `actor`; closing it records `closed_at`.
    /// - Returns: whether anything changed.
    /// - Throws: `StoreError.notFound`, `.transition` (a move the life cycle does not allow), `Problem` 422.
    @discardableResult
    func update(projectID: Int, itemID: Int, change: Change, actor: String) async throws -> Bool {
        try await pool.withTransaction { connection in
            guard let row = try await connection.query("""
                SELECT status, assignee, labels, corrected_answer, resolution, required_reviews, reviewers,
                       to_jsonb(t)::text
                FROM triage_items t WHERE project_id = \(projectID) AND id = \(itemID) FOR UPDATE
                """).first else { throw StoreError.notFound }
            let (statusText, oldAssignee, oldLabels, oldCorrected, oldResolution, oldRequired, oldReviewers, before) =
                try row.decode((String, String?, [String], String?, String?, Int, [String], String).self)
            let oldStatus = TriageStatus(rawValue: statusText) ?? .open
            var status = oldStatus
            if let target = change.status, target != oldStatus {
                guard oldStatus.next.contains(target) else { throw StoreError.transition(from: oldStatus, to: target) }
                status = target
            }
            var assignee = oldAssignee
            if let value = change.assignee {
                assignee = try await TriageActors.resolve(value, field: "assignee", me: actor, projectID: projectID,
                                                          on: connection)
            } else if status == .inReview && oldStatus != .inReview && assignee == nil {
                assignee = actor
            }
            var labels = change.labels ?? oldLabels
            for label in change.addLabels where !labels.contains(label) { labels.append(label) }
            labels.removeAll { change.removeLabels.contains($0) }
            if labels.count > 50 { throw Problem.invalidFields([.init(path: "add_labels", message: "at most 50 labels")]) }
            var reviewers = oldReviewers
            if let values = change.reviewers {
                reviewers = []
                for (i, value) in values.enumerated() {
                    if let reviewer = try await TriageActors.resolve(value, field: "reviewers[\(i)]", me: actor,
                                                                     projectID: projectID, on: connection),
                       !reviewers.contains(reviewer) {
                        reviewers.append(reviewer)
                    }
                }
            }
            let corrected = change.correctedAnswer ?? oldCorrected
            let resolution = change.resolution ?? oldResolution
            let required = change.requiredReviews ?? oldRequired
            guard status != oldStatus || assignee != oldAssignee || labels != oldLabels || corrected != oldCorrected
                    || resolution != oldResolution || required != oldRequired || reviewers != oldReviewers else {
                return false
            }
            try await connection.query("""
                UPDATE triage_items SET status = \(status.rawValue), assignee = \(assignee), labels = \(labels),
                    corrected_answer = \(corrected), resolution = \(resolution), required_reviews = \(required),
                    reviewers = \(reviewers), updated_at = now(),
                    closed_at = CASE WHEN \(status.isClosed) THEN coalesce(CASE WHEN \(oldStatus.isClosed) THEN closed_at END, now())
                                     ELSE NULL END
                WHERE id = \(itemID)
                """)
            let action = status != oldStatus ? "triage.status" : "triage.update"
            try await AuditLog.recordItem(projectID: projectID, itemID: itemID, actor: actor, action: action,
                                          before: before, on: connection)
            return true
        }
    }
}

/// The audit log: who changed what, when, with the row before and after.
enum AuditLog {
    /// Records a change of a triage item, `before` being `to_jsonb` of the row before it (the row after is read).
    static func recordItem(projectID: Int, itemID: Int, actor: String, action: String, before: String?,
                           on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO audit_log (project_id, actor, action, entity, entity_id, before, after)
            SELECT \(projectID), \(actor), \(action), 'triage_item', t.id, \(before)::jsonb, to_jsonb(t)
            FROM triage_items t WHERE t.id = \(itemID)
            """)
    }

    /// Records any change with explicit before and after documents.
    static func record(projectID: Int, actor: String, action: String, entity: String, entityID: Int?,
                       before: JSONValue?, after: JSONValue?, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO audit_log (project_id, actor, action, entity, entity_id, before, after)
            VALUES (\(projectID), \(actor), \(action), \(entity), \(entityID), \(before?.serialized())::jsonb,
                    \(after?.serialized())::jsonb)
            """)
    }
}
