extension OpenAPIDocument {
    /// Browsing conversations (`ConversationListRoutes`, `SimilarRoutes`).
    static let conversations: [APIOperation] = [
        APIOperation("GET", "/api/v1/conversations", "List conversations with filters", tag: "Conversations",
                     scope: "read",
                     description: """
                         Newest first (by `started_at`, then id), keyset-paginated: pass `next_cursor` as `cursor` \
                         for the next page; it is null on the last page. The filters are those of the dashboard's \
                         conversation list and combine with AND. An invalid parameter is answered 400 with one \
                         field error per parameter.
                         """,
                     query: [
                         APIParameter("q", Schema.string, "Full-text search of the messages (words, \"phrases\", -excluded, or)."),
                         APIParameter("model", Schema.string, "The model, exactly."),
                         APIParameter("prompt", Schema.string, "The prompt version, exactly."),
                         APIParameter("feedback", Schema.enumeration(["up", "down", "rated", "comment"]),
                                      "Thumbs up, thumbs down, any thumb or rating, or a non-empty comment."),
                         APIParameter("from", ["type": "string", "format": "date"], "First day (UTC), yyyy-mm-dd."),
                         APIParameter("to", ["type": "string", "format": "date"], "Last day (UTC, inclusive), yyyy-mm-dd."),
                         APIParameter("intent", ["type": "string", "pattern": "^([1-9][0-9]*|none)$"],
                                      "The intent id predicted by the active intent model, or `none` for unrecognized."),
                         APIParameter("cluster", ["type": "string", "pattern": "^[1-9][0-9]*$"],
                                      "A cluster id of the latest run; a group's id means every cluster below it."),
                         APIParameter("flag", ["type": "string",
                                               "pattern": "^(any|open|severity:(low|medium|high|critical)|rule:[1-9][0-9]*|detector:.+)$"],
                                      """
                                      `any` (flagged), `open` (an open or in-review triage item), \
                                      `severity:<low|medium|high|critical>` (a flag of that severity), `rule:<id>` or \
                                      `detector:<name>` (a flag with that detector's evidence, e.g. `pii`).
                                      """),
                         APIParameter("meta", ["type": "string", "pattern": "^[^=]+=.*$"],
                                      """
                                      `key=value` on the metadata: the value matches as a string, and also as a \
                                      number, boolean or null when it reads as one; a dotted key (`customer.tier`) \
                                      also reaches into nested objects.
                                      """),
                     ] + APIParameter.page(maximum: ConversationListRoutes.maximumLimit,
                                           defaultLimit: ConversationListRoutes.defaultLimit),
                     response: Schema.object([
                         "conversations": Schema.array(Schema.ref("ConversationSummary")),
                         "next_cursor": Schema.nullable(Schema.string),
                     ], required: ["conversations", "next_cursor"])),
        APIOperation("GET", "/api/v1/conversations/:id/similar", "Nearest conversations by meaning",
                     tag: "Conversations", scope: "read",
                     description: """
                         `id` is your conversation id. The `k` nearest conversations by cosine similarity of their \
                         embeddings (exact search). 409 with `Retry-After` while the conversation is not embedded yet.
                         """,
                     query: [APIParameter("k", ["type": "integer", "minimum": 1, "maximum": 100, "default": 10],
                                          "How many neighbours (clamped to 1…100).")],
                     stringPathParameters: ["id"],
                     response: Schema.object([
                         "similar": Schema.array(Schema.object([
                             "id": Schema.string, "parley_id": Schema.id, "score": Schema.number,
                             "preview": Schema.string,
                         ], required: ["id", "parley_id", "score", "preview"])),
                     ], required: ["similar"]),
                     errors: [409]),
    ]
}
