import Foundation
import HTTPServer
import Postgres

/// The clusters API:
/// - `GET /api/v1/clusters`: the tree with statistics and trends;
/// - `GET /api/v1/clusters/{id}`: label, keywords, examples, members (paginated), daily series, breakdowns, history;
/// - `GET /api/v1/clusters/map`: positions of clusters and of a sample of conversations;
/// - `GET /api/v1/clusters/runs`, `POST /api/v1/clusters/runs` (`{"clusters": N}` optional): runs;
/// - `PATCH /api/v1/clusters/{id}` (`{"name": …|null, "pinned": …}`), `POST /api/v1/clusters/{id}/merge`
///   (`{"clusters": [ids]}`), `POST /api/v1/clusters/{id}/split` (`{"parts": 2}`): edits (scope `write`).
enum ClusterRoutes {
    static func register(on router: inout Router, context: AppContext) {
        let queries = ClusterQueries(pool: context.pool)
        let edits = ClusterEdits(pool: context.pool, assignments: context.clusterAssignments)

        router.get("/api/v1/clusters") { request in
            let principal = try await context.principal(request, scope: "read")
            let minimum = max(0, request.query.get("min_size", as: Int.self) ?? 0)
            return try Response.json(try await queries.tree(projectID: principal.projectID, minimumSize: minimum),
                                     encoder: .api)
        }
        router.get("/api/v1/clusters/map") { request in
            let principal = try await context.principal(request, scope: "read")
            let rows = try await context.pool.query("""
                SELECT json_build_object(
                    'clusters', coalesce((SELECT json_agg(json_build_object('id', id, 'name', coalesce(custom_name, llm_name, auto_name),
                                  'level', level, 'parent_id', parent_id, 'size', size, 'x', x, 'y', y) ORDER BY level DESC, size DESC)
                                  FROM clusters WHERE project_id = \(principal.projectID) AND status = 'active'), '[]'),
                    'points', coalesce((SELECT json_agg(json_build_object('parley_id', p.conversation_id, 'id', c.external_id,
                                  'cluster_id', p.cluster_id, 'x', p.x, 'y', p.y))
                                  FROM cluster_map_points p JOIN conversations c ON c.id = p.conversation_id
                                  WHERE p.project_id = \(principal.projectID)), '[]'))::text
                """)
            return Response(status: .ok, headers: ["Content-Type": "application/json"],
                            body: .bytes(Array(try rows.first!.decode(0, as: String.self).utf8)))
        }
        router.get("/api/v1/clusters/runs") { request in
            let principal = try await context.principal(request, scope: "read")
            let limit = min(max(request.query.get("limit", as: Int.self) ?? 20, 1), 200)
            let rows = try await context.pool.query("""
                SELECT coalesce(json_agg(r ORDER BY r.id DESC), '[]')::text FROM (
                    SELECT id, job_id, model, status, requested_clusters, conversation_count, cluster_count, outlier_count,
                           summary, seconds, error, started_at, finished_at
                    FROM cluster_runs WHERE project_id = \(principal.projectID) ORDER BY id DESC LIMIT \(limit)) r
                """)
            return Response(status: .ok, headers: ["Content-Type": "application/json"],
                            body: .bytes(Array("{\"runs\":\(try rows.first!.decode(0, as: String.self))}".utf8)))
        }
        router.post("/api/v1/clusters/runs") { request in
            let principal = try await context.principal(request, scope: "write")
            var clusters: Int?
            let document = try await JSONBody.object(request)
            if let value = document["clusters"], value != .null {
                guard let n = value.intValue, (2...5_000).contains(n) else {
                    throw Problem.unprocessable([.init(path: "clusters", message: "must be a whole number from 2 to 5000, or null for automatic")])
                }
                clusters = n
            }
            let queue = JobQueue(pool: context.pool)
            if let id = try await ClusterRunJob.enqueue(projectID: principal.projectID, clusters: clusters,
                                                        reason: "requested through the API", on: queue) {
                return try Response.json(["job_id": id], status: .accepted)
            }
            let running = try await context.pool.query("""
                SELECT id FROM jobs WHERE singleton_key = \("cluster:\(principal.projectID)") AND status IN ('queued', 'running')
                """).first?.decode(0, as: Int.self)
            throw Problem(.conflict, title: "A clustering run is already under way",
                          detail: "Job \(running.map(String.init) ?? "?") is queued or running for this project; follow it at /api/v1/jobs.")
        }
        router.get("/api/v1/clusters/:id") { request in
            let principal = try await context.principal(request, scope: "read")
            let id = try JSONBody.id(request, notFound: { notFound($0) })
            let limit = min(max(request.query.get("limit", as: Int.self) ?? 50, 1), 500)
            var cursor: ClusterQueries.Cursor?
            if let text = request.query.get("cursor", as: String.self) {
                guard let parsed = ClusterQueries.Cursor(text) else {
                    throw Problem(.badRequest, title: "Bad cursor", detail: "Use the next_cursor of the previous page.")
                }
                cursor = parsed
            }
            guard let detail = try await queries.detail(projectID: principal.projectID, clusterID: id, limit: limit,
                                                        cursor: cursor) else { throw notFound(id) }
            return try Response.json(detail, encoder: .api)
        }
        router.patch("/api/v1/clusters/:id") { request in
            let principal = try await context.principal(request, scope: "write")
            let id = try JSONBody.id(request, notFound: { notFound($0) })
            let document = try await JSONBody.object(request)
            var errors: [Problem.FieldError] = []
            var name: String??
            switch document["name"] {
            case nil: name = nil
            case .null?: name = .some(nil)
            case .string(let text)?:
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty || trimmed.unicodeScalars.count > 200 {
                    errors.append(.init(path: "name", message: "must be 1 to 200 characters, or null to use the automatic name"))
                }
                name = .some(trimmed)
            default: errors.append(.init(path: "name", message: "must be a string or null"))
            }
            var pinned: Bool?
            if let value = document["pinned"] {
                if let flag = value.boolValue { pinned = flag } else { errors.append(.init(path: "pinned", message: "must be true or false")) }
            }
            guard errors.isEmpty else { throw Problem.unprocessable(errors) }
            try await run { try await edits.update(projectID: principal.projectID, clusterID: id, name: name, pinned: pinned,
                                                   actor: principal.actor) }
            return try await show(id, principal.projectID, queries)
        }
        router.post("/api/v1/clusters/:id/merge") { request in
            let principal = try await context.principal(request, scope: "write")
            let id = try JSONBody.id(request, notFound: { notFound($0) })
            let document = try await JSONBody.object(request)
            guard let others = document["clusters"]?.arrayValue?.compactMap(\.intValue), !others.isEmpty,
                  others.count == document["clusters"]?.arrayValue?.count else {
                throw Problem.unprocessable([.init(path: "clusters", message: "must be a non-empty list of cluster ids")])
            }
            try await run { try await edits.merge(projectID: principal.projectID, into: id, others: others, actor: principal.actor) }
            return try await show(id, principal.projectID, queries)
        }
        router.post("/api/v1/clusters/:id/split") { request in
            let principal = try await context.principal(request, scope: "write")
            let id = try JSONBody.id(request, notFound: { notFound($0) })
            let document = try await JSONBody.object(request)
            var parts = 2
            if let value = document["parts"] {
                guard let n = value.intValue else {
                    throw Problem.unprocessable([.init(path: "parts", message: "must be a whole number from 2 to 20")])
                }
                parts = n
            }
            let model = try await context.embedders.embedder().modelID
            let ids = try await run {
                try await edits.split(projectID: principal.projectID, clusterID: id, parts: parts, model: model,
                                      actor: principal.actor)
            }
            return try Response.json(["clusters": ids], status: .ok)
        }
    }

    private static func notFound(_ id: some CustomStringConvertible) -> Problem {
        Problem(.notFound, title: "Cluster not found", detail: "No active cluster \(id) in this project.")
    }

    private static func show(_ id: Int, _ projectID: Int, _ queries: ClusterQueries) async throws -> Response {
        guard let detail = try await queries.detail(projectID: projectID, clusterID: id, limit: 20) else { throw notFound(id) }
        return try Response.json(detail, encoder: .api)
    }

    /// Runs an edit, turning its errors into problems.
    private static func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ClusterEdits.EditError {
            switch error {
            case .notFound(let id): throw notFound(id)
            case .notACluster(let id):
                throw Problem(.unprocessableContent, title: "Not a cluster",
                              detail: "\(id) is a group of clusters; merge and split work on clusters (level 0).")
            case .invalid(let message): throw Problem(.unprocessableContent, title: "Cannot do that", detail: message)
            }
        }
    }
}

extension APIKeyStore.Principal {
    /// How an API key appears in histories and audit logs.
    var actor: String { "api-key:\(keyID)" }
}
