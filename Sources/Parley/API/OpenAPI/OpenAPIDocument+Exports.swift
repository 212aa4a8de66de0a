extension OpenAPIDocument {
    /// The export routes (`ExportRoutes`): streamed with chunked encoding, one page of rows at a time.
    static let exports: [APIOperation] = [
        APIOperation("GET", "/api/v1/exports/finetune.jsonl", "Export chat fine-tuning data", tag: "Exports", scope: "read",
                     description: "One `{\"messages\": […]}` line per conversation (OpenAI's chat fine-tuning format), "
                        + "ending on an assistant turn; a triage item's corrected answer replaces what the assistant "
                        + "said after the last user turn. Conversations without an assistant turn are left out. "
                        + "`balance_by` with `per_group` keeps at most N conversations per cluster or predicted intent.",
                     query: ExportSchemas.filterParameters + ExportSchemas.balanceParameters,
                     responseType: "application/x-ndjson",
                     response: ["type": "string", "description": "Newline-delimited JSON: {\"messages\": [{role, content, …}]} per line."],
                     errors: [422]),
        APIOperation("GET", "/api/v1/exports/dpo.jsonl", "Export preference pairs (DPO)", tag: "Exports", scope: "read",
                     description: "One `{\"prompt\", \"chosen\", \"rejected\", \"source\", \"parley_ids\"}` line per pair "
                        + "(TRL's conversational format): corrected answers chosen over the original reply, and "
                        + "conversations with the same prompt whose mean ratings differ by at least `min_margin`.",
                     query: ExportSchemas.filterParameters + [
                        APIParameter("sources", Schema.string, "correction, rating or both (comma-separated; default both)."),
                        APIParameter("min_margin", ["type": "number", "exclusiveMinimum": 0, "maximum": 4],
                                     "Least difference of mean ratings for a rating pair (default 1)."),
                     ],
                     responseType: "application/x-ndjson",
                     response: ["type": "string", "description": "Newline-delimited JSON: one preference pair per line."],
                     errors: [422]),
        APIOperation("GET", "/api/v1/exports/conversations.csv", "Export conversations as CSV", tag: "Exports", scope: "read",
                     description: "RFC 4180 with a header row: ids, times, model, first user and last assistant "
                        + "message, feedback, cluster, flags, triage status, assignee, labels, mean rating, corrected "
                        + "answer, metadata. Cells that a spreadsheet would read as formulas are quoted safely.",
                     query: ExportSchemas.filterParameters + ExportSchemas.balanceParameters,
                     responseType: "text/csv",
                     response: ["type": "string", "description": "CSV (UTF-8) with a header row."],
                     errors: [422]),
    ]
}

/// The query parameters of the exports (`ExportFilter`).
enum ExportSchemas {
    static let filterParameters: [APIParameter] = [
        APIParameter("model", Schema.string, "Models (comma-separated)."),
        APIParameter("prompt_version", Schema.string, "Prompt versions (comma-separated)."),
        APIParameter("from", ["type": "string", "format": "date"], "First day the conversation started (UTC)."),
        APIParameter("to", ["type": "string", "format": "date"], "Last day the conversation started (UTC)."),
        APIParameter("feedback", Schema.enumeration(["up", "down", "rated"]), "Conversations with this feedback."),
        APIParameter("cluster", Schema.string, "Cluster ids (comma-separated)."),
        APIParameter("flagged", Schema.enumeration(["true", "false"]), "With true, only flagged conversations."),
        APIParameter("rule", Schema.string, "Flagged by these rule ids."),
        APIParameter("detector", Schema.string, "Flagged by these detectors."),
        APIParameter("status", Schema.string, "Triage status (open, in_review, resolved, dismissed); keeps triaged conversations only."),
        APIParameter("severity", Schema.string, "Triage severity (low, medium, high, critical)."),
        APIParameter("label", Schema.string, "Triage labels."),
        APIParameter("assignee", Schema.string, "Triage assignee (user id, user:N, api-key:N, me, none)."),
        APIParameter("corrected", Schema.enumeration(["true", "false"]), "Has a corrected answer, or has none."),
        APIParameter("min_rating", ["type": "number", "minimum": 1, "maximum": 5], "Least mean rating of the item."),
        APIParameter("limit", ["type": "integer", "minimum": 1], "Most rows."),
    ]

    static let balanceParameters: [APIParameter] = [
        APIParameter("balance_by", Schema.enumeration(["cluster", "intent"]),
                     "Keep at most `per_group` conversations per cluster or predicted intent (needs `per_group`)."),
        APIParameter("per_group", ["type": "integer", "minimum": 1], "Most conversations per group with `balance_by`."),
    ]
}
