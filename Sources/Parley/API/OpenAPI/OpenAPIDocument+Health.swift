extension OpenAPIDocument {
    /// The health routes (`HealthRoutes`) and the document itself; none needs an API key.
    static let health: [APIOperation] = [
        APIOperation("GET", "/healthz", "Liveness: the process is up", tag: "Health", scope: nil,
                     description: "Answers `ok` without touching the database.",
                     responseType: "text/plain", response: Schema.enumeration(["ok\n"])),
        APIOperation("GET", "/readyz", "Readiness: the database answers", tag: "Health", scope: nil,
                     description: """
                         Answers `ready` when the database can be reached; otherwise 503 with the plain-text body \
                         `database unreachable` and `Retry-After: 2`.
                         """,
                     responseType: "text/plain", response: Schema.enumeration(["ready\n"]), errors: [503]),
        APIOperation("GET", "/api/openapi.json", "This OpenAPI document", tag: "Health", scope: nil,
                     description: "The OpenAPI 3.1 description of every API route (cacheable for 5 minutes).",
                     response: Schema.object(["openapi": Schema.string, "info": Schema.anyObject,
                                              "paths": Schema.anyObject, "components": Schema.anyObject],
                                             required: ["openapi", "info", "paths"])),
    ]
}
