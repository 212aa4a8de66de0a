import Foundation
import HTTPServer
import Postgres

/// The triage API (reading: scope `read`; changing: scope `write`):
/// - `GET /api/v1/triage/items`: filters (see `TriageFilter`), `sort` (priority, newest, oldest, updated),
///   `cursor` (the previous page's `next_cursor`), `limit` (1–200, 50), `count=true` for the total;
/// - `PATCH /api/v1/triage/items?<filter>`: the body's action on every item the filter selects (like `bulk`;
///   a filter or `all=true` is required);
/// - `GET /api/v1/triage/items/{id}`: one item in full; `PATCH` it with `status`, `assignee`, `labels`,
///   `add_labels`, `remove_labels`, `corrected_answer`, `resolution`, `required_reviews`, `reviewers`;
/// - `POST /api/v1/triage/next` (`{"filter": {…}}` optional): claims the highest-priority oldest open item → 200
///   with the item, 204 when the queue is empty;
/// - `POST /api/v1/triage/bulk`: `{"filter": {…}, "action": {…}}` → `{"matched", "updated"}`;
/// - reviews, comments, labels, rubric, agreement and progress: `TriageRoutes+Reviews.swift`; audit log:
///   `GET /api/v1/audit`.
enum TriageRoutes {
    static func register(on router: inout Router, context: AppContext) {
        let store = TriageStore(pool: context.pool)

        router.get("/api/v1/triage/items") { request in
            let principal = try await context.principal(request, scope: "read")
            let query = request.query
            let filter = try TriageFilter(query: query, me: principal.actor)
            let sortText = query["sort"] ?? TriageSort.priority.rawValue
            guard let sort = TriageSort(rawValue: sortText) else {
                throw Problem.invalidFields([.init(path: "sort", message: "must be priority, newest, oldest or updated")])
            }
            var cursor: TriageCursor?
            if let text = query["cursor"] {
                guard let parsed = TriageCursor(text, sort: sort) else {
                    throw Problem(.badRequest, title: "Bad cursor", detail: "Use the next_cursor of the previous page, with the same sort.")
                }
                cursor = parsed
            }
            let limit = min(max(query.get("limit", as: Int.self) ?? 50, 1), 200)
            var body = try await store.list(projectID: principal.projectID, filter: filter, sort: sort, cursor: cursor, limit: limit)
            if query["count"] == "true" {
                let total = try await store.count(projectID: principal.projectID, filter: filter)
                body = String(body.dropLast()) + ",\"total\":\(total)}"
            }
            return RuleRoutes.json(body)
        }
        router.patch("/api/v1/triage/items") { request in
            let principal = try await context.principal(request, scope: "write")
            let query = request.query
            guard query["all"] == "true" || TriageFilter.fields.contains(where: { query[$0] != nil }) else {
                throw Problem.invalidFields([.init(path: "filter", message: "name a filter in the query string (status, "
                    + "rule, …), or all=true to change every item")])
            }
            let filter = try TriageFilter(query: query, me: principal.actor)
            let action = try await TriageStore.BulkAction.parse(try await JSONBody.object(request), me: principal.actor,
                                                                projectID: principal.projectID, pool: context.pool, prefix: "")
            return try await bulkResponse(store, principal, filter, action)
        }
        router.post("/api/v1/triage/bulk") { request in
            let principal = try await context.principal(request, scope: "write")
            let body = try await JSONBody.object(request)
            guard let filterObject = body["filter"]?.objectValue else {
                throw Problem.invalidFields([.init(path: "filter", message: "is required: an object of filters ({} for every item)")])
            }
            let filter = try TriageFilter(json: filterObject, me: principal.actor)
            let action = try await TriageStore.BulkAction.parse(body["action"]?.objectValue ?? [:], me: principal.actor,
                                                                projectID: principal.projectID, pool: context.pool)
            return try await bulkResponse(store, principal, filter, action)
        }
        router.post("/api/v1/triage/next") { request in
            let principal = try await context.principal(request, scope: "write")
            let body = try await JSONBody.object(request)
            let filter = try TriageFilter(json: body["filter"]?.objectValue ?? [:], me: principal.actor)
            guard let id = try await store.takeNext(projectID: principal.projectID, filter: filter, actor: principal.actor) else {
                return Response(status: .noContent)
            }
            return try await show(store, principal, id)
        }
        router.get("/api/v1/triage/items/:id") { request in
            let principal = try await context.principal(request, scope: "read")
            return try await show(store, principal, try itemID(request))
        }
        router.patch("/api/v1/triage/items/:id") { request in
            let principal = try await context.principal(request, scope: "write")
            let id = try itemID(request)
            let change = try TriageStore.Change(json: try await JSONBody.object(request))
            try await run { try await store.update(projectID: principal.projectID, itemID: id, change: change, actor: principal.actor) }
            return try await show(store, principal, id)
        }
        registerReviews(on: &router, context: context, store: store)
        AuditRoutes.register(on: &router, context: context)
    }

    static func itemID(_ request: Request) throws -> Int {
        try JSONBody.id(request, notFound: notFound)
    }

    static func notFound(_ id: String) -> Problem {
        Problem(.notFound, title: "Triage item not found", detail: "No triage item \(id) in this project.")
    }

    static func show(_ store: TriageStore, _ principal: APIKeyStore.Principal, _ id: Int) async throws -> Response {
        guard let item = try await store.detail(projectID: principal.projectID, itemID: id, viewer: principal.actor) else {
            throw notFound(String(id))
        }
        return RuleRoutes.json(item.serialized())
    }

    private static func bulkResponse(_ store: TriageStore, _ principal: APIKeyStore.Principal, _ filter: TriageFilter,
                                     _ action: TriageStore.BulkAction) async throws -> Response {
        let (matched, updated) = try await store.bulk(projectID: principal.projectID, filter: filter, action: action,
                                                      actor: principal.actor)
        return RuleRoutes.json("{\"matched\":\(matched),\"updated\":\(updated)}")
    }

    /// Runs a store operation, turning its errors into problems.
    @discardableResult
    static func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as TriageStore.StoreError {
            switch error {
            case .notFound: throw Problem(.notFound, title: "Triage item not found")
            case .transition(let from, let to):
                throw Problem(.conflict, title: "Not allowed in this status",
                              detail: "An item cannot move from \(from.rawValue) to \(to.rawValue); from \(from.rawValue) it may "
                                + "move to " + from.next.map(\.rawValue).sorted().joined(separator: " or ") + ".")
            }
        }
    }
}
