extension OpenAPIDocument {
    /// The versions routes: comparison of two sides, and drift alerts.
    static let versions: [APIOperation] = [
        APIOperation(
            "GET", "/api/v1/compare", "Compare two sides (models, prompt versions, time ranges, any filter)", tag: "Versions",
            scope: "read",
            description: """
                Each side is a conversation filter written with the prefix `a.` or `b.`: `model`, `prompt`, `from`, \
                `to` (days, UTC, inclusive), `q`, `feedback`, `intent`, `cluster`, `flag`, `meta` — the parameters \
                of `GET /api/v1/conversations`. Example: `?a.model=gpt-4o-mini&b.model=gpt-4o`. Differences are B − A. \
                Rates are compared with a two-proportion z-test, means with Welch's t-test, the intent and cluster \
                mixes with a chi-square test of independence; p-values are adjusted with Benjamini–Hochberg (the \
                metrics and the two mix tests as one family, the rows of each mix as another) and `significant` \
                means an adjusted p-value below `alpha`. Refusals (the refusal detector rerun) and answer lengths \
                (characters of assistant messages) are read from a fixed sample of up to 1,000 answered \
                conversations per side (`sampled`); the other figures count every conversation.
                """,
            query: versionSideParameters,
            response: Schema.object([
                "a": compareSide, "b": compareSide, "alpha": Schema.number, "correction": Schema.string,
                "metrics": Schema.array(compareMetric),
                "intent_mix": compareMix("intent_id"), "cluster_mix": compareMix("cluster_id"),
                "clusters_grew": Schema.array(compareMixRow("cluster_id")),
                "clusters_shrank": Schema.array(compareMixRow("cluster_id")),
            ], required: ["a", "b", "metrics", "intent_mix", "cluster_mix", "clusters_grew", "clusters_shrank"])),
        APIOperation(
            "GET", "/api/v1/drift/alerts", "List drift alerts, newest first", tag: "Versions", scope: "read",
            description: """
                Change points found by the daily drift job in a model's answer length, refusal rate, flag rate or \
                intent mix, with the evidence (the daily series, the test) and the conversations flagged as the \
                first affected ones.
                """,
            query: [APIParameter("status", Schema.enumeration(["open", "acknowledged"]), "Only alerts in this status."),
                    APIParameter("model", Schema.string, "Only alerts of this model.")]
                + APIParameter.page(maximum: 200, defaultLimit: 50),
            response: Schema.object(["alerts": Schema.array(driftAlert), "next_cursor": Schema.nullable(Schema.string)],
                                    required: ["alerts", "next_cursor"])),
        APIOperation(
            "POST", "/api/v1/drift/alerts/:id/acknowledge", "Acknowledge a drift alert", tag: "Versions", scope: "write",
            description: "Marks the alert acknowledged (audited); acknowledging twice keeps the first acknowledgement.",
            response: driftAlert),
        APIOperation(
            "POST", "/api/v1/drift/run", "Run drift detection now", tag: "Versions", scope: "write",
            description: """
                Queues the drift job of the project (it also runs once a day). The body may be empty or `{}`. \
                409 when a drift job is already queued or running.
                """,
            body: Schema.object([:]), bodyRequired: false, status: 202,
            response: Schema.object(["job_id": Schema.integer], required: ["job_id"]), errors: [409]),
    ]

    private static var versionSideParameters: [APIParameter] {
        let filters: [(String, JSONValue, String)] = [
            ("model", Schema.string, "model"), ("prompt", Schema.string, "prompt version"),
            ("from", ["type": "string", "format": "date"], "first day (UTC)"),
            ("to", ["type": "string", "format": "date"], "last day (UTC, inclusive)"),
            ("q", Schema.string, "full-text search of the messages"),
            ("feedback", Schema.enumeration(["up", "down", "rated", "comment"]), "feedback"),
            ("intent", Schema.string, "intent id, or `none`"), ("cluster", Schema.string, "cluster or group id"),
            ("flag", Schema.string, "`any`, `open`, `severity:<s>`, `rule:<id>`, `detector:<name>`"),
            ("meta", Schema.string, "metadata `key=value`"),
        ]
        return ["a", "b"].flatMap { side in
            filters.map { name, schema, what in APIParameter("\(side).\(name)", schema, "Side \(side.uppercased()): \(what).") }
        }
    }

    private static let compareSide = Schema.object([
        "label": Schema.string, "filter": Schema.anyObject, "conversations": Schema.integer, "sampled": Schema.integer,
        "first_started_at": Schema.nullable(Schema.dateTime), "last_started_at": Schema.nullable(Schema.dateTime),
    ], required: ["label", "filter", "conversations", "sampled"])

    private static let testProperties: [String: JSONValue] = [
        "statistic": Schema.nullable(Schema.number), "p_value": Schema.nullable(Schema.number),
        "degrees_of_freedom": Schema.nullable(Schema.number), "adjusted_p_value": Schema.nullable(Schema.number),
        "significant": Schema.boolean,
    ]

    private static let compareMetric = Schema.object([
        "key": Schema.string, "name": Schema.string, "kind": Schema.enumeration(["rate", "mean", "count"]),
        "unit": Schema.string,
        "a": Schema.object(["value": Schema.nullable(Schema.number), "n": Schema.integer]),
        "b": Schema.object(["value": Schema.nullable(Schema.number), "n": Schema.integer]),
        "difference": Schema.nullable(Schema.number), "relative_difference": Schema.nullable(Schema.number),
        "test": Schema.nullable(Schema.string),
    ].merging(testProperties) { a, _ in a }, required: ["key", "a", "b", "significant"])

    private static func compareMixRow(_ idKey: String) -> JSONValue {
        Schema.object([
            idKey: Schema.nullable(Schema.integer), "name": Schema.string, "a_count": Schema.integer,
            "b_count": Schema.integer, "a_share": Schema.nullable(Schema.number), "b_share": Schema.nullable(Schema.number),
            "difference": Schema.nullable(Schema.number),
        ].merging(testProperties) { a, _ in a }, required: [idKey, "name", "a_count", "b_count", "significant"])
    }

    private static func compareMix(_ idKey: String) -> JSONValue {
        Schema.object([
            "a_total": Schema.integer, "b_total": Schema.integer, "rows": Schema.array(compareMixRow(idKey)),
        ].merging(testProperties) { a, _ in a }, required: ["a_total", "b_total", "rows", "significant"])
    }

    private static let driftAlert = Schema.object([
        "id": Schema.integer, "model": Schema.string,
        "metric": Schema.enumeration(["response_length", "refusal_rate", "flag_rate", "intent_mix"]),
        "day": ["type": "string", "format": "date"], "direction": Schema.enumeration(["up", "down", "shift"]),
        "before_value": Schema.nullable(Schema.number), "after_value": Schema.nullable(Schema.number),
        "before_count": Schema.integer, "after_count": Schema.integer,
        "p_value": Schema.nullable(Schema.number), "effect": Schema.nullable(Schema.number),
        "summary": Schema.string, "evidence": Schema.anyObject,
        "flagged_conversations": Schema.array(Schema.integer),
        "status": Schema.enumeration(["open", "acknowledged"]),
        "acknowledged_by": Schema.nullable(Schema.string), "acknowledged_at": Schema.nullable(Schema.dateTime),
        "created_at": Schema.dateTime,
    ], required: ["id", "model", "metric", "day", "status", "summary", "evidence", "flagged_conversations"])
}
