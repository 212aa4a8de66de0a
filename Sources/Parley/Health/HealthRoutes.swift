import HTTPServer

/// `GET /healthz` (the process is up) and `GET /readyz` (the database answers: 200, else 503).
enum HealthRoutes {
    static func register(on router: inout Router, database: Database) {
        router.get("/healthz") { _ in
            Response(text: "ok\n")
        }
        router.get("/readyz") { request in
            if await database.isReachable() { return Response(text: "ready\n") }
            var response = Response(status: .serviceUnavailable, text: "database unreachable\n")
            response.headers.add(name: "Retry-After", value: "2")
            return response
        }
    }
}
