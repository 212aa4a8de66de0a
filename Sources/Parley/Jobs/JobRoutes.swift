import Foundation
import HTTPServer
import Postgres

/// `GET /api/v1/jobs` (with progress) and `POST /api/v1/jobs/{id}/cancel`.
enum JobRoutes {
    static func register(on router: inout Router, context: AppContext) {
        router.get("/api/v1/jobs") { request in
            let principal = try await context.principal(request, scope: "read")
            let limit = min(max(request.query.get("limit", as: Int.self) ?? 50, 1), 500)
            let status = request.query.get("status", as: String.self)
            let rows = try await context.pool.query("""
                SELECT coalesce(json_agg(j ORDER BY j.id DESC), '[]')::text FROM (
                    SELECT id, kind, status, progress, progress_message, attempts, max_attempts, error,
                           created_at, started_at, finished_at, payload
                    FROM jobs WHERE project_id = \(principal.projectID) AND (\(status) IS NULL OR status = \(status))
                    ORDER BY id DESC LIMIT \(limit)) j
                """)
            let json = try rows.first?.decode(0, as: String.self) ?? "[]"
            return Response(status: .ok, headers: ["Content-Type": "application/json"],
                            body: .bytes(Array("{\"jobs\":\(json)}".utf8)))
        }
        router.post("/api/v1/jobs/:id/cancel") { request in
            let principal = try await context.principal(request, scope: "ingest")
            guard let id = Int(try request.parameter("id", as: String.self)) else {
                throw Problem(.notFound, title: "Job not found")
            }
            guard try await JobQueue(pool: context.pool).cancel(jobID: id, projectID: principal.projectID) else {
                throw Problem(.notFound, title: "Job not found", detail: "No queued or running job \(id) in this project.")
            }
            return try Response.json(["id": id], status: .accepted)
        }
    }
}
