import Foundation
import HTTPServer

/// `POST /api/v1/conversations`, `POST /api/v1/conversations/bulk`, feedback, and reading one back.
enum IngestRoutes {
    static func register(on router: inout Router, context: AppContext) {
        router.post("/api/v1/conversations", bodyLimit: 64 << 20) { request in
            try await create(request, context)
        }
        router.post("/api/v1/conversations/bulk", bodyLimit: 4 << 30) { request in
            try await BulkIngest(context: context).handle(request)
        }
        router.post("/api/v1/conversations/:id/feedback", bodyLimit: 64 << 10) { request in
            try await feedback(request, context)
        }
        router.get("/api/v1/conversations/:id") { request in
            try await show(request, context)
        }
        ConversationListRoutes.register(on: &router, context: context)
    }

    /// The response of a batch: one result per conversation, in order, and counts.
    struct BatchResponse: Encodable {
        var results: [IngestOutcome]
        var created = 0, updated = 0, duplicate = 0, conflict = 0

        init(_ results: [IngestOutcome]) {
            self.results = results
            for r in results {
                switch r.status {
                case .created: created += 1
                case .updated: updated += 1
                case .duplicate: duplicate += 1
                case .conflict: conflict += 1
                }
            }
        }
    }

    static func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try await context.principal(request, scope: "ingest")
        try requireJSON(request)
        let document = try await parseBody(request)
        let limits = context.validator.limits
        let isBatch = document["conversations"] != nil
        let values: [JSONValue]
        if isBatch {
            guard let list = document["conversations"]?.arrayValue else {
                throw Problem.unprocessable([.init(path: "conversations", message: "must be an array")])
            }
            guard list.count <= limits.maxConversationsPerRequest else {
                throw Problem.unprocessable([.init(
                    path: "conversations",
                    message: "has \(list.count) conversations; the limit is \(limits.maxConversationsPerRequest)")])
            }
            guard !list.isEmpty else {
                throw Problem.unprocessable([.init(path: "conversations", message: "must not be empty")])
            }
            values = list
        } else {
            values = [document]
        }
        // All or nothing: every problem of every conversation is reported and nothing is stored.
        var inputs: [ConversationStore.Item] = []
        var errors: [Problem.FieldError] = []
        let now = Date()
        for (i, value) in values.enumerated() {
            switch context.validator.validate(value, path: isBatch ? "conversations[\(i)]" : "", now: now) {
            case .success(let input): inputs.append(.init(projectID: principal.projectID, input: input))
            case .failure(let e): errors += e.items
            }
        }
        guard errors.isEmpty else { throw Problem.unprocessable(errors) }
        let outcomes = try await context.batcher.submit(inputs)
        if isBatch { return try Response.json(BatchResponse(outcomes), status: .ok) }
        let outcome = outcomes[0]
        switch outcome.status {
        case .conflict:
            throw Problem(.conflict, title: "Conflicting conversation",
                          detail: "A conversation with id \"\(outcome.externalID)\" exists with different messages; "
                              + "only a payload that extends the stored messages may replace it.")
        case .created:
            return try Response.json(outcome, status: .created)
        case .updated, .duplicate:
            return try Response.json(outcome, status: .ok)
        }
    }

    static func requireJSON(_ request: Request) throws {
        let type = request.contentType?.lowercased() ?? ""
        guard type.hasPrefix("application/json") || type.hasPrefix("application/") && type.contains("+json") else {
            throw Problem(.unsupportedMediaType, detail: "Send the body as application/json.")
        }
    }

    static func parseBody(_ request: Request) async throws -> JSONValue {
        let bytes = try await request.body.collect()
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw Problem(.badRequest, title: "Malformed JSON", detail: error.description)
        }
    }
}

extension Problem {
    /// 422 with field errors: the JSON is well formed but does not describe valid conversations.
    static func unprocessable(_ errors: [FieldError]) -> Problem {
        Problem(.unprocessableContent, title: "Invalid conversation",
                detail: "\(errors.count) problem\(errors.count == 1 ? "" : "s") found; nothing was stored.",
                errors: Array(errors.prefix(1_000)))
    }
}
