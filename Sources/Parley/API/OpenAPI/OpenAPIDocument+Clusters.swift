extension OpenAPIDocument {
    /// A cluster or group with its statistics (`ClusterQueries.Node`); absent optional fields are left out.
    static let clusterNode: JSONValue = [
        "type": "object",
        "properties": [
            "id": Schema.id, "name": Schema.string, "auto_name": Schema.string, "custom_name": Schema.string,
            "llm_name": Schema.string, "description": Schema.string, "pinned": Schema.boolean,
            "level": ["type": "integer", "minimum": 0, "maximum": 2], "parent_id": Schema.integer,
            "keywords": Schema.array(Schema.string), "size": Schema.integer, "share": Schema.number,
            "outliers": Schema.integer, "last_24h": Schema.integer, "previous_24h": Schema.integer,
            "last_7d": Schema.integer, "previous_7d": Schema.integer, "growth_24h": Schema.number,
            "growth_7d": Schema.number, "trend": Schema.enumeration(["new", "rising", "fading", "steady"]),
            "thumbs_up": Schema.integer, "thumbs_down": Schema.integer, "rating_count": Schema.integer,
            "average_thumb": Schema.number, "average_rating": Schema.number, "flagged": Schema.integer,
            "flag_rate": Schema.number, "x": Schema.number, "y": Schema.number,
            "children": Schema.array(["$ref": "#/components/schemas/ClusterNode"]),
        ],
        "required": ["id", "name", "auto_name", "pinned", "level", "keywords", "size", "share", "trend", "children"],
    ]

    static let clusterMember = Schema.object([
        "parley_id": Schema.id, "id": Schema.string, "similarity": Schema.number, "is_outlier": Schema.boolean,
        "started_at": Schema.dateTime, "preview": Schema.string,
    ], required: ["parley_id", "id", "similarity", "is_outlier", "started_at", "preview"])

    static let clusterBreakdown = Schema.array(Schema.object([
        "value": Schema.string, "conversations": Schema.integer, "share": Schema.number,
        "thumbs_up": Schema.integer, "thumbs_down": Schema.integer,
    ], required: ["value", "conversations", "share", "thumbs_up", "thumbs_down"]))

    /// One cluster with its details (`ClusterQueries.Detail`).
    static let clusterDetail = Schema.object([
        "cluster": ["$ref": "#/components/schemas/ClusterNode"],
        "parent": ["$ref": "#/components/schemas/ClusterNode"],
        "keywords": Schema.array(Schema.object(["term": Schema.string, "weight": Schema.number])),
        "examples": Schema.array(clusterMember),
        "members": Schema.array(clusterMember),
        "next_cursor": ["type": "string", "description": "Absent on the last page of members."],
        "series": Schema.array(Schema.object(["day": Schema.string, "conversations": Schema.integer],
                                             required: ["day", "conversations"])),
        "by_model": clusterBreakdown,
        "by_prompt_version": clusterBreakdown,
        "history": Schema.array(Schema.object([
            "kind": Schema.string, "related": Schema.array(Schema.integer), "actor": Schema.string,
            "detail": Schema.any, "at": Schema.dateTime,
        ], required: ["kind", "related", "detail", "at"])),
    ], required: ["cluster", "keywords", "examples", "members", "series", "by_model", "by_prompt_version", "history"])

    static let clusterRun = Schema.object([
        "id": Schema.id, "job_id": Schema.nullable(Schema.integer), "model": Schema.string,
        "status": Schema.enumeration(["running", "completed", "failed"]),
        "requested_clusters": Schema.nullable(Schema.integer), "conversation_count": Schema.nullable(Schema.integer),
        "cluster_count": Schema.nullable(Schema.integer), "outlier_count": Schema.nullable(Schema.integer),
        "summary": Schema.anyObject, "seconds": Schema.nullable(Schema.number), "error": Schema.nullable(Schema.string),
        "started_at": Schema.string, "finished_at": Schema.nullable(Schema.string),
    ], required: ["id", "model", "status", "summary", "started_at"])

    /// Clusters (`ClusterRoutes`).
    static let clusters: [APIOperation] = [
        APIOperation("GET", "/api/v1/clusters", "The cluster tree with statistics and trends", tag: "Clusters",
                     scope: "read",
                     query: [APIParameter("min_size", ["type": "integer", "minimum": 0],
                                          "Leave out clusters smaller than this (groups stay).")],
                     response: Schema.object([
                         "run": Schema.object(["id": Schema.id, "model": Schema.string, "conversations": Schema.integer,
                                               "clusters": Schema.integer, "outliers": Schema.integer,
                                               "seconds": Schema.number, "finished_at": Schema.dateTime],
                                              required: ["id", "model", "conversations", "clusters", "outliers",
                                                         "seconds", "finished_at"]),
                         "assigned": Schema.integer, "unassigned": Schema.integer,
                         "clusters": Schema.array(["$ref": "#/components/schemas/ClusterNode"]),
                     ], required: ["assigned", "unassigned", "clusters"])),
        APIOperation("GET", "/api/v1/clusters/map", "Cluster positions and a sample of conversations on a 2-D map",
                     tag: "Clusters", scope: "read",
                     response: Schema.object([
                         "clusters": Schema.array(Schema.object([
                             "id": Schema.id, "name": Schema.string, "level": Schema.integer,
                             "parent_id": Schema.nullable(Schema.integer), "size": Schema.integer,
                             "x": Schema.nullable(Schema.number), "y": Schema.nullable(Schema.number),
                         ], required: ["id", "name", "level", "parent_id", "size", "x", "y"])),
                         "points": Schema.array(Schema.object([
                             "parley_id": Schema.id, "id": Schema.string, "cluster_id": Schema.nullable(Schema.integer),
                             "x": Schema.number, "y": Schema.number,
                         ], required: ["parley_id", "id", "cluster_id", "x", "y"])),
                     ], required: ["clusters", "points"])),
        APIOperation("GET", "/api/v1/clusters/runs", "Recent clustering runs", tag: "Clusters", scope: "read",
                     query: [APIParameter("limit", ["type": "integer", "minimum": 1, "maximum": 200, "default": 20],
                                          "Most runs (clamped to 1…200).")],
                     response: Schema.object(["runs": Schema.array(clusterRun)], required: ["runs"])),
        APIOperation("POST", "/api/v1/clusters/runs", "Start a clustering run", tag: "Clusters", scope: "write",
                     description: "Queues a run (automatic k unless `clusters` is given); 409 while one is under way.",
                     body: Schema.object(["clusters": Schema.nullable(["type": "integer", "minimum": 2, "maximum": 5000])]),
                     status: 202,
                     response: Schema.object(["job_id": Schema.id], required: ["job_id"]),
                     errors: [409]),
        APIOperation("GET", "/api/v1/clusters/:id", "One cluster: keywords, examples, members, series, history",
                     tag: "Clusters", scope: "read",
                     query: APIParameter.page(maximum: 500, defaultLimit: 50),
                     response: clusterDetail),
        APIOperation("PATCH", "/api/v1/clusters/:id", "Rename or pin a cluster", tag: "Clusters", scope: "write",
                     body: Schema.object(["name": Schema.nullable(["type": "string", "minLength": 1, "maxLength": 200]),
                                          "pinned": Schema.boolean]),
                     response: clusterDetail),
        APIOperation("POST", "/api/v1/clusters/:id/merge", "Merge clusters into this one", tag: "Clusters",
                     scope: "write",
                     body: Schema.object(["clusters": ["type": "array", "minItems": 1, "items": Schema.id]],
                                         required: ["clusters"]),
                     response: clusterDetail),
        APIOperation("POST", "/api/v1/clusters/:id/split", "Split a cluster in parts", tag: "Clusters", scope: "write",
                     body: Schema.object(["parts": ["type": "integer", "minimum": 2, "maximum": 20, "default": 2]]),
                     response: Schema.object(["clusters": Schema.array(Schema.id)], required: ["clusters"])),
    ]
}
