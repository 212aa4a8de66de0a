import Foundation
import HTTPServer

/// The API of replay sets, their results and pairwise verdicts:
/// - `GET /api/v1/replays`, `POST /api/v1/replays` (`{"name", "cluster_id", "filter": {q, model, prompt, from, to},
///   "limit", "sample"}`, scope `write`): list and create;
/// - `GET /api/v1/replays/{id}`: the set with its labels and win rates;
/// - `GET /api/v1/replays/{id}/inputs.jsonl`: `{"id", "messages"}` per item, messages up to the last user turn;
/// - `POST /api/v1/replays/{id}/results` (JSON or NDJSON, `ReplayResults`): new answers, stored as variants;
/// - `GET`/`POST /api/v1/replays/{id}/verdicts`: pairwise verdicts (`{"id", "label", "winner"}` to record one);
/// - `GET /api/v1/replays/{id}/dpo.jsonl`: verdicts as preference pairs;
/// - `POST /api/v1/replays/{id}/run` (`{"label", "model"}`): answers the inputs with the configured LLM endpoint.
enum ReplayRoutes {
    static func register(on router: inout Router, context: AppContext) {
        let store = ReplayStore(pool: context.pool)
        let review = ReplayReview(pool: context.pool)
        let results = ReplayResults(pool: context.pool)

        /// The set named by the path, in the principal's project.
        @Sendable func replaySet(_ request: Request, _ principal: APIKeyStore.Principal) async throws -> ReplayStore.SetSummary {
            let id = try JSONBody.id(request, notFound: { notFound($0) })
            guard let set = try await store.set(id, projectID: principal.projectID) else { throw notFound(id) }
            return set
        }

        router.get("/api/v1/replays") { request in
            let principal = try await context.principal(request, scope: "read")
            let limit = min(max(request.query.get("limit", as: Int.self) ?? 50, 1), 200)
            var cursor: Int?
            if let text = request.query["cursor"] {
                guard let id = Int(text), id > 0 else {
                    throw Problem(.badRequest, title: "Bad cursor", detail: "Use the next_cursor of the previous page.")
                }
                cursor = id
            }
            let sets = try await store.list(projectID: principal.projectID, before: cursor, limit: limit + 1)
            let page = Array(sets.prefix(limit))
            let rates = try await review.winRates(setIDs: page.map(\.id))
            let reply: JSONValue = .object([
                "replays": .array(try page.map { try described($0, rates: rates[$0.id] ?? []) }),
                "next_cursor": sets.count > limit ? .string(String(page.last?.id ?? 0)) : .null,
            ])
            return try Response.json(reply, encoder: .api)
        }

        router.post("/api/v1/replays") { request in
            let principal = try await context.principal(request, scope: "write")
            let fields = try ReplayStore.Selection.fields(of: try await JSONBody.object(request)).get()
            let selection = try ReplayStore.Selection.parse(fields).get()
            let created: (id: Int, matched: Int)
            do {
                created = try await store.create(projectID: principal.projectID, selection: selection,
                                                 createdBy: principal.actor)
            } catch let error as ReplayStore.ReplayError {
                throw problem(error)
            }
            guard let set = try await store.set(created.id, projectID: principal.projectID) else { throw notFound(created.id) }
            return try Response.json(try described(set, rates: []), status: .created, encoder: .api)
        }

        router.get("/api/v1/replays/:id") { request in
            let principal = try await context.principal(request, scope: "read")
            let set = try await replaySet(request, principal)
            let rates = try await review.winRates(setIDs: [set.id])
            return try Response.json(try described(set, rates: rates[set.id] ?? []), encoder: .api)
        }

        router.get("/api/v1/replays/:id/inputs.jsonl") { request in
            let principal = try await context.principal(request, scope: "read")
            let set = try await replaySet(request, principal)
            return download("replay-\(set.id)-inputs.jsonl") { writer in
                try await store.forEachInputPage(setID: set.id) { try await writer.write($0) }
            }
        }

        router.post("/api/v1/replays/:id/results", bodyLimit: 64 << 20) { request in
            let principal = try await context.principal(request, scope: "write")
            let set = try await replaySet(request, principal)
            let type = request.contentType?.lowercased() ?? ""
            guard ["application/json", "application/x-ndjson", "application/jsonl", "application/jsonlines",
                   "application/x-jsonlines", "text/plain"].contains(where: { type.hasPrefix($0) }) else {
                throw Problem(.unsupportedMediaType, detail: "Send results as application/json or application/x-ndjson.")
            }
            let bytes = try await request.body.collect(upTo: 64 << 20)
            let label = request.query["label"].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
            let parsed = try await offThread { ReplayResults.parse(bytes, label: label) }
            guard parsed.errors.isEmpty else { throw rejected(parsed.errors) }
            do {
                return try Response.json(try await results.store(parsed.entries, setID: set.id), encoder: .api)
            } catch let rejection as ReplayResults.Rejection {
                throw rejected(rejection.errors)
            }
        }

        router.get("/api/v1/replays/:id/verdicts") { request in
            let principal = try await context.principal(request, scope: "read")
            let set = try await replaySet(request, principal)
            let limit = min(max(request.query.get("limit", as: Int.self) ?? 100, 1), 1_000)
            var after = 0
            if let text = request.query["cursor"] {
                guard let id = Int(text), id > 0 else {
                    throw Problem(.badRequest, title: "Bad cursor", detail: "Use the next_cursor of the previous page.")
                }
                after = id
            }
            let verdicts = try await review.verdicts(setID: set.id, after: after, limit: limit + 1)
            let page = Array(verdicts.prefix(limit))
            struct Reply: Encodable {
                var verdicts: [ReplayReview.Verdict]
                var nextCursor: String?
                enum CodingKeys: String, CodingKey { case verdicts, nextCursor = "next_cursor" }
                func encode(to encoder: any Encoder) throws {
                    var container = encoder.container(keyedBy: CodingKeys.self)
                    try container.encode(verdicts, forKey: .verdicts)
                    try container.encode(nextCursor, forKey: .nextCursor)
                }
            }
            return try Response.json(Reply(verdicts: page, nextCursor: verdicts.count > limit ? page.last.map { String($0.id) } : nil),
                                     encoder: .api)
        }

        router.post("/api/v1/replays/:id/verdicts") { request in
            let principal = try await context.principal(request, scope: "write")
            let set = try await replaySet(request, principal)
            let body = try await JSONBody.object(request)
            var errors: [Problem.FieldError] = []
            let key = body["id"]?.stringValue ?? ""
            if key.isEmpty { errors.append(.init(path: "id", message: "the item id (such as rs1-1) is required")) }
            let label = body["label"]?.stringValue ?? ""
            if label.isEmpty { errors.append(.init(path: "label", message: "the variant's label is required")) }
            let winner = body["winner"]?.stringValue ?? ""
            if !["original", "variant", "tie", "skip"].contains(winner) {
                errors.append(.init(path: "winner", message: "must be original, variant, tie or skip"))
            }
            var side = "b"
            if let value = body["variant_side"], value != .null {
                if let text = value.stringValue, ["a", "b"].contains(text) { side = text } else {
                    errors.append(.init(path: "variant_side", message: "must be a (shown first) or b"))
                }
            }
            var reviewer = principal.actor
            if let value = body["reviewer"], value != .null {
                if let text = value.stringValue?.trimmingCharacters(in: .whitespaces), (1...200).contains(text.count) {
                    reviewer = text
                } else {
                    errors.append(.init(path: "reviewer", message: "must be 1 to 200 characters"))
                }
            }
            guard errors.isEmpty else { throw Problem.invalidFields(errors, title: "Invalid verdict") }
            guard let variantID = try await review.variantID(setID: set.id, itemKey: key, label: label) else {
                throw Problem.invalidFields([.init(path: "id", message: "item \(key) has no answer labelled \(label)")],
                                            title: "Invalid verdict")
            }
            // `winner` is what the reviewer meant; the side picked follows from where the variant was shown.
            let choice = winner == "variant" ? side : winner == "original" ? (side == "a" ? "b" : "a") : winner
            try await review.record(setID: set.id, variantID: variantID, reviewer: reviewer, variantSide: side, choice: choice)
            let rates = try await review.winRates(setIDs: [set.id])
            let reply: JSONValue = .object([
                "id": .string(key), "label": .string(label), "reviewer": .string(reviewer), "winner": .string(winner),
                "variant_side": .string(side), "choice": .string(choice),
                "win_rate": try JSONValue(encoding: (rates[set.id] ?? []).first { $0.label == label }),
            ])
            return try Response.json(reply, encoder: .api)
        }

        router.get("/api/v1/replays/:id/dpo.jsonl") { request in
            let principal = try await context.principal(request, scope: "read")
            let set = try await replaySet(request, principal)
            return download("replay-\(set.id)-dpo.jsonl") { writer in
                try await review.forEachPreferencePage(setID: set.id) { try await writer.write($0) }
            }
        }

        router.post("/api/v1/replays/:id/run") { request in
            let principal = try await context.principal(request, scope: "write")
            let set = try await replaySet(request, principal)
            let body = try await JSONBody.object(request)
            let settings = context.configuration.llm
            guard settings.isConfigured else {
                throw Problem(.conflict, title: "No LLM endpoint configured",
                              detail: "Set PARLEY_LLM_URL (and PARLEY_LLM_KEY, PARLEY_LLM_MODEL) to run replays, or post results.")
            }
            let model = body["model"]?.stringValue ?? settings.model
            let label = (body["label"]?.stringValue ?? model).trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...100).contains(label.count), (1...200).contains(model.count) else {
                throw Problem.invalidFields([.init(path: "label", message: "label: 1 to 100 characters; model: 1 to 200")])
            }
            guard let job = try await ReplayRunJob.enqueue(projectID: principal.projectID, setID: set.id, label: label,
                                                           model: model, on: JobQueue(pool: context.pool)) else {
                throw Problem(.conflict, title: "This replay is already running",
                              detail: "A run of set \(set.id) labelled \(label) is queued or running; follow it at /api/v1/jobs.")
            }
            return try Response.json(["job_id": job], status: .accepted)
        }
    }

    /// A set as the API shows it, with its win rates.
    static func described(_ set: ReplayStore.SetSummary, rates: [WinRate]) throws -> JSONValue {
        guard case .object(var object) = try JSONValue(encoding: set) else { return .object([:]) }
        object["win_rates"] = try JSONValue(encoding: rates)
        object["inputs_url"] = .string("/api/v1/replays/\(set.id)/inputs.jsonl")
        object["dpo_url"] = .string("/api/v1/replays/\(set.id)/dpo.jsonl")
        return .object(object)
    }

    static func download(_ filename: String, _ produce: @escaping @Sendable (ResponseBodyWriter) async throws -> Void)
        -> Response
    {
        var response = Response.stream(contentType: "application/x-ndjson", produce)
        response.headers.add(name: "Content-Disposition", value: "attachment; filename=\"\(filename)\"")
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }

    static func notFound(_ id: some CustomStringConvertible) -> Problem {
        Problem(.notFound, title: "Replay set not found", detail: "No replay set \(id) in this project.")
    }

    static func rejected(_ errors: [Problem.FieldError]) -> Problem {
        Problem(.unprocessableContent, title: "Invalid results",
                detail: "\(errors.count) invalid result\(errors.count == 1 ? "" : "s"); nothing was stored. "
                    + "Each line needs id (from the inputs export), label, and output (text) or messages (list).",
                errors: Array(errors.prefix(100)))
    }

    static func problem(_ error: ReplayStore.ReplayError) -> Problem {
        switch error {
        case .clusterNotFound(let id):
            Problem.invalidFields([.init(path: "cluster_id", message: "no active cluster \(id) in this project")],
                                  title: "Invalid replay set")
        case .noConversations:
            Problem(.unprocessableContent, title: "No conversations match",
                    detail: "No conversation matches these filters with a user turn followed by an answer; widen the filters.")
        case .setNotFound:
            notFound("")
        }
    }
}

extension JSONValue {
    /// `value` as the API encodes it.
    init(encoding value: some Encodable) throws {
        self = try JSONParser.parse(Array(try JSONEncoder.api.encode(value)))
    }
}
