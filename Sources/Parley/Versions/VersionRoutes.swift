import Foundation
import HTTPServer
import Postgres

/// The API of version comparison and drift alerts:
/// - `GET /api/v1/compare?a.model=…&b.model=…`: two sides (any conversation filter with the prefix `a.` or `b.`:
///   `model`, `prompt`, `from`, `to`, `q`, `feedback`, `intent`, `cluster`, `flag`, `meta`) compared metric by
///   metric with tests and adjusted p-values;
/// - `GET /api/v1/drift/alerts` (`status`, `model`, `limit`, `cursor`): alerts, newest first;
/// - `POST /api/v1/drift/alerts/{id}/acknowledge` (scope `write`);
/// - `POST /api/v1/drift/run` (scope `write`): queues a drift run now.
enum VersionRoutes {
    static func register(on router: inout Router, context: AppContext) {
        let queries = ComparisonQueries(pool: context.pool)
        let alerts = DriftAlerts(pool: context.pool)

        router.get("/api/v1/compare") { request in
            let principal = try await context.principal(request, scope: "read")
            let (a, b) = try sides(request.query)
            let comparison = try await queries.compare(projectID: principal.projectID, a: a, b: b)
            return try Response.json(comparison.json, encoder: .api)
        }
        router.get("/api/v1/drift/alerts") { request in
            let principal = try await context.principal(request, scope: "read")
            var errors: [Problem.FieldError] = []
            let status = request.query["status"]
            if let status, !["open", "acknowledged"].contains(status) {
                errors.append(.init(path: "status", message: "must be open or acknowledged"))
            }
            var limit = 50
            if let text = request.query["limit"] {
                if let number = Int(text), (1...200).contains(number) {
                    limit = number
                } else {
                    errors.append(.init(path: "limit", message: "must be a whole number from 1 to 200"))
                }
            }
            let cursor = request.query["cursor"]
            if let cursor, Int(cursor).map({ $0 > 0 }) != true {
                errors.append(.init(path: "cursor", message: "must be the next_cursor of the previous page"))
            }
            guard errors.isEmpty else { throw Problem.invalid(errors) }
            let model = request.query["model"].flatMap { $0.isEmpty ? nil : $0.prefix(scalars: 200) }
            let page = try await alerts.list(projectID: principal.projectID, status: status, model: model,
                                             before: cursor.flatMap(Int.init), limit: limit + 1)
            let shown = page.prefix(limit)
            let next: JSONValue = page.count > limit ? shown.last.map { .string(String($0.id)) } ?? .null : .null
            return try Response.json(JSONValue.object(["alerts": .array(shown.map(\.json)), "next_cursor": next]),
                                     encoder: .api)
        }
        router.post("/api/v1/drift/alerts/:id/acknowledge") { request in
            let principal = try await context.principal(request, scope: "write")
            let id = try JSONBody.id(request, notFound: { notFound($0) })
            guard try await alerts.acknowledge(projectID: principal.projectID, id: id, actor: principal.actor),
                  let alert = try await alerts.alert(projectID: principal.projectID, id: id) else { throw notFound(id) }
            return try Response.json(alert.json, encoder: .api)
        }
        router.post("/api/v1/drift/run") { request in
            let principal = try await context.principal(request, scope: "write")
            _ = try await JSONBody.object(request)
            if let id = try await VersionJobs.enqueue(projectID: principal.projectID, reason: "requested through the API",
                                                      on: JobQueue(pool: context.pool)) {
                return try Response.json(["job_id": id], status: .accepted)
            }
            throw Problem(.conflict, title: "A drift run is already under way",
                          detail: "A drift job is queued or running for this project; follow it at /api/v1/jobs.")
        }
    }

    /// The two sides of a comparison query, or a 400 naming every bad parameter.
    static func sides(_ query: QueryParameters) throws -> (ComparisonSide, ComparisonSide) {
        let a = ComparisonSide.parse(query, prefix: "a"), b = ComparisonSide.parse(query, prefix: "b")
        var errors = a.errors + b.errors
        let known = Set(["q", "model", "prompt", "feedback", "from", "to", "intent", "cluster", "flag", "meta"])
        for pair in query.pairs {
            let parts = pair.name.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, ComparisonSide.names.contains(parts[0]), known.contains(parts[1]) else {
                errors.append(.init(path: pair.name, message: "is not a side filter: use a.<filter> or b.<filter> with "
                                    + "model, prompt, from, to, q, feedback, intent, cluster, flag or meta"))
                continue
            }
        }
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        guard a.side != b.side else {
            throw Problem.invalid([.init(path: "b", message: "must differ from a")],
                                  detail: "Describe two different sides, e.g. a.model=gpt-4o&b.model=gpt-4o-mini.")
        }
        return (a.side, b.side)
    }

    private static func notFound(_ id: some CustomStringConvertible) -> Problem {
        Problem(.notFound, title: "Drift alert not found", detail: "No drift alert \(id) in this project.")
    }
}
