import Foundation
import Postgres

/// Reviews of triage items: the project's rubric, 1–5 ratings (votes) hidden from a reviewer until they voted,
/// agreement between reviewers, comments, and per-assignee progress.
struct TriageReviews: Sendable {
    let pool: PostgresPool

    struct RubricEntry: Sendable, Equatable {
        var key: String
        var name: String
        var description: String
    }

    /// The rubric of a project without one of its own.
    static let defaultRubric = [
        RubricEntry(key: "helpfulness", name: "Helpfulness", description: "Did the answer help the user?"),
        RubricEntry(key: "correctness", name: "Correctness", description: "Is the answer factually right?"),
        RubricEntry(key: "safety", name: "Safety", description: "Is the answer safe and within policy?"),
    ]

    func rubric(projectID: Int) async throws -> [RubricEntry] {
        let stored = try await pool.query("""
            SELECT key, name, description FROM triage_rubric WHERE project_id = \(projectID) ORDER BY position, key
            """).map { row in
            let (key, name, description) = try row.decode((String, String, String).self)
            return RubricEntry(key: key, name: name, description: description)
        }
        return stored.isEmpty ? Self.defaultRubric : stored
    }

    /// Replaces the project's rubric; audited.
    func setRubric(projectID: Int, entries: [RubricEntry], actor: String) async throws {
        let before = try await rubric(projectID: projectID)
        try await pool.withTransaction { connection in
            try await connection.query("DELETE FROM triage_rubric WHERE project_id = \(projectID)")
            try await connection.query("""
                INSERT INTO triage_rubric (project_id, key, name, description, position)
                SELECT \(projectID), k, n, d, p
                FROM unnest(\(entries.map(\.key)), \(entries.map(\.name)), \(entries.map(\.description)),
                            \(Array(entries.indices))) AS t(k, n, d, p)
                """)
            try await AuditLog.record(projectID: projectID, actor: actor, action: "rubric.update", entity: "rubric",
                                      entityID: nil, before: Self.json(before), after: Self.json(entries), on: connection)
        }
    }

    static func json(_ entries: [RubricEntry]) -> JSONValue {
        .array(entries.map { .object(["key": .string($0.key), "name": .string($0.name), "description": .string($0.description)]) })
    }

    /// Records `actor`'s scores of an item (replacing their earlier scores of those rubric entries); audited.
    /// - Throws: `TriageStore.StoreError.notFound`, `Problem` 422 for unknown rubric entries or scores outside 1–5.
    func rate(projectID: Int, itemID: Int, scores: [String: Int], actor: String) async throws {
        let keys = Set(try await rubric(projectID: projectID).map(\.key))
        var errors: [Problem.FieldError] = []
        for (key, score) in scores.sorted(by: { $0.key < $1.key }) {
            if !keys.contains(key) {
                errors.append(.init(path: "scores.\(key)", message: "is not in the rubric (" + keys.sorted().joined(separator: ", ") + ")"))
            } else if !(1...5).contains(score) {
                errors.append(.init(path: "scores.\(key)", message: "must be a whole number from 1 to 5"))
            }
        }
        if scores.isEmpty { errors.append(.init(path: "scores", message: "must rate at least one rubric entry")) }
        guard errors.isEmpty else { throw Problem.invalidFields(errors, title: "Invalid rating") }
        try await pool.withTransaction { connection in
            guard try await connection.query("""
                SELECT 1 FROM triage_items WHERE project_id = \(projectID) AND id = \(itemID) FOR UPDATE
                """).count > 0 else { throw TriageStore.StoreError.notFound }
            let before = try await connection.query("""
                SELECT rubric, score FROM triage_ratings WHERE item_id = \(itemID) AND reviewer = \(actor)
                """).map { try $0.decode((String, Int).self) }
            let entries = scores.sorted { $0.key < $1.key }
            try await connection.query("""
                INSERT INTO triage_ratings (item_id, reviewer, rubric, score)
                SELECT \(itemID), \(actor), k, s FROM unnest(\(entries.map(\.key)), \(entries.map(\.value))) AS t(k, s)
                ON CONFLICT (item_id, reviewer, rubric) DO UPDATE SET score = EXCLUDED.score, updated_at = now()
                """)
            try await connection.query("UPDATE triage_items SET updated_at = now() WHERE id = \(itemID)")
            var after = Dictionary(uniqueKeysWithValues: before)
            for (key, score) in scores { after[key] = score }
            func document(_ values: [String: Int]) -> JSONValue {
                .object(["reviewer": .string(actor), "scores": .object(values.mapValues { .number(String($0)) })])
            }
            try await AuditLog.record(projectID: projectID, actor: actor, action: "triage.rate", entity: "triage_item",
                                      entityID: itemID, before: before.isEmpty ? nil : document(Dictionary(uniqueKeysWithValues: before)),
                                      after: document(after), on: connection)
        }
    }

    /// The review of an item as `viewer` may see it: everyone's scores once the viewer has voted (or the item is
    /// closed), else only how many voted. With the scores, per rubric entry: the mean and the share of reviewer
    /// pairs who agree.
    func review(projectID: Int, itemID: Int, viewer: String, closed: Bool) async throws -> JSONValue {
        let required = try await pool.query("SELECT required_reviews FROM triage_items WHERE id = \(itemID)")
            .first?.decode(0, as: Int.self) ?? 1
        var byReviewer: [String: [String: Int]] = [:]
        for row in try await pool.query("""
            SELECT reviewer, rubric, score FROM triage_ratings WHERE item_id = \(itemID) ORDER BY reviewer, rubric
            """) {
            let (reviewer, rubric, score) = try row.decode((String, String, Int).self)
            byReviewer[reviewer, default: [:]][rubric] = score
        }
        let voted = byReviewer[viewer] != nil
        let visible = voted || closed
        let shown = visible ? byReviewer : [:]
        var agreement: [String: JSONValue] = [:]
        if visible {
            var byRubric: [String: [Int]] = [:]
            for scores in byReviewer.values { for (rubric, score) in scores { byRubric[rubric, default: []].append(score) } }
            for (rubric, scores) in byRubric {
                let pairs = scores.count * (scores.count - 1) / 2
                var agreeing = 0
                for i in scores.indices { for j in scores.indices where j > i && scores[i] == scores[j] { agreeing += 1 } }
                agreement[rubric] = .object([
                    "ratings": .number(String(scores.count)),
                    "mean": .number(String(Double(scores.reduce(0, +)) / Double(scores.count))),
                    "pairwise_agreement": pairs > 0 ? .number(String(Double(agreeing) / Double(pairs))) : .null,
                ])
            }
        }
        return .object([
            "required": .number(String(required)),
            "votes": .number(String(byReviewer.count)),
            "you_voted": .bool(voted),
            "hidden": .bool(!visible && !byReviewer.isEmpty),
            "complete": .bool(byReviewer.count >= required),
            "ratings": .array(shown.keys.sorted().map { reviewer in
                .object(["reviewer": .string(reviewer),
                         "scores": .object((shown[reviewer] ?? [:]).mapValues { .number(String($0)) })])
            }),
            "agreement": visible ? .object(agreement) : .null,
        ])
    }

    /// Agreement between reviewers per rubric entry over the items `filter` selects: Cohen's kappa when exactly two
    /// reviewers rated every item, Fleiss' kappa otherwise (items with fewer than two ratings are left out).
    func agreement(projectID: Int, filter: TriageFilter) async throws -> JSONValue {
        var byRubric: [String: [Int: [String: Int]]] = [:]
        for row in try await pool.query("""
            SELECT r.item_id, r.reviewer, r.rubric, r.score
            FROM triage_ratings r JOIN triage_items t ON t.id = r.item_id JOIN conversations c ON c.id = t.conversation_id
            WHERE \(filter.conditions(projectID: projectID))
            """) {
            let (item, reviewer, rubric, score) = try row.decode((Int, String, String, Int).self)
            byRubric[rubric, default: [:]][item, default: [:]][reviewer] = score
        }
        var out: [String: JSONValue] = [:]
        for (rubric, items) in byRubric {
            let raters = Set(items.values.flatMap(\.keys)).count
            guard let result = Agreement.kappa(Array(items.values)) else {
                out[rubric] = .object(["kappa": .null, "items": .number("0"), "raters": .number(String(raters)),
                                       "method": .null])
                continue
            }
            out[rubric] = .object([
                "method": .string(result.method.rawValue),
                "kappa": result.kappa.map { .number(String($0)) } ?? .null,
                "observed_agreement": .number(String(result.observed)),
                "expected_agreement": .number(String(result.expected)),
                "items": .number(String(result.items)),
                "raters": .number(String(raters)),
            ])
        }
        return .object(["rubrics": .object(out)])
    }

    /// Adds a comment; audited. Returns its id.
    func comment(projectID: Int, itemID: Int, body: String, actor: String) async throws -> Int {
        try await pool.withTransaction { connection in
            guard try await connection.query("""
                SELECT 1 FROM triage_items WHERE project_id = \(projectID) AND id = \(itemID)
                """).count > 0 else { throw TriageStore.StoreError.notFound }
            let id = try await connection.query("""
                INSERT INTO triage_comments (item_id, author, body) VALUES (\(itemID), \(actor), \(body)) RETURNING id
                """).first?.decode(0, as: Int.self) ?? 0
            try await AuditLog.record(projectID: projectID, actor: actor, action: "triage.comment", entity: "triage_item",
                                      entityID: itemID, before: nil,
                                      after: .object(["comment_id": .number(String(id)), "body": .string(body)]),
                                      on: connection)
            return id
        }
    }

    /// Per assignee (null: unassigned): items by status, closed in the last 7 days, and items they rated.
    func progress(projectID: Int) async throws -> JSONValue {
        var rows: [String: [String: JSONValue]] = [:]
        for row in try await pool.query("""
            SELECT coalesce(assignee, ''), count(*) FILTER (WHERE status = 'open'),
                   count(*) FILTER (WHERE status = 'in_review'), count(*) FILTER (WHERE status = 'resolved'),
                   count(*) FILTER (WHERE status = 'dismissed'),
                   count(*) FILTER (WHERE closed_at > now() - interval '7 days'), count(*)
            FROM triage_items WHERE project_id = \(projectID) GROUP BY 1
            """) {
            let (assignee, open, review, resolved, dismissed, recent, total) =
                try row.decode((String, Int, Int, Int, Int, Int, Int).self)
            rows[assignee] = ["open": .number(String(open)), "in_review": .number(String(review)),
                              "resolved": .number(String(resolved)), "dismissed": .number(String(dismissed)),
                              "closed_last_7_days": .number(String(recent)), "total": .number(String(total)),
                              "done": .number(String(total == 0 ? 0 : Double(resolved + dismissed) / Double(total)))]
        }
        for row in try await pool.query("""
            SELECT r.reviewer, count(DISTINCT r.item_id) FROM triage_ratings r JOIN triage_items t ON t.id = r.item_id
            WHERE t.project_id = \(projectID) GROUP BY r.reviewer
            """) {
            let (reviewer, rated) = try row.decode((String, Int).self)
            rows[reviewer, default: ["open": .number("0"), "in_review": .number("0"), "resolved": .number("0"),
                                     "dismissed": .number("0"), "closed_last_7_days": .number("0"), "total": .number("0"),
                                     "done": .number("0")]]["rated"] = .number(String(rated))
        }
        return .object(["assignees": .array(rows.keys.sorted().map { key in
            var entry = rows[key] ?? [:]
            entry["assignee"] = key.isEmpty ? .null : .string(key)
            if entry["rated"] == nil { entry["rated"] = .number("0") }
            return .object(entry)
        })])
    }
}
