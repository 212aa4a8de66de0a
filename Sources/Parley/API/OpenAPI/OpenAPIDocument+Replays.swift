extension OpenAPIDocument {
    /// The replays routes: replay sets, their inputs and results, pairwise verdicts and the DPO export.
    static let replays: [APIOperation] = {
        let tag = "Replays"
        let winRate = Schema.object([
            "label": Schema.string, "variants": Schema.integer, "wins": Schema.integer, "losses": Schema.integer,
            "ties": Schema.integer, "win_rate": Schema.nullable(Schema.number), "ci_low": Schema.nullable(Schema.number),
            "ci_high": Schema.nullable(Schema.number),
        ], required: ["label", "variants", "wins", "losses", "ties"])
        let replaySet = Schema.object([
            "id": Schema.id, "name": Schema.string, "description": Schema.string, "created_by": Schema.string,
            "created_at": Schema.dateTime, "size": Schema.integer,
            "source": Schema.object([
                "filter": Schema.anyObject, "cluster": Schema.nullable(Schema.anyObject), "limit": Schema.integer,
                "sample": Schema.boolean, "matched": Schema.integer,
            ]),
            "labels": Schema.array(Schema.string), "variants": Schema.integer, "verdicts": Schema.integer,
            "win_rates": Schema.array(winRate), "inputs_url": Schema.string, "dpo_url": Schema.string,
        ], required: ["id", "name", "size", "labels", "variants", "verdicts", "win_rates"])
        let verdict = Schema.object([
            "id": Schema.id, "item_id": Schema.string, "label": Schema.string, "reviewer": Schema.string,
            "variant_side": Schema.enumeration(["a", "b"]), "choice": Schema.enumeration(["a", "b", "tie", "skip"]),
            "winner": Schema.enumeration(["original", "variant", "tie", "skip"]), "created_at": Schema.dateTime,
        ], required: ["id", "item_id", "label", "reviewer", "variant_side", "choice", "winner"])
        let filter = Schema.object([
            "q": ["type": "string", "description": "Full-text search (web search syntax)."],
            "model": Schema.string, "prompt": ["type": "string", "description": "Prompt version."],
            "feedback": Schema.enumeration(["", "up", "down", "rated", "comment"]),
            "from": ["type": "string", "format": "date", "description": "First day (UTC)."],
            "to": ["type": "string", "format": "date", "description": "Last day (UTC), inclusive."],
        ])
        let message = Schema.object(["role": Schema.string, "content": Schema.any], required: ["role"])
        let result = Schema.object([
            "id": ["type": "string", "description": "The item id from the inputs export, such as rs1-1."],
            "label": ["type": "string", "description": "The model or prompt that answered; the `label` query parameter applies to results without one."],
            "output": ["type": "string", "description": "The answer as text."],
            "messages": ["type": "array", "items": message, "description": "The answer as messages (instead of output)."],
            "model": Schema.string, "prompt_version": Schema.string, "metadata": Schema.anyObject,
        ], required: ["id"])
        let ndjson = ["type": "string", "description": "One JSON object per line."] as JSONValue
        return [
            APIOperation("GET", "/api/v1/replays", "List replay sets", tag: tag, scope: "read",
                         description: "Newest first, with their win rates.", query: APIParameter.page(maximum: 200),
                         response: Schema.object(["replays": Schema.array(replaySet),
                                                  "next_cursor": Schema.nullable(Schema.string)],
                                                 required: ["replays", "next_cursor"])),
            APIOperation("POST", "/api/v1/replays", "Create a replay set", tag: tag, scope: "write",
                         description: """
                             Freezes conversations that match the filters (and belong to `cluster_id`, a cluster or group, \
                             if given) as a replay set: their messages up to the last user turn are the inputs, what followed \
                             the original answer. Only conversations with a user turn followed by an assistant answer are \
                             taken: the newest `limit` (default 200, at most 10,000), or a random sample with `sample`.
                             """,
                         body: Schema.object([
                             "name": ["type": "string", "maxLength": 200, "description": "Empty for a name from the selection."],
                             "description": Schema.string,
                             "cluster_id": Schema.nullable(Schema.id),
                             "filter": filter,
                             "limit": ["type": "integer", "minimum": 1, "maximum": 10_000, "default": 200],
                             "sample": Schema.boolean,
                         ]),
                         status: 201, response: replaySet, errors: [422]),
            APIOperation("GET", "/api/v1/replays/:id", "A replay set with its win rates", tag: tag, scope: "read",
                         description: """
                             Win rate per variant label = wins / (wins + losses) over verdicts against the original answers, \
                             with a 95 % Wilson score interval; ties are counted separately and left out of the rate.
                             """,
                         response: replaySet),
            APIOperation("GET", "/api/v1/replays/:id/inputs.jsonl", "Export the inputs", tag: tag, scope: "read",
                         description: """
                             One line per item: `{"id": "rs<set>-<n>", "messages": […]}` in OpenAI's chat format, the \
                             messages up to and including the last user turn. Ids are stable: send them back with the results.
                             """,
                         responseType: "application/x-ndjson", response: ndjson),
            APIOperation("POST", "/api/v1/replays/:id/results", "Send new answers to the inputs", tag: tag, scope: "write",
                         description: """
                             A JSON object (one result, or `{"label", "results": […]}`), a JSON array, or NDJSON lines, each \
                             `{"id", "label", "output": "text"}` or with `messages` instead of `output`. Stored as variants \
                             of the items, one per item and label; all or nothing (a 422 lists every invalid line). Sending \
                             the same results again changes nothing; a changed answer replaces the old one and drops its verdicts.
                             """,
                         query: [APIParameter("label", Schema.string, "The label of results that have none.")],
                         body: ["oneOf": [result, Schema.array(result),
                                          Schema.object(["label": Schema.string, "results": Schema.array(result)],
                                                        required: ["results"])]],
                         response: Schema.object([
                             "received": Schema.integer, "created": Schema.integer, "updated": Schema.integer,
                             "unchanged": Schema.integer, "verdicts_reset": Schema.integer,
                         ], required: ["received", "created", "updated", "unchanged", "verdicts_reset"]),
                         errors: [422]),
            APIOperation("GET", "/api/v1/replays/:id/verdicts", "List pairwise verdicts", tag: tag, scope: "read",
                         description: "Oldest first. `variant_side` is where the variant was shown (a = first), `choice` the side picked.",
                         query: APIParameter.page(maximum: 1_000, defaultLimit: 100),
                         response: Schema.object(["verdicts": Schema.array(verdict),
                                                  "next_cursor": Schema.nullable(Schema.string)],
                                                 required: ["verdicts", "next_cursor"])),
            APIOperation("POST", "/api/v1/replays/:id/verdicts", "Record a pairwise verdict", tag: tag, scope: "write",
                         description: """
                             For review outside the dashboard: which answer won for item `id` between the original and the \
                             variant labelled `label`. One verdict per reviewer and comparison; sending again replaces it. \
                             `reviewer` defaults to the API key.
                             """,
                         body: Schema.object([
                             "id": Schema.string, "label": Schema.string,
                             "winner": Schema.enumeration(["original", "variant", "tie", "skip"]),
                             "variant_side": Schema.enumeration(["a", "b"]), "reviewer": Schema.string,
                         ], required: ["id", "label", "winner"]),
                         response: Schema.object([
                             "id": Schema.string, "label": Schema.string, "reviewer": Schema.string,
                             "winner": Schema.string, "variant_side": Schema.string, "choice": Schema.string,
                             "win_rate": Schema.nullable(winRate),
                         ], required: ["id", "label", "winner"])),
            APIOperation("GET", "/api/v1/replays/:id/dpo.jsonl", "Export verdicts as DPO pairs", tag: tag, scope: "read",
                         description: """
                             One line per comparison its verdicts decide (majority of non-tie verdicts; ties and even splits \
                             give none): `{"prompt", "chosen", "rejected"}` in TRL's conversational format, with `id`, \
                             `label`, `chosen_side` and `votes`.
                             """,
                         responseType: "application/x-ndjson", response: ndjson),
            APIOperation("POST", "/api/v1/replays/:id/run", "Run the replay with the configured LLM", tag: tag, scope: "write",
                         description: """
                             Queues a `replay_run` job that sends every input without an answer labelled `label` to the \
                             OpenAI-compatible endpoint of `PARLEY_LLM_URL` and stores the answers. 409 when no endpoint is \
                             configured or the same run is under way.
                             """,
                         body: Schema.object(["label": Schema.string, "model": Schema.string]), bodyRequired: false,
                         status: 202, response: Schema.object(["job_id": Schema.id], required: ["job_id"]), errors: [409]),
        ]
    }()
}
