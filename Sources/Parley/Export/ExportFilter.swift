import Foundation
import HTTPServer
import Postgres

/// Which conversations an export contains, from the query string. Fields combine with AND; lists are
/// comma-separated or repeated.
/// - conversations: `model`, `prompt_version`, `from`/`to` (days the conversation started, UTC), `feedback`
///   (up, down, rated), `cluster` (ids), `flagged=true` (any flag), `rule` (ids), `detector` (names);
/// - triage: `status`, `severity`, `label`, `assignee` (as in the triage API), `corrected=true|false` (has a
///   corrected answer), `min_rating` (mean of the item's 1–5 ratings); any of these keeps only triaged conversations;
/// - `limit`: most rows.
struct ExportFilter: Sendable {
    var models: [String] = []
    var promptVersions: [String] = []
    var from: Date?
    var to: Date?
    var feedback: String?
    var clusters: [Int] = []
    var flagged = false
    var rules: [Int] = []
    var detectors: [String] = []
    var triage = TriageFilter()
    var corrected: Bool?
    var minRating: Double?
    var limit: Int?

    init() {}

    /// - Throws: `Problem` 422 naming every invalid field.
    init(query: QueryParameters, me: String) throws {
        var errors: [Problem.FieldError] = []
        func list(_ field: String) -> [String] {
            query.values(for: field).flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        func ids(_ field: String) -> [Int] {
            list(field).compactMap { text in
                guard let id = Int(text), id > 0 else {
                    errors.append(.init(path: field, message: "\"\(text)\" is not an id"))
                    return nil
                }
                return id
            }
        }
        models = list("model")
        promptVersions = list("prompt_version")
        for field in ["from", "to"] {
            guard let text = query[field] else { continue }
            guard let day = ConversationFilter.day(text) else {
                errors.append(.init(path: field, message: "must be a day, yyyy-mm-dd"))
                continue
            }
            if field == "from" { from = day } else { to = day }
        }
        if let value = query["feedback"] {
            if ["up", "down", "rated"].contains(value) { feedback = value } else {
                errors.append(.init(path: "feedback", message: "must be up, down or rated"))
            }
        }
        clusters = ids("cluster")
        rules = ids("rule")
        detectors = list("detector")
        flagged = query["flagged"] == "true"
        if let value = query["corrected"] {
            if value == "true" || value == "false" { corrected = value == "true" } else {
                errors.append(.init(path: "corrected", message: "must be true or false"))
            }
        }
        if let value = query["min_rating"] {
            if let rating = Double(value), (1...5).contains(rating) { minRating = rating } else {
                errors.append(.init(path: "min_rating", message: "must be a number from 1 to 5"))
            }
        }
        if let value = query["limit"] {
            if let n = Int(value), n > 0 { limit = n } else { errors.append(.init(path: "limit", message: "must be a positive number")) }
        }
        do {
            let triageOnly = ["status", "severity", "label", "assignee"]
            triage = try TriageFilter(values: { triageOnly.contains($0) ? query.values(for: $0) : [] }, me: me)
        } catch let problem as Problem {
            errors += problem.errors
        }
        // PostgreSQL refuses text with a NUL, and an export's query runs after its head is sent: refused here, or
        // the download is cut off (found by scripts/reliability/60-payloads.sh).
        for pair in query.pairs where pair.value.contains("\u{0}") {
            errors.append(.init(path: pair.name, message: "must not contain NUL (U+0000) characters"))
        }
        if !errors.isEmpty { throw Problem.invalidFields(errors, title: "Invalid export filter") }
    }

    /// Whether only triaged conversations qualify.
    var needsTriage: Bool { triage != TriageFilter() || corrected != nil || minRating != nil }

    /// The SQL condition on `c` (conversations) and `t` (its triage item, LEFT JOINed) for a project.
    func conditions(projectID: Int) -> PostgresQuery {
        var parts: [PostgresQuery] = ["c.project_id = \(projectID)"]
        if !models.isEmpty { parts.append("c.model = ANY(\(models))") }
        if !promptVersions.isEmpty { parts.append("c.prompt_version = ANY(\(promptVersions))") }
        if let from { parts.append("c.started_at >= \(from)") }
        if let to { parts.append("c.started_at < \(to.addingTimeInterval(86_400))") }
        switch feedback {
        case "up": parts.append("c.feedback_thumb = 1")
        case "down": parts.append("c.feedback_thumb = -1")
        case "rated": parts.append("(c.feedback_thumb IS NOT NULL OR c.feedback_rating IS NOT NULL)")
        default: break
        }
        if !clusters.isEmpty {
            parts.append("EXISTS (SELECT 1 FROM cluster_members m WHERE m.conversation_id = c.id AND m.cluster_id = ANY(\(clusters)))")
        }
        if flagged { parts.append("EXISTS (SELECT 1 FROM flags f WHERE f.conversation_id = c.id)") }
        if !rules.isEmpty { parts.append("EXISTS (SELECT 1 FROM flags f WHERE f.conversation_id = c.id AND f.rule_id = ANY(\(rules)))") }
        if !detectors.isEmpty {
            parts.append("EXISTS (SELECT 1 FROM flags f WHERE f.conversation_id = c.id AND f.detectors && \(detectors))")
        }
        if needsTriage {
            parts.append("t.id IS NOT NULL")
            parts.append(triage.conditions(projectID: projectID))
        }
        if let corrected { parts.append(corrected ? "t.corrected_answer IS NOT NULL" : "t.corrected_answer IS NULL") }
        if let minRating {
            parts.append("(SELECT avg(score) FROM triage_ratings r WHERE r.item_id = t.id) >= \(minRating)")
        }
        return PostgresQuery.joined(parts, separator: " AND ")
    }
}
