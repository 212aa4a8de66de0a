extension OpenAPIDocument {
    /// Ingestion (`IngestRoutes`, `BulkIngest`, `TraceRoutes`): storing conversations, feedback, reading one back.
    static let ingest: [APIOperation] = [
        APIOperation("POST", "/api/v1/conversations", "Store a conversation, or a batch", tag: "Ingest",
                     scope: "ingest",
                     description: """
                         One conversation, or `{"conversations": [...]}` (up to the batch limit). Idempotent by `id`: \
                         the same payload again is a `duplicate`, a payload that extends the stored messages \
                         replaces it (`updated`). All or nothing: any invalid conversation gives 422 with every \
                         problem and nothing is stored. A single conversation answers 201 when created and 200 when \
                         updated or a duplicate (both with an `IngestOutcome`), 409 when it conflicts; a batch \
                         answers 200 with one outcome per conversation.
                         """,
                     body: ["anyOf": [Schema.ref("ConversationInput"),
                                      Schema.object(["conversations": ["type": "array", "minItems": 1,
                                                                       "items": Schema.ref("ConversationInput")]],
                                                    required: ["conversations"])]],
                     status: 201,
                     response: Schema.ref("IngestOutcome"),
                     otherResponses: [200: ["anyOf": [
                         Schema.ref("IngestOutcome"),
                         Schema.object(["results": Schema.array(Schema.ref("IngestOutcome")),
                                        "created": Schema.integer, "updated": Schema.integer,
                                        "duplicate": Schema.integer, "conflict": Schema.integer],
                                       required: ["results", "created", "updated", "duplicate", "conflict"]),
                     ]]],
                     errors: [409]),
        APIOperation("POST", "/api/v1/conversations/bulk", "Store many conversations from NDJSON", tag: "Ingest",
                     scope: "ingest",
                     description: """
                         One conversation per line (`application/x-ndjson`; also `application/jsonl`, \
                         `application/json-lines`, `application/ndjson`), optionally `Content-Encoding: gzip`. \
                         Streamed and committed in chunks; bad lines are reported by number while good lines are \
                         stored. `committedThroughLine` says how far the stored lines reach.
                         """,
                     body: ["type": "string", "description": "Newline-delimited JSON: one ConversationInput per line."],
                     bodyType: "application/x-ndjson",
                     response: Schema.object([
                         "lines": Schema.integer, "accepted": Schema.integer, "created": Schema.integer,
                         "updated": Schema.integer, "duplicate": Schema.integer, "conflict": Schema.integer,
                         "rejected": Schema.integer, "committedThroughLine": Schema.integer,
                         "errors": Schema.array(Schema.object(["line": Schema.integer,
                                                               "errors": Schema.array(Schema.ref("FieldError"))],
                                                              required: ["line", "errors"])),
                     ], required: ["lines", "accepted", "created", "updated", "duplicate", "conflict", "rejected",
                                   "committedThroughLine", "errors"])),
        APIOperation("POST", "/api/v1/conversations/:id/feedback", "Add feedback to a conversation", tag: "Ingest",
                     scope: "ingest",
                     description: """
                         `id` is your conversation id. Given fields replace the stored ones; the conversation goes \
                         through the flag rules again.
                         """,
                     stringPathParameters: ["id"],
                     body: Schema.ref("FeedbackInput"),
                     response: Schema.object([
                         "parley_id": Schema.id, "id": Schema.string,
                         "thumb": ["type": "integer", "enum": [1, -1]],
                         "rating": ["type": "integer", "minimum": 1, "maximum": 5],
                         "comment": Schema.string,
                     ], required: ["parley_id", "id"])),
        APIOperation("GET", "/api/v1/conversations/:id", "Read one conversation", tag: "Ingest", scope: "read",
                     description: "`id` is your conversation id. The stored messages, metadata, feedback and intent.",
                     stringPathParameters: ["id"],
                     response: Schema.object([
                         "parley_id": Schema.id, "id": Schema.string,
                         "model": Schema.nullable(Schema.string), "prompt_version": Schema.nullable(Schema.string),
                         "user_id": Schema.nullable(Schema.string), "session_id": Schema.nullable(Schema.string),
                         "started_at": Schema.string, "ingested_at": Schema.string, "updated_at": Schema.string,
                         "messages": Schema.array(Schema.ref("Message")), "metadata": Schema.anyObject,
                         "tags": Schema.array(Schema.string), "feedback": Schema.ref("Feedback"),
                         "intent": ["anyOf": [Schema.ref("PredictedIntent"), ["type": "null"]]],
                     ], required: ["parley_id", "id", "model", "prompt_version", "user_id", "session_id",
                                   "started_at", "ingested_at", "updated_at", "messages", "metadata", "tags",
                                   "feedback", "intent"])),
        APIOperation("POST", "/v1/traces", "OTLP/HTTP traces with GenAI spans", tag: "Ingest", scope: "ingest",
                     description: """
                         An OTLP/HTTP JSON `ExportTraceServiceRequest` (set `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`); \
                         spans following the OpenTelemetry GenAI conventions become conversations (docs/otlp.md). \
                         Only JSON is accepted: an `application/x-protobuf` body is answered 415. Spans that could not \
                         be stored are counted in `partialSuccess`.
                         """,
                     body: Schema.object(["resourceSpans": Schema.array(Schema.anyObject)]),
                     response: Schema.object([
                         "partialSuccess": Schema.object(["rejectedSpans": Schema.integer, "errorMessage": Schema.string],
                                                         required: ["rejectedSpans", "errorMessage"]),
                         "conversations": Schema.array(Schema.ref("IngestOutcome")),
                     ], required: ["conversations"])),
    ]
}
