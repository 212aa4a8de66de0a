extension OpenAPIDocument {
    /// Schemas shared by several operations (besides `Problem`), referenced with `Schema.ref(name)`.
    static let sharedSchemas: [String: JSONValue] = [
        "ClusterNode": clusterNode,
        "FieldError": Schema.object(["path": Schema.string, "message": Schema.string], required: ["path", "message"]),
        "Time": [
            "description": "An RFC 3339 time, or a positive epoch time in seconds, milliseconds, microseconds or nanoseconds.",
            "anyOf": [Schema.dateTime, Schema.number],
        ],
        "Message": Schema.object([
            "role": ["type": "string", "description": "system, user, assistant or tool (function → tool, developer → system)."],
            "content": [
                "description": "Text, OpenAI content parts (`[{type, text, …}]`), or null with tool_calls.",
                "anyOf": [Schema.string, Schema.array(Schema.object(["type": Schema.string], required: ["type"])),
                          ["type": "null"]],
            ],
            "name": Schema.string,
            "tool_calls": Schema.array(Schema.anyObject),
            "tool_call_id": Schema.string,
            "created_at": Schema.ref("Time"),
        ], required: ["role"]),
        "FeedbackInput": Schema.object([
            "thumb": ["anyOf": [Schema.enumeration(["up", "down"]), ["type": "integer", "enum": [1, -1]], Schema.boolean]],
            "rating": ["type": "integer", "minimum": 1, "maximum": 5],
            "comment": Schema.string,
        ]),
        "Feedback": Schema.object([
            "thumb": Schema.nullable(["type": "integer", "enum": [1, -1]]),
            "rating": Schema.nullable(["type": "integer", "minimum": 1, "maximum": 5]),
            "comment": Schema.nullable(Schema.string),
        ], required: ["thumb", "rating", "comment"]),
        "ConversationInput": Schema.object([
            "id": ["type": "string", "description": "Your id: the idempotency key (a UUID is made up when absent)."],
            "model": Schema.string,
            "prompt_version": Schema.string,
            "user_id": Schema.string,
            "session_id": Schema.string,
            "started_at": Schema.ref("Time"),
            "messages": ["type": "array", "minItems": 1, "items": Schema.ref("Message")],
            "metadata": Schema.anyObject,
            "tags": Schema.array(Schema.string),
            "feedback": Schema.ref("FeedbackInput"),
        ], required: ["messages"]),
        "IngestOutcome": Schema.object([
            "parley_id": ["type": "integer", "description": "Parley's id; absent for a conflict."],
            "id": Schema.string,
            "status": Schema.enumeration(["created", "updated", "duplicate", "conflict"]),
        ], required: ["id", "status"]),
        "PredictedIntent": Schema.object([
            "id": Schema.nullable(Schema.integer),
            "name": Schema.nullable(Schema.string),
            "confidence": Schema.number,
        ], required: ["id", "name", "confidence"]),
        "ConversationSummary": Schema.object([
            "parley_id": Schema.id,
            "id": Schema.string,
            "started_at": Schema.dateTime,
            "ingested_at": Schema.dateTime,
            "updated_at": Schema.dateTime,
            "model": Schema.nullable(Schema.string),
            "prompt_version": Schema.nullable(Schema.string),
            "user_id": Schema.nullable(Schema.string),
            "message_count": Schema.integer,
            "tags": Schema.array(Schema.string),
            "feedback": Schema.ref("Feedback"),
            "intent": [
                "description": .string("The active intent model's prediction (id and name null = unrecognized); null "
                    + "when not classified by it."),
                "anyOf": [Schema.ref("PredictedIntent"), ["type": "null"]],
            ],
            "cluster": [
                "description": .string("Its cluster in the latest run (id null = too far from every cluster); null "
                    + "when not clustered."),
                "anyOf": [Schema.object(["id": Schema.nullable(Schema.integer), "name": Schema.nullable(Schema.string),
                                         "outlier": Schema.boolean], required: ["id", "name", "outlier"]),
                          ["type": "null"]],
            ],
            "flag_count": Schema.integer,
            "worst_severity": Schema.nullable(Schema.enumeration(["low", "medium", "high", "critical"])),
            "triage_status": Schema.nullable(Schema.enumeration(["open", "in_review", "resolved", "dismissed"])),
        ], required: ["parley_id", "id", "started_at", "ingested_at", "updated_at", "model", "prompt_version",
                      "user_id", "message_count", "tags", "feedback", "intent", "cluster", "flag_count",
                      "worst_severity", "triage_status"]),
    ]
}
