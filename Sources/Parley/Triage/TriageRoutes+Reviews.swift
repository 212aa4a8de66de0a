import Foundation
import HTTPServer
import Postgres

extension TriageRoutes {
    /// - `GET /api/v1/triage/items/{id}/comments`, `POST` `{"body": "…"}` → 201;
    /// - `POST /api/v1/triage/items/{id}/labels` `{"add": […], "remove": […]}` → the item;
    /// - `GET /api/v1/triage/items/{id}/ratings`: the review as the caller may see it (others' votes hidden until the
    ///   caller voted); `POST` `{"scores": {"helpfulness": 4, …}}` records the caller's vote → the review;
    /// - `GET /api/v1/triage/rubric`, `PUT` `{"rubric": [{"key", "name", "description"}]}`;
    /// - `GET /api/v1/triage/agreement?<filter>`: kappa per rubric entry;
    /// - `GET /api/v1/triage/progress`: per assignee.
    static func registerReviews(on router: inout Router, context: AppContext, store: TriageStore) {
        let reviews = TriageReviews(pool: context.pool)

        router.get("/api/v1/triage/items/:id/comments") { request in
            let principal = try await context.principal(request, scope: "read")
            let id = try itemID(request)
            guard let item = try await store.detail(projectID: principal.projectID, itemID: id, viewer: principal.actor) else {
                throw notFound(String(id))
            }
            return RuleRoutes.json(JSONValue.object(["comments": item["comments"] ?? .array([])]).serialized())
        }
        router.post("/api/v1/triage/items/:id/comments") { request in
            let principal = try await context.principal(request, scope: "write")
            let id = try itemID(request)
            let body = try await JSONBody.object(request)
            guard let text = body["body"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty,
                  text.count <= 10_000 else {
                throw Problem.invalidFields([.init(path: "body", message: "must be 1 to 10000 characters")])
            }
            let commentID = try await run {
                try await reviews.comment(projectID: principal.projectID, itemID: id, body: text, actor: principal.actor)
            }
            return RuleRoutes.json(JSONValue.object(["id": .number(String(commentID)), "author": .string(principal.actor),
                                                     "body": .string(text)]).serialized(), status: .created)
        }
        router.post("/api/v1/triage/items/:id/labels") { request in
            let principal = try await context.principal(request, scope: "write")
            let id = try itemID(request)
            let body = try await JSONBody.object(request)
            var errors: [Problem.FieldError] = []
            var change = TriageStore.Change()
            change.addLabels = TriageStore.Change.labels(body["add"], field: "add", errors: &errors) ?? []
            change.removeLabels = TriageStore.Change.labels(body["remove"], field: "remove", errors: &errors) ?? []
            if body["add"] == nil && body["remove"] == nil {
                errors.append(.init(path: "add", message: "give labels to add and/or remove"))
            }
            guard errors.isEmpty else { throw Problem.invalidFields(errors) }
            try await run { try await store.update(projectID: principal.projectID, itemID: id, change: change, actor: principal.actor) }
            return try await show(store, principal, id)
        }
        router.get("/api/v1/triage/items/:id/ratings") { request in
            let principal = try await context.principal(request, scope: "read")
            let id = try itemID(request)
            return RuleRoutes.json(try await review(reviews, principal, id, context.pool).serialized())
        }
        router.post("/api/v1/triage/items/:id/ratings") { request in
            let principal = try await context.principal(request, scope: "write")
            let id = try itemID(request)
            let body = try await JSONBody.object(request)
            guard let object = body["scores"]?.objectValue else {
                throw Problem.invalidFields([.init(path: "scores", message: "is required: {\"helpfulness\": 4, …}")])
            }
            var scores: [String: Int] = [:]
            var errors: [Problem.FieldError] = []
            for (key, value) in object {
                if let score = value.intValue { scores[key] = score } else {
                    errors.append(.init(path: "scores.\(key)", message: "must be a whole number from 1 to 5"))
                }
            }
            guard errors.isEmpty else { throw Problem.invalidFields(errors, title: "Invalid rating") }
            try await run { try await reviews.rate(projectID: principal.projectID, itemID: id, scores: scores, actor: principal.actor) }
            return RuleRoutes.json(try await review(reviews, principal, id, context.pool).serialized())
        }
        router.get("/api/v1/triage/rubric") { request in
            let principal = try await context.principal(request, scope: "read")
            let rubric = try await reviews.rubric(projectID: principal.projectID)
            return RuleRoutes.json(JSONValue.object(["rubric": TriageReviews.json(rubric)]).serialized())
        }
        router.put("/api/v1/triage/rubric") { request in
            let principal = try await context.principal(request, scope: "write")
            let body = try await JSONBody.object(request)
            let entries = try rubricEntries(body["rubric"])
            try await reviews.setRubric(projectID: principal.projectID, entries: entries, actor: principal.actor)
            return RuleRoutes.json(JSONValue.object(["rubric": TriageReviews.json(entries)]).serialized())
        }
        router.get("/api/v1/triage/agreement") { request in
            let principal = try await context.principal(request, scope: "read")
            let filter = try TriageFilter(query: request.query, me: principal.actor)
            return RuleRoutes.json(try await reviews.agreement(projectID: principal.projectID, filter: filter).serialized())
        }
        router.get("/api/v1/triage/progress") { request in
            let principal = try await context.principal(request, scope: "read")
            return RuleRoutes.json(try await reviews.progress(projectID: principal.projectID).serialized())
        }
    }

    private static func review(_ reviews: TriageReviews, _ principal: APIKeyStore.Principal, _ id: Int,
                               _ pool: PostgresPool) async throws -> JSONValue {
        guard let status = try await pool.query("""
            SELECT status FROM triage_items WHERE project_id = \(principal.projectID) AND id = \(id)
            """).first?.decode(0, as: String.self) else { throw notFound(String(id)) }
        return try await reviews.review(projectID: principal.projectID, itemID: id, viewer: principal.actor,
                                        closed: TriageStatus(rawValue: status)?.isClosed ?? false)
    }

    private static func rubricEntries(_ value: JSONValue?) throws -> [TriageReviews.RubricEntry] {
        guard let items = value?.arrayValue, (1...20).contains(items.count) else {
            throw Problem.invalidFields([.init(path: "rubric", message: "must list 1 to 20 entries {key, name, description}")])
        }
        var entries: [TriageReviews.RubricEntry] = []
        var errors: [Problem.FieldError] = []
        for (i, item) in items.enumerated() {
            let key = item["key"]?.stringValue ?? ""
            let name = item["name"]?.stringValue ?? key.capitalized
            let description = item["description"]?.stringValue ?? ""
            if key.range(of: "^[a-z][a-z0-9_]{0,39}$", options: .regularExpression) == nil {
                errors.append(.init(path: "rubric[\(i)].key", message: "must be 1 to 40 lowercase letters, digits or _, starting with a letter"))
            } else if entries.contains(where: { $0.key == key }) {
                errors.append(.init(path: "rubric[\(i)].key", message: "\"\(key)\" appears twice"))
            }
            if name.isEmpty || name.unicodeScalars.count > 100 { errors.append(.init(path: "rubric[\(i)].name", message: "must be 1 to 100 characters")) }
            if description.count > 1_000 { errors.append(.init(path: "rubric[\(i)].description", message: "at most 1000 characters")) }
            entries.append(.init(key: key, name: name, description: description))
        }
        guard errors.isEmpty else { throw Problem.invalidFields(errors, title: "Invalid rubric") }
        return entries
    }
}

/// `GET /api/v1/audit` (scope `read`): the project's audit log, newest first; filters `entity` (rule, triage_item,
/// rubric), `entity_id`, `actor`, `action`; `cursor` (the previous page's `next_cursor`), `limit` (1–500, 100).
enum AuditRoutes {
    static func register(on router: inout Router, context: AppContext) {
        router.get("/api/v1/audit") { request in
            let principal = try await context.principal(request, scope: "read")
            let query = request.query
            var conditions: PostgresQuery = "project_id = \(principal.projectID)"
            if let entity = query["entity"] { conditions = "\(conditions) AND entity = \(entity)" }
            if let text = query["entity_id"] {
                guard let id = Int(text) else { throw Problem.invalidFields([.init(path: "entity_id", message: "must be an id")]) }
                conditions = "\(conditions) AND entity_id = \(id)"
            }
            if let actor = query["actor"] { conditions = "\(conditions) AND actor = \(actor)" }
            if let action = query["action"] { conditions = "\(conditions) AND action = \(action)" }
            if let text = query["cursor"] {
                guard let id = Int(text), id > 0 else {
                    throw Problem(.badRequest, title: "Bad cursor", detail: "Use the next_cursor of the previous page.")
                }
                conditions = "\(conditions) AND id < \(id)"
            }
            let limit = min(max(query.get("limit", as: Int.self) ?? 100, 1), 500)
            let rows = try await context.pool.query("""
                SELECT json_build_object('id', id, 'actor', actor, 'action', action, 'entity', entity, 'entity_id', entity_id,
                                         'before', before, 'after', after, 'created_at', created_at)::text, id
                FROM audit_log WHERE \(conditions) ORDER BY id DESC LIMIT \(limit + 1)
                """)
            var entries: [String] = []
            var next: Int?
            for (i, row) in rows.enumerated() where i < limit {
                entries.append(try row.decode(0, as: String.self))
                if i == limit - 1 && rows.count > limit { next = try row.decode(1, as: Int.self) }
            }
            return RuleRoutes.json("{\"entries\":[" + entries.joined(separator: ",") + "],\"next_cursor\":"
                + (next.map { "\"\($0)\"" } ?? "null") + "}")
        }
    }
}
