extension OpenAPIDocument {
    /// The intents routes (`IntentRoutes.swift`, `IntentRoutes+Models.swift`).
    static let intents: [APIOperation] = [
        APIOperation("GET", "/api/v1/intents", "List the intents with their share of classified conversations",
                     tag: "Intents", scope: "read",
                     description: """
                         Every intent of the project (by name) with its example count and the conversations the active \
                         model predicted as it: in all, started in the last 7 days, and as a share of every classified \
                         conversation. `unrecognized` counts conversations no intent was confident enough for.
                         """,
                     response: Schema.object([
                         "intents": Schema.array(IntentSchemas.summary),
                         "unrecognized": Schema.integer,
                         "classified": Schema.integer,
                     ], required: ["intents", "unrecognized", "classified"])),
        APIOperation("POST", "/api/v1/intents", "Create an intent", tag: "Intents", scope: "write",
                     body: Schema.object([
                         "name": ["type": "string", "minLength": 1, "maxLength": 200],
                         "description": Schema.nullable(["type": "string", "maxLength": 4_000]),
                     ], required: ["name"]),
                     status: 201, response: IntentSchemas.detail, errors: [409]),
        APIOperation("POST", "/api/v1/intents/import", "Import intents and examples from CSV or JSONL",
                     tag: "Intents", scope: "write",
                     description: """
                         CSV with a header naming the columns `text` and `label` (RFC 4180 quoting), or JSONL with one \
                         `{"text": …, "label": …}` object per line (send `Content-Type: application/jsonl`, or start \
                         with `{`). Intents named by a label are created when missing (names compare \
                         case-insensitively); bad lines are skipped and reported by number. A CSV without the header \
                         answers 422.
                         """,
                     body: Schema.string, bodyType: "text/csv",
                     response: Schema.object([
                         "intents_created": Schema.integer,
                         "examples_added": Schema.integer,
                         "errors": Schema.array(Schema.object(["line": Schema.integer, "message": Schema.string],
                                                              required: ["line", "message"])),
                     ], required: ["intents_created", "examples_added", "errors"])),
        APIOperation("POST", "/api/v1/intents/from-cluster", "Promote a cluster to an intent", tag: "Intents",
                     scope: "write",
                     description: """
                         Creates an intent (source `cluster`) whose examples are the cluster's representative \
                         conversations (its ten most similar members when it has none). The name defaults to the \
                         cluster's. 404 when the project has no active cluster with this id.
                         """,
                     body: Schema.object([
                         "cluster_id": Schema.id,
                         "name": Schema.nullable(["type": "string", "minLength": 1, "maxLength": 200]),
                     ], required: ["cluster_id"]),
                     status: 201, response: IntentSchemas.detail, errors: [404, 409]),
        APIOperation("POST", "/api/v1/intents/labels", "Label conversations with intents", tag: "Intents",
                     scope: "write",
                     description: """
                         Human labels, one per conversation (the latest wins): `intent` is an intent id, an intent \
                         name, or null for out of scope. Every item is checked first; any error answers 422 naming \
                         the items and nothing is stored. When the labels added since the latest model reach \
                         max(20, 10 % of the labels it used), a retraining is queued and its job id returned.
                         """,
                     body: Schema.object([
                         "labels": ["type": "array", "minItems": 1, "maxItems": 10_000, "items": Schema.object([
                             "conversation": Schema.string,
                             "intent": ["anyOf": [Schema.id, Schema.string, ["type": "null"]]],
                         ], required: ["conversation", "intent"])],
                     ], required: ["labels"]),
                     response: Schema.object([
                         "stored": Schema.integer,
                         "retraining_job_id": Schema.integer,
                     ], required: ["stored"])),
        APIOperation("GET", "/api/v1/intents/models", "List the classifier versions with their held-out metrics",
                     tag: "Intents", scope: "read",
                     description: """
                         Every stored version, newest first. `metrics` holds the held-out figures (fractions in 0…1): \
                         `score` (right after rejection, out of scope included), `accuracy` and `macro_f1` (in scope, \
                         without rejection), `in_scope_accuracy`, `out_of_scope_recall`, `held_out`, `trained_on`, \
                         `examples`, `cross_validated_accuracy`, `compared_with` and `views`; each only when measured. \
                         `note` says why the version is (not) active.
                         """,
                     response: Schema.object([
                         "models": Schema.array(Schema.object([
                             "id": Schema.integer, "version": Schema.integer,
                             "kind": Schema.enumeration(["zero_shot", "supervised"]),
                             "embedding_model": Schema.string, "intent_ids": Schema.array(Schema.integer),
                             "threshold": Schema.number, "metrics": Schema.anyObject, "active": Schema.boolean,
                             "note": Schema.string, "labels_used": Schema.integer, "created_at": Schema.dateTime,
                         ], required: ["id", "version", "kind", "embedding_model", "intent_ids", "threshold", "metrics",
                                       "active", "note", "labels_used", "created_at"])),
                     ], required: ["models"])),
        APIOperation("POST", "/api/v1/intents/models/train", "Train the intent classifier now", tag: "Intents",
                     scope: "write",
                     description: """
                         Queues an `intent_train` job: a zero-shot model from the examples and, with enough labels, a \
                         supervised one; a version is activated only when it beats the active and zero-shot models on \
                         held-out labels. 409 while a training is queued or running.
                         """,
                     status: 202,
                     response: Schema.object(["job_id": Schema.integer], required: ["job_id"]), errors: [409]),
        APIOperation("GET", "/api/v1/intents/confusion", "Human labels against predictions", tag: "Intents",
                     scope: "read",
                     description: """
                         Counts of labelled conversations by (labelled intent, predicted intent); null is out of scope \
                         (labelled) or unrecognized (predicted). `agreement` is the share where they are equal, null \
                         without labelled predictions. All labels are counted, including those models were trained on.
                         """,
                     response: Schema.object([
                         "intents": Schema.array(Schema.object(["id": Schema.integer, "name": Schema.string],
                                                               required: ["id", "name"])),
                         "cells": Schema.array(Schema.object([
                             "labelled": Schema.nullable(Schema.integer), "predicted": Schema.nullable(Schema.integer),
                             "count": Schema.integer,
                         ], required: ["labelled", "predicted", "count"])),
                         "agreement": Schema.nullable(Schema.number),
                     ], required: ["intents", "cells", "agreement"])),
        APIOperation("GET", "/api/v1/intents/:id", "One intent with its examples and 30-day series", tag: "Intents",
                     scope: "read", response: IntentSchemas.detail),
        APIOperation("PATCH", "/api/v1/intents/:id", "Rename or describe an intent", tag: "Intents", scope: "write",
                     body: Schema.object([
                         "name": Schema.nullable(["type": "string", "minLength": 1, "maxLength": 200]),
                         "description": Schema.nullable(["type": "string", "maxLength": 4_000]),
                     ]),
                     response: IntentSchemas.detail, errors: [409]),
        APIOperation("DELETE", "/api/v1/intents/:id", "Delete an intent with its examples and labels", tag: "Intents",
                     scope: "write", status: 204),
        APIOperation("POST", "/api/v1/intents/:id/examples", "Add examples to an intent", tag: "Intents",
                     scope: "write",
                     description: """
                         `texts` are example utterances (1 to 4000 characters each); `conversations` are external ids \
                         of the project's conversations, whose user request becomes the example (and whose stored \
                         embedding the zero-shot model reuses). Give at least one of either.
                         """,
                     body: Schema.object([
                         "texts": Schema.array(["type": "string", "minLength": 1, "maxLength": 4_000]),
                         "conversations": Schema.array(Schema.string),
                     ]),
                     status: 201,
                     response: Schema.object(["ids": Schema.array(Schema.integer)], required: ["ids"])),
        APIOperation("DELETE", "/api/v1/intents/:id/examples/:example", "Remove an example", tag: "Intents",
                     scope: "write", status: 204),
    ]
}

/// Schemas of the intents API's answers.
enum IntentSchemas {
    /// An item of `GET /api/v1/intents`.
    static let summary = Schema.object([
        "id": Schema.integer, "name": Schema.string, "description": Schema.string,
        "source": Schema.enumeration(["manual", "import", "cluster"]), "cluster_id": Schema.nullable(Schema.integer),
        "examples": Schema.integer, "conversations": Schema.integer, "last_7_days": Schema.integer,
        "share": Schema.number,
    ], required: ["id", "name", "description", "source", "cluster_id", "examples", "conversations", "last_7_days",
                  "share"])

    /// One intent (`IntentStore.detail`).
    static let detail = Schema.object([
        "id": Schema.integer, "name": Schema.string, "description": Schema.string,
        "source": Schema.enumeration(["manual", "import", "cluster"]), "cluster_id": Schema.nullable(Schema.integer),
        "created_at": Schema.dateTime, "updated_at": Schema.dateTime,
        "conversations": Schema.integer, "labels": Schema.integer,
        "examples": Schema.array(Schema.object([
            "id": Schema.integer, "text": Schema.string, "conversation_id": Schema.nullable(Schema.integer),
        ], required: ["id", "text", "conversation_id"])),
        "daily": Schema.array(Schema.object([
            "day": ["type": "string", "format": "date"], "conversations": Schema.integer,
        ], required: ["day", "conversations"])),
    ], required: ["id", "name", "description", "source", "cluster_id", "created_at", "updated_at", "conversations",
                  "labels", "examples", "daily"])
}
