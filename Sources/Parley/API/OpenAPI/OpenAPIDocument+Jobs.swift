extension OpenAPIDocument {
    /// Background jobs (`JobRoutes`).
    static let jobs: [APIOperation] = [
        APIOperation("GET", "/api/v1/jobs", "Recent background jobs with progress", tag: "Jobs", scope: "read",
                     description: "The project's most recent jobs, newest first (no pagination beyond `limit`).",
                     query: [
                         APIParameter("limit", ["type": "integer", "minimum": 1, "maximum": 500, "default": 50],
                                      "Most jobs (clamped to 1…500)."),
                         APIParameter("status", Schema.enumeration(["queued", "running", "succeeded", "dead", "cancelled"]),
                                      "Only jobs in this status."),
                     ],
                     response: Schema.object([
                         "jobs": Schema.array(Schema.object([
                             "id": Schema.id,
                             "kind": ["type": "string", "description": "embed, cluster_run, intent_train, …"],
                             "status": Schema.enumeration(["queued", "running", "succeeded", "dead", "cancelled"]),
                             "progress": ["type": "integer", "minimum": 0, "maximum": 100],
                             "progress_message": Schema.string,
                             "attempts": Schema.integer,
                             "max_attempts": Schema.integer,
                             "error": Schema.nullable(Schema.string),
                             "created_at": Schema.string,
                             "started_at": Schema.nullable(Schema.string),
                             "finished_at": Schema.nullable(Schema.string),
                             "payload": Schema.anyObject,
                         ], required: ["id", "kind", "status", "progress", "progress_message", "attempts",
                                       "max_attempts", "error", "created_at", "started_at", "finished_at", "payload"])),
                     ], required: ["jobs"])),
        APIOperation("POST", "/api/v1/jobs/:id/cancel", "Cancel a queued or running job", tag: "Jobs",
                     scope: "ingest",
                     description: "Asks the job to stop; 404 when it is not queued or running in this project.",
                     status: 202,
                     response: Schema.object(["id": Schema.id], required: ["id"])),
    ]
}
