extension OpenAPIDocument {
    /// A condition tree of a rule (see `FlagCondition`): `{"all"|"any": [...]}`, `{"not": ...}` or a leaf with a
    /// `type`. Described loosely: the server validates it and answers 422 with the exact path of each problem.
    static let ruleCondition: JSONValue = [
        "type": "object",
        "description": """
            When the rule fires. Compose with `{"all": [c, …]}`, `{"any": [c, …]}`, `{"not": c}`; leaves have a \
            `type`: `keywords` (`words`, `role`, `case_sensitive`, `whole_word`), `regex` (`pattern`, `role`, \
            `ignore_case`), `metadata` (`path`, `op`, `value`), `model` / `prompt_version` (`in`), `feedback` \
            (`thumb`: up, down, none), `rating` (`op`, `value`), `intent` (`in` or `unrecognized`), `cluster` (`in`), \
            `outlier` (`min_distance`), `detector` (`name`, `role`, `kinds`, `threshold`; see /api/v1/detectors).
            """,
        "examples": [["type": "keywords", "words": ["refund", "chargeback"], "role": "user"]],
    ]

    /// A stored rule as every rules route returns it.
    static let ruleSchema: JSONValue = Schema.object([
        "id": Schema.integer,
        "name": Schema.string,
        "description": Schema.string,
        "severity": Schema.enumeration(["low", "medium", "high", "critical"]),
        "enabled": Schema.boolean,
        "condition": ruleCondition,
        "phase": ["type": "string", "enum": ["ingest", "embedded"],
                  "description": "`ingest`: checked when a conversation is stored; `embedded`: after its embedding."],
        "version": Schema.integer,
        "created_by": ["type": "string", "description": "`user:<id>` or `api-key:<id>`."],
        "created_at": Schema.dateTime,
        "updated_at": Schema.dateTime,
        "flags": ["type": "integer", "description": "Conversations this rule currently flags."],
    ], required: ["id", "name", "description", "severity", "enabled", "condition", "phase", "version", "created_at",
                  "updated_at", "flags"])

    /// A rule with the job that re-evaluates it over the project (null when none was queued).
    static var ruleWithJob: JSONValue {
        guard case .object(var schema) = ruleSchema, case .object(var properties)? = schema["properties"],
              case .array(var required)? = schema["required"] else { return ruleSchema }
        properties["job_id"] = Schema.nullable(Schema.integer)
        required.append("job_id")
        schema["properties"] = .object(properties)
        schema["required"] = .array(required)
        return .object(schema)
    }

    /// The body of a new rule, a dry-run or (all fields optional) a change.
    static func ruleBody(required: [String]) -> JSONValue {
        Schema.object([
            "name": ["type": "string", "minLength": 1, "maxLength": 200],
            "description": ["type": "string", "maxLength": 2000],
            "severity": Schema.enumeration(["low", "medium", "high", "critical"]),
            "enabled": Schema.boolean,
            "condition": ruleCondition,
        ], required: required, additional: false)
    }

    /// The rules routes.
    static let rules: [APIOperation] = [
        APIOperation(
            "GET", "/api/v1/rules", "List flag rules", tag: "Rules", scope: "read",
            description: "Every flag rule of the key's project, by id, with how many conversations each flags.",
            response: Schema.object(["rules": Schema.array(ruleSchema)], required: ["rules"])),
        APIOperation(
            "POST", "/api/v1/rules", "Create a flag rule", tag: "Rules", scope: "write",
            description: """
                Stores the rule (recorded in the audit log) and queues a job that evaluates it on every conversation \
                of the project (`job_id`). Regular expressions are checked for catastrophic backtracking first.
                """,
            body: ruleBody(required: ["name", "condition"]), status: 201, response: ruleWithJob),
        APIOperation(
            "POST", "/api/v1/rules/dry-run", "Try a rule without saving it", tag: "Rules", scope: "read",
            description: """
                Evaluates a rule body on the project's most recent conversations (10,000, or `limit`) and answers how \
                many it would flag, with up to 20 of the newest matches and their evidence. Nothing is stored. \
                `name` is optional here.
                """,
            query: [APIParameter("limit", ["type": "integer", "minimum": 1, "maximum": 10_000, "default": 10_000],
                                 "How many of the most recent conversations to evaluate.")],
            body: ruleBody(required: ["condition"]),
            response: Schema.object([
                "evaluated": Schema.integer,
                "matched": Schema.integer,
                "rate": Schema.number,
                "regex_timeouts": Schema.integer,
                "phase": Schema.enumeration(["ingest", "embedded"]),
                "seconds": Schema.number,
                "examples": Schema.array(Schema.object([
                    "parley_id": Schema.integer,
                    "id": Schema.nullable(Schema.string),
                    "started_at": Schema.nullable(Schema.dateTime),
                    "severity": Schema.enumeration(["low", "medium", "high", "critical"]),
                    "detectors": Schema.array(Schema.string),
                    "reason": Schema.string,
                    "spans": Schema.array(Schema.object([
                        "detector": Schema.string,
                        "kind": Schema.string,
                        "message_index": Schema.nullable(Schema.integer),
                        "start": Schema.nullable(Schema.integer),
                        "end": Schema.nullable(Schema.integer),
                        "excerpt": Schema.nullable(Schema.string),
                    ])),
                ], required: ["parley_id", "severity", "detectors", "reason", "spans"])),
            ], required: ["evaluated", "matched", "rate", "regex_timeouts", "phase", "seconds", "examples"])),
        APIOperation(
            "GET", "/api/v1/rules/:id", "Get a flag rule", tag: "Rules", scope: "read", response: ruleSchema),
        APIOperation(
            "PATCH", "/api/v1/rules/:id", "Change a flag rule", tag: "Rules", scope: "write",
            description: "Changes the given fields; a real change bumps `version` and queues a re-evaluation (`job_id`).",
            body: ruleBody(required: []), response: ruleWithJob),
        APIOperation(
            "DELETE", "/api/v1/rules/:id", "Delete a flag rule", tag: "Rules", scope: "write",
            description: "Deletes the rule and its flags; triage items stay, their priority recomputed.", status: 204),
        APIOperation(
            "GET", "/api/v1/detectors", "List the built-in detectors", tag: "Rules", scope: "read",
            description: "The detectors a `detector` condition can name: text detectors with their kinds, and "
                + "embedding detectors with their default threshold.",
            response: Schema.object([
                "detectors": Schema.array(Schema.object([
                    "name": Schema.string,
                    "input": Schema.enumeration(["text", "embedding"]),
                    "kinds": Schema.array(Schema.string),
                    "default_roles": Schema.nullable(Schema.array(Schema.string)),
                    "default_threshold": Schema.number,
                ], required: ["name", "input"])),
            ], required: ["detectors"])),
    ]
}
