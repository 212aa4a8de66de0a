extension OpenAPIDocument {
    /// The triage routes (`TriageRoutes`, `TriageRoutes+Reviews`) and the audit log they register.
    static let triage: [APIOperation] = [
        APIOperation("GET", "/api/v1/triage/items", "List the triage queue", tag: "Triage", scope: "read",
                     description: "Flagged conversations awaiting review, highest priority first by default. Filters "
                        + "combine with AND; within one, values are comma-separated or repeated and any matches.",
                     query: TriageSchemas.filterParameters + [
                        APIParameter("sort", Schema.enumeration(["priority", "newest", "oldest", "updated"]),
                                     "Order: priority (highest, then oldest; the default), newest, oldest, updated."),
                        APIParameter("count", Schema.enumeration(["true", "false"]), "With true, adds `total`."),
                     ] + APIParameter.page(maximum: 200),
                     response: Schema.object([
                        "items": Schema.array(TriageSchemas.item), "next_cursor": Schema.nullable(Schema.string),
                        "total": Schema.integer,
                     ], required: ["items", "next_cursor"]),
                     errors: [422]),
        APIOperation("PATCH", "/api/v1/triage/items", "Change every item a filter selects", tag: "Triage", scope: "write",
                     description: "The body's action on every item the query string's filter selects (a filter, or "
                        + "`all=true`, is required). Items already in the wanted state are left alone.",
                     query: TriageSchemas.filterParameters + [
                        APIParameter("all", Schema.enumeration(["true"]), "Change every item of the project."),
                     ],
                     body: TriageSchemas.bulkAction, response: TriageSchemas.bulkResult, errors: [422]),
        APIOperation("POST", "/api/v1/triage/bulk", "Change every item a filter selects (filter in the body)",
                     tag: "Triage", scope: "write",
                     body: Schema.object(["filter": TriageSchemas.filterObject, "action": TriageSchemas.bulkAction],
                                         required: ["filter"]),
                     response: TriageSchemas.bulkResult, errors: [422]),
        APIOperation("POST", "/api/v1/triage/next", "Take the next open item", tag: "Triage", scope: "write",
                     description: "Claims the highest-priority, oldest open item the filter allows (unassigned or "
                        + "already yours): it moves to in_review, assigned to the caller. Concurrent callers never get "
                        + "the same item. 204 with no body when nothing is left.",
                     body: Schema.object(["filter": TriageSchemas.filterObject]), bodyRequired: false,
                     response: TriageSchemas.detail, otherResponses: [204: Schema.any], errors: [422]),
        APIOperation("GET", "/api/v1/triage/items/:id", "Get one item in full", tag: "Triage", scope: "read",
                     description: "The conversation's messages, the flags with their spans, comments, the corrected "
                        + "answer, the review (others' votes hidden until the caller voted) and the history.",
                     response: TriageSchemas.detail),
        APIOperation("PATCH", "/api/v1/triage/items/:id", "Change one item", tag: "Triage", scope: "write",
                     description: "Status moves: open → in_review → resolved | dismissed; in_review → open; a closed "
                        + "item → open. Another move is a 409.",
                     body: TriageSchemas.change, response: TriageSchemas.detail, errors: [409]),
        APIOperation("GET", "/api/v1/triage/items/:id/comments", "List an item's comments", tag: "Triage", scope: "read",
                     response: Schema.object(["comments": Schema.array(TriageSchemas.comment)], required: ["comments"])),
        APIOperation("POST", "/api/v1/triage/items/:id/comments", "Comment on an item", tag: "Triage", scope: "write",
                     body: Schema.object(["body": ["type": "string", "minLength": 1, "maxLength": 10_000]],
                                         required: ["body"]),
                     status: 201,
                     response: Schema.object(["id": Schema.integer, "author": Schema.string, "body": Schema.string],
                                             required: ["id", "author", "body"])),
        APIOperation("POST", "/api/v1/triage/items/:id/labels", "Add or remove labels", tag: "Triage", scope: "write",
                     body: Schema.object(["add": TriageSchemas.labels, "remove": TriageSchemas.labels]),
                     response: TriageSchemas.detail),
        APIOperation("GET", "/api/v1/triage/items/:id/ratings", "Get an item's review", tag: "Triage", scope: "read",
                     description: "Others' scores stay hidden until the caller voted or the item is closed.",
                     response: TriageSchemas.review),
        APIOperation("POST", "/api/v1/triage/items/:id/ratings", "Rate an item (vote)", tag: "Triage", scope: "write",
                     description: "1–5 per rubric entry; replaces the caller's earlier scores of those entries.",
                     body: Schema.object(["scores": ["type": "object",
                                                     "additionalProperties": ["type": "integer", "minimum": 1, "maximum": 5]]],
                                         required: ["scores"]),
                     response: TriageSchemas.review),
        APIOperation("GET", "/api/v1/triage/rubric", "Get the rating rubric", tag: "Triage", scope: "read",
                     response: TriageSchemas.rubric),
        APIOperation("PUT", "/api/v1/triage/rubric", "Replace the rating rubric", tag: "Triage", scope: "write",
                     body: TriageSchemas.rubric, response: TriageSchemas.rubric),
        APIOperation("GET", "/api/v1/triage/agreement", "Agreement between reviewers", tag: "Triage", scope: "read",
                     description: "Per rubric entry over the items the filter selects: Cohen's kappa when exactly two "
                        + "reviewers rated every item, else Fleiss' kappa.",
                     query: TriageSchemas.filterParameters,
                     response: Schema.object(["rubrics": ["type": "object", "additionalProperties": Schema.object([
                        "method": Schema.nullable(Schema.enumeration(["cohen", "fleiss"])),
                        "kappa": Schema.nullable(Schema.number), "observed_agreement": Schema.number,
                        "expected_agreement": Schema.number, "items": Schema.integer, "raters": Schema.integer,
                     ], required: ["method", "kappa", "items", "raters"])]], required: ["rubrics"]),
                     errors: [422]),
        APIOperation("GET", "/api/v1/triage/progress", "Progress per assignee", tag: "Triage", scope: "read",
                     response: Schema.object(["assignees": Schema.array(Schema.object([
                        "assignee": Schema.nullable(Schema.string), "open": Schema.integer, "in_review": Schema.integer,
                        "resolved": Schema.integer, "dismissed": Schema.integer, "closed_last_7_days": Schema.integer,
                        "total": Schema.integer, "done": Schema.number, "rated": Schema.integer,
                     ], required: ["assignee", "open", "in_review", "resolved", "dismissed", "closed_last_7_days",
                                   "total", "done", "rated"]))], required: ["assignees"])),
        APIOperation("GET", "/api/v1/audit", "Read the audit log", tag: "Triage", scope: "read",
                     description: "Every change to rules and triage, newest first, with the row before and after.",
                     query: [
                        APIParameter("entity", Schema.string, "rule, triage_item or rubric."),
                        APIParameter("entity_id", Schema.integer, "The changed record's id."),
                        APIParameter("actor", Schema.string, "user:N, api-key:N or system:flags."),
                        APIParameter("action", Schema.string, "e.g. triage.status, triage.bulk, rule.update."),
                     ] + APIParameter.page(maximum: 500, defaultLimit: 100),
                     response: Schema.object([
                        "entries": Schema.array(Schema.object([
                            "id": Schema.integer, "actor": Schema.string, "action": Schema.string, "entity": Schema.string,
                            "entity_id": Schema.nullable(Schema.integer), "before": Schema.any, "after": Schema.any,
                            "created_at": Schema.dateTime,
                        ], required: ["id", "actor", "action", "entity", "entity_id", "created_at"])),
                        "next_cursor": Schema.nullable(Schema.string),
                     ], required: ["entries", "next_cursor"])),
    ]
}

/// The schemas of the triage API.
enum TriageSchemas {
    static let status = Schema.enumeration(["open", "in_review", "resolved", "dismissed"])
    static let severity = Schema.enumeration(["low", "medium", "high", "critical"])
    static let labels = Schema.array(["type": "string", "minLength": 1, "maxLength": 64])
    static let actor: JSONValue = ["description": "A user id, \"user:N\", \"api-key:N\" or \"me\".",
                                   "anyOf": [Schema.integer, Schema.string]]

    /// The filters of `TriageFilter` as query parameters.
    static let filterParameters: [APIParameter] = [
        APIParameter("status", Schema.string, "open, in_review, resolved, dismissed (comma-separated for several)."),
        APIParameter("assignee", Schema.string, "A user id, user:N, api-key:N, me, or none (unassigned)."),
        APIParameter("severity", Schema.string, "The item's worst flag: low, medium, high, critical."),
        APIParameter("rule", Schema.string, "Rule ids: the item has a flag of one of them."),
        APIParameter("detector", Schema.string, "Detector names (pii, refusal, keywords, …)."),
        APIParameter("model", Schema.string, "The conversation's model."),
        APIParameter("prompt_version", Schema.string, "The conversation's prompt version."),
        APIParameter("cluster", Schema.string, "Cluster ids of the conversation."),
        APIParameter("label", Schema.string, "The item has one of these labels."),
        APIParameter("reviewer", Schema.string, "An actor invited to review it."),
        APIParameter("from", ["type": "string", "format": "date"], "First day the item was created (UTC)."),
        APIParameter("to", ["type": "string", "format": "date"], "Last day the item was created (UTC)."),
    ]

    /// The same filters as a JSON object (each a value or a list of values).
    static let filterObject: JSONValue = {
        let value: JSONValue = ["anyOf": [Schema.string, Schema.integer, Schema.array(["anyOf": [Schema.string, Schema.integer]]),
                                          ["type": "null"]]]
        var properties: [String: JSONValue] = [:]
        for field in TriageFilter.fields { properties[field] = value }
        return Schema.object(properties, additional: false)
    }()

    static let bulkAction = Schema.object([
        "status": status, "assignee": Schema.nullable(actor), "add_labels": labels, "remove_labels": labels,
        "resolution": Schema.nullable(["type": "string", "minLength": 1, "maxLength": 2_000]),
    ], additional: false)

    static let bulkResult = Schema.object(["matched": Schema.integer, "updated": Schema.integer],
                                          required: ["matched", "updated"])

    static let change = Schema.object([
        "status": status, "assignee": Schema.nullable(actor), "labels": labels, "add_labels": labels,
        "remove_labels": labels,
        "corrected_answer": Schema.nullable(["type": "string", "minLength": 1, "maxLength": 100_000]),
        "resolution": Schema.nullable(["type": "string", "minLength": 1, "maxLength": 2_000]),
        "required_reviews": ["type": "integer", "minimum": 1, "maximum": 10],
        "reviewers": ["type": "array", "maxItems": 10, "items": actor],
    ], additional: false)

    static let flag = Schema.object([
        "rule_id": Schema.integer, "rule": Schema.string, "severity": Schema.string,
        "detectors": Schema.array(Schema.string), "reason": Schema.string,
    ], required: ["rule_id", "rule", "severity", "detectors", "reason"])

    static let conversation = Schema.object([
        "parley_id": Schema.integer, "id": Schema.string, "model": Schema.nullable(Schema.string),
        "prompt_version": Schema.nullable(Schema.string), "started_at": Schema.dateTime, "preview": Schema.string,
    ], required: ["parley_id", "id", "model", "prompt_version", "started_at", "preview"])

    static let itemProperties: [String: JSONValue] = [
        "id": Schema.integer, "status": status, "priority": ["type": "integer", "minimum": 1, "maximum": 4],
        "severity": severity, "assignee": Schema.nullable(Schema.string), "labels": Schema.array(Schema.string),
        "required_reviews": Schema.integer, "reviewers": Schema.array(Schema.string), "votes": Schema.integer,
        "has_correction": Schema.boolean, "resolution": Schema.nullable(Schema.string),
        "created_at": Schema.dateTime, "updated_at": Schema.dateTime, "last_flagged_at": Schema.dateTime,
        "closed_at": Schema.nullable(Schema.dateTime),
        "conversation": conversation, "flags": Schema.array(flag),
    ]
    static let itemRequired = ["id", "status", "priority", "severity", "assignee", "labels", "required_reviews",
                               "reviewers", "votes", "has_correction", "resolution", "created_at", "updated_at",
                               "last_flagged_at", "closed_at", "conversation", "flags"]

    /// A list entry.
    static let item = Schema.object(itemProperties, required: itemRequired)

    static let comment = Schema.object([
        "id": Schema.integer, "author": Schema.string, "body": Schema.string, "created_at": Schema.dateTime,
    ], required: ["id", "author", "body", "created_at"])

    static let review = Schema.object([
        "required": Schema.integer, "votes": Schema.integer, "you_voted": Schema.boolean, "hidden": Schema.boolean,
        "complete": Schema.boolean,
        "ratings": Schema.array(Schema.object([
            "reviewer": Schema.string, "scores": ["type": "object", "additionalProperties": Schema.integer],
        ], required: ["reviewer", "scores"])),
        "agreement": Schema.nullable(["type": "object", "additionalProperties": Schema.object([
            "ratings": Schema.integer, "mean": Schema.number, "pairwise_agreement": Schema.nullable(Schema.number),
        ], required: ["ratings", "mean", "pairwise_agreement"])]),
    ], required: ["required", "votes", "you_voted", "hidden", "complete", "ratings", "agreement"])

    static let rubric = Schema.object([
        "rubric": ["type": "array", "minItems": 1, "maxItems": 20, "items": Schema.object([
            "key": ["type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"],
            "name": ["type": "string", "minLength": 1, "maxLength": 100],
            "description": ["type": "string", "maxLength": 1_000],
        ], required: ["key", "name"])],
    ], required: ["rubric"])

    /// One item in full: the list entry, the conversation with its messages, flags with spans, and the review.
    static let detail: JSONValue = {
        var properties = itemProperties
        properties["conversation"] = Schema.object([
            "parley_id": Schema.integer, "id": Schema.string, "model": Schema.nullable(Schema.string),
            "prompt_version": Schema.nullable(Schema.string), "started_at": Schema.dateTime, "preview": Schema.string,
            "messages": Schema.array(Schema.anyObject), "metadata": Schema.anyObject,
            "tags": Schema.array(Schema.string),
            "feedback": Schema.object(["thumb": Schema.nullable(Schema.integer), "rating": Schema.nullable(Schema.integer),
                                       "comment": Schema.nullable(Schema.string)]),
        ], required: ["parley_id", "id", "messages", "metadata", "tags", "feedback"])
        properties["flags"] = Schema.array(Schema.object([
            "rule_id": Schema.integer, "rule": Schema.string, "severity": Schema.string,
            "detectors": Schema.array(Schema.string), "reason": Schema.string, "updated_at": Schema.dateTime,
            "spans": Schema.array(Schema.object([
                "message_index": Schema.nullable(Schema.integer), "start": Schema.nullable(Schema.integer),
                "end": Schema.nullable(Schema.integer), "excerpt": Schema.nullable(Schema.string),
                "detector": Schema.string, "kind": Schema.string,
            ])),
        ], required: ["rule_id", "rule", "severity", "detectors", "reason", "spans"]))
        properties["comments"] = Schema.array(comment)
        properties["history"] = Schema.array(Schema.object([
            "id": Schema.integer, "actor": Schema.string, "action": Schema.string, "created_at": Schema.dateTime,
        ], required: ["id", "actor", "action", "created_at"]))
        properties["corrected_answer"] = Schema.nullable(Schema.string)
        properties["review"] = review
        return Schema.object(properties, required: itemRequired + ["comments", "history", "corrected_answer", "review"])
    }()
}
