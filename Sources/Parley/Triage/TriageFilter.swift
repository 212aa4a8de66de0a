import Foundation
import HTTPServer
import Postgres

/// Which triage items a list, a bulk action, "take next" or an export applies to.
///
/// The same names in a query string (`?status=open,in_review&severity=high&rule=3`, repeated or comma-separated)
/// and in a JSON `filter` object (`{"status": ["open"], "severity": "high", "rule": 3}`). Within a field any value
/// matches; fields combine with AND.
/// - `status`: open, in_review, resolved, dismissed;
/// - `assignee`: an actor (`user:12`, `api-key:3`), a user id (`12`), `me`, or `none` (unassigned);
/// - `severity`: low, medium, high, critical (the item's worst flag);
/// - `rule` (rule id), `detector` (`pii`, `keywords`, …): the item has such a flag;
/// - `model`, `prompt_version`: of the conversation; `cluster`: the conversation's cluster id;
/// - `label`: the item has one of these labels; `reviewer`: an actor invited to review it;
/// - `from`, `to`: first and last day (UTC, `yyyy-mm-dd`) the item was created.
struct TriageFilter: Sendable, Equatable {
    var statuses: [TriageStatus] = []
    /// Actor strings; "" means unassigned.
    var assignees: [String] = []
    var severities: [Severity] = []
    var rules: [Int] = []
    var detectors: [String] = []
    var models: [String] = []
    var promptVersions: [String] = []
    var clusters: [Int] = []
    var labels: [String] = []
    var reviewers: [String] = []
    var from: Date?
    var to: Date?
    /// Only these items (the dashboard's selection); not a field of the API's filters.
    var ids: [Int] = []

    static let fields = ["status", "assignee", "severity", "rule", "detector", "model", "prompt_version", "cluster", "label",
                         "reviewer", "from", "to"]

    init() {}

    /// Reads a filter from values by field name; `me` is the caller's actor.
    /// - Throws: `Problem` 422 naming every invalid field.
    init(values: (String) -> [String], me: String, prefix: String = "") throws {
        var errors: [Problem.FieldError] = []
        func list(_ field: String) -> [String] {
            values(field).flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        func fail(_ field: String, _ message: String) { errors.append(.init(path: prefix + field, message: message)) }
        for text in list("status") {
            if let status = TriageStatus(rawValue: text) { statuses.append(status) } else {
                fail("status", "\"\(text)\" is not a status; use open, in_review, resolved or dismissed")
            }
        }
        for text in list("assignee") {
            if let actor = TriageActors.normalise(text, me: me, allowNone: true) { assignees.append(actor) } else {
                fail("assignee", "\"\(text)\" is not an assignee; use a user id, user:N, api-key:N, me or none")
            }
        }
        for text in list("reviewer") {
            if let actor = TriageActors.normalise(text, me: me, allowNone: false) { reviewers.append(actor) } else {
                fail("reviewer", "\"\(text)\" is not a reviewer; use a user id, user:N, api-key:N or me")
            }
        }
        for text in list("severity") {
            if let severity = Severity(rawValue: text) { severities.append(severity) } else {
                fail("severity", "\"\(text)\" is not a severity; use low, medium, high or critical")
            }
        }
        for (field, target) in [("rule", \TriageFilter.rules), ("cluster", \TriageFilter.clusters)] {
            for text in list(field) {
                if let id = Int(text), id > 0 { self[keyPath: target].append(id) } else { fail(field, "\"\(text)\" is not an id") }
            }
        }
        detectors = list("detector")
        models = list("model")
        promptVersions = list("prompt_version")
        labels = list("label")
        for (field, target) in [("from", \TriageFilter.from), ("to", \TriageFilter.to)] {
            guard let text = list(field).first else { continue }
            if let day = ConversationFilter.day(text) { self[keyPath: target] = day } else { fail(field, "must be a day, yyyy-mm-dd") }
        }
        if errors.isEmpty == false { throw Problem.invalidFields(errors, title: "Invalid filter") }
    }

    /// From a query string.
    init(query: QueryParameters, me: String) throws {
        try self.init(values: { query.values(for: $0) }, me: me)
    }

    /// From a JSON object (`{"status": ["open"], "rule": 3}`); unknown fields are an error.
    init(json: [String: JSONValue], me: String, prefix: String = "filter.") throws {
        if let unknown = json.keys.sorted().first(where: { !Self.fields.contains($0) }) {
            throw Problem.invalidFields([.init(path: prefix + unknown, message: "is not a filter; use "
                + Self.fields.joined(separator: ", "))], title: "Invalid filter")
        }
        func strings(_ value: JSONValue?) -> [String] {
            switch value {
            case .string(let s)?: [s]
            case .number(let n)?: [n]
            case .array(let items)?: items.flatMap { strings($0) }
            case .null?: ["none"]
            default: []
            }
        }
        try self.init(values: { strings(json[$0]) }, me: me, prefix: prefix)
    }

    /// `column = value` for one value, `column = ANY(values)` for several: the planner uses an index for ordering
    /// after an equality, not after `= ANY` of a one-element array.
    private func oneOf<T: PostgresArrayElement>(_ column: String, _ values: [T]) -> PostgresQuery {
        let expression = PostgresQuery(unsafeSQL: column)
        if values.count == 1, let value = values.first { return "\(expression) = \(value)" }
        return "\(expression) = ANY(\(values))"
    }

    /// The SQL condition on `t` (triage_items) and `c` (its conversation) for a project.
    func conditions(projectID: Int) -> PostgresQuery {
        var parts: [PostgresQuery] = ["t.project_id = \(projectID)"]
        if !ids.isEmpty { parts.append("t.id = ANY(\(ids))") }
        if !statuses.isEmpty { parts.append(oneOf("t.status", statuses.map(\.rawValue))) }
        if !assignees.isEmpty {
            let named = assignees.filter { !$0.isEmpty }
            if !assignees.contains("") {
                parts.append(oneOf("t.assignee", named))
            } else {
                parts.append(named.isEmpty ? "t.assignee IS NULL" : "(t.assignee IS NULL OR \(oneOf("t.assignee", named)))")
            }
        }
        // On the negated priority, the indexed expression (migrations/0009).
        if !severities.isEmpty { parts.append(oneOf("(-t.priority)", severities.map { -$0.rank })) }
        // The item keeps the rules and detectors of its flags (FlagWriter), so these read no other table.
        if !rules.isEmpty { parts.append("t.rule_ids && \(rules)") }
        if !detectors.isEmpty { parts.append("t.detectors && \(detectors)") }
        if !models.isEmpty { parts.append(oneOf("c.model", models)) }
        if !promptVersions.isEmpty { parts.append(oneOf("c.prompt_version", promptVersions)) }
        if !clusters.isEmpty {
            parts.append("EXISTS (SELECT 1 FROM cluster_members m WHERE m.conversation_id = t.conversation_id AND m.cluster_id = ANY(\(clusters)))")
        }
        if !labels.isEmpty { parts.append("t.labels && \(labels)") }
        if !reviewers.isEmpty { parts.append("t.reviewers && \(reviewers)") }
        if let from { parts.append("t.created_at >= \(from)") }
        if let to { parts.append("t.created_at < \(to.addingTimeInterval(86_400))") }
        return PostgresQuery.joined(parts, separator: " AND ")
    }
}
