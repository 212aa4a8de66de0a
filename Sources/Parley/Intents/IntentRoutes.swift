import Foundation
import HTTPServer
import Postgres

/// The intents API (taxonomy):
/// - `GET /api/v1/intents`, `POST /api/v1/intents` (`{"name", "description"}`);
/// - `GET/PATCH/DELETE /api/v1/intents/{id}`;
/// - `POST /api/v1/intents/{id}/examples` (`{"texts": [...], "conversations": [external ids]}`),
///   `DELETE /api/v1/intents/{id}/examples/{exampleId}`;
/// - `POST /api/v1/intents/import` (CSV `text,label` with a header, or JSONL `{"text","label"}`);
/// - `POST /api/v1/intents/from-cluster` (`{"cluster_id": N, "name": optional}`).
/// Labels, models and the confusion view are in `IntentRoutes+Models.swift`. Edits need scope `write`.
enum IntentRoutes {
    static func register(on router: inout Router, context: AppContext) {
        let store = IntentStore(pool: context.pool)
        registerModels(on: &router, context: context, store: store)
        router.get("/api/v1/intents") { request in
            let principal = try await context.principal(request, scope: "read")
            return json(try await store.list(projectID: principal.projectID))
        }
        router.post("/api/v1/intents") { request in
            let principal = try await context.principal(request, scope: "write")
            let document = try await JSONBody.object(request)
            var errors: [Problem.FieldError] = []
            let name = field(document, "name", required: true, limit: 200, errors: &errors)
            let description = field(document, "description", required: false, limit: 4_000, errors: &errors)
            guard errors.isEmpty, let name else { throw Problem.unprocessable(errors) }
            let id = try await run {
                try await store.create(projectID: principal.projectID, name: name, description: description ?? "")
            }
            return try await show(id, principal.projectID, store, status: .created)
        }
        router.post("/api/v1/intents/import") { request in
            let principal = try await context.principal(request, scope: "write")
            let bytes = try await request.body.collect()
            let report = try await IntentImport(store: store).run(projectID: principal.projectID, bytes: bytes,
                                                                  contentType: request.contentType ?? "")
            return try Response.json(report, encoder: .api)
        }
        router.post("/api/v1/intents/from-cluster") { request in
            let principal = try await context.principal(request, scope: "write")
            let document = try await JSONBody.object(request)
            var errors: [Problem.FieldError] = []
            guard let clusterID = document["cluster_id"]?.intValue else {
                throw Problem.unprocessable([.init(path: "cluster_id", message: "must be a cluster id")])
            }
            let name = field(document, "name", required: false, limit: 200, errors: &errors)
            guard errors.isEmpty else { throw Problem.unprocessable(errors) }
            let id = try await promote(projectID: principal.projectID, clusterID: clusterID, name: name,
                                       store: store, pool: context.pool)
            return try await show(id, principal.projectID, store, status: .created)
        }
        router.get("/api/v1/intents/:id") { request in
            let principal = try await context.principal(request, scope: "read")
            return try await show(try intentID(request), principal.projectID, store)
        }
        router.patch("/api/v1/intents/:id") { request in
            let principal = try await context.principal(request, scope: "write")
            let id = try intentID(request)
            let document = try await JSONBody.object(request)
            var errors: [Problem.FieldError] = []
            let name = field(document, "name", required: false, limit: 200, errors: &errors)
            let description = field(document, "description", required: false, limit: 4_000, errors: &errors)
            guard errors.isEmpty else { throw Problem.unprocessable(errors) }
            try await run {
                try await store.update(projectID: principal.projectID, intentID: id, name: name, description: description)
            }
            return try await show(id, principal.projectID, store)
        }
        router.delete("/api/v1/intents/:id") { request in
            let principal = try await context.principal(request, scope: "write")
            let id = try intentID(request)
            guard try await store.delete(projectID: principal.projectID, intentID: id) else { throw notFound(id) }
            return Response(status: .noContent)
        }
        router.post("/api/v1/intents/:id/examples") { request in
            let principal = try await context.principal(request, scope: "write")
            let id = try intentID(request)
            guard try await store.exists(projectID: principal.projectID, intentID: id) else { throw notFound(id) }
            let document = try await JSONBody.object(request)
            var errors: [Problem.FieldError] = []
            var texts: [String] = [], conversations: [Int?] = []
            for (i, value) in (document["texts"]?.arrayValue ?? []).enumerated() {
                let text = value.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                if text.isEmpty || text.count > 4_000 {
                    errors.append(.init(path: "texts[\(i)]", message: "must be a string of 1 to 4000 characters"))
                } else {
                    texts.append(text)
                    conversations.append(nil)
                }
            }
            for (i, value) in (document["conversations"]?.arrayValue ?? []).enumerated() {
                guard let external = value.stringValue,
                      let row = try await context.pool.query("""
                          SELECT id, messages::text FROM conversations
                          WHERE project_id = \(principal.projectID) AND external_id = \(external)
                          """).first else {
                    errors.append(.init(path: "conversations[\(i)]", message: "no such conversation in this project"))
                    continue
                }
                let (conversation, messages) = try row.decode((Int, String).self)
                let text = EmbeddingText.of(messages: (try? JSONParser.parse(messages))?.arrayValue ?? [])
                texts.append(text.prefix(scalars: 4_000).isEmpty ? "(empty)" : text.prefix(scalars: 4_000))
                conversations.append(conversation)
            }
            if texts.isEmpty && errors.isEmpty {
                errors.append(.init(path: "texts", message: "give at least one text or conversation"))
            }
            guard errors.isEmpty else { throw Problem.unprocessable(errors) }
            let ids = try await store.addExamples(projectID: principal.projectID, intentID: id, texts: texts,
                                                  conversations: conversations)
            return try Response.json(["ids": ids], status: .created)
        }
        router.delete("/api/v1/intents/:id/examples/:example") { request in
            let principal = try await context.principal(request, scope: "write")
            let id = try intentID(request)
            let example = Int(try request.parameter("example", as: String.self)) ?? 0
            guard try await store.deleteExample(projectID: principal.projectID, intentID: id, exampleID: example) else {
                throw Problem(.notFound, title: "Example not found", detail: "Intent \(id) has no example \(example).")
            }
            return Response(status: .noContent)
        }
    }

    /// Creates an intent from a cluster: its representative conversations become the examples.
    static func promote(projectID: Int, clusterID: Int, name: String?, store: IntentStore, pool: PostgresPool)
        async throws -> Int
    {
        guard let row = try await pool.query("""
            SELECT coalesce(custom_name, nullif(llm_name, ''), nullif(auto_name, ''), 'Cluster ' || id), representatives
            FROM clusters
            WHERE project_id = \(projectID) AND id = \(clusterID) AND status = 'active'
            """).first else {
            throw Problem(.notFound, title: "Cluster not found", detail: "No active cluster \(clusterID) in this project.")
        }
        let (clusterName, representatives) = try row.decode((String, [Int]).self)
        var ids = representatives
        if ids.isEmpty {
            ids = try await pool.query("""
                SELECT conversation_id FROM cluster_members WHERE cluster_id = \(clusterID)
                ORDER BY similarity DESC LIMIT 10
                """).map { try $0.decode(0, as: Int.self) }
        }
        var texts: [String] = [], conversations: [Int?] = []
        for row in try await pool.query("""
            SELECT id, messages::text FROM conversations WHERE project_id = \(projectID) AND id = ANY(\(ids)) ORDER BY id
            """) {
            let (id, messages) = try row.decode((Int, String).self)
            let text = EmbeddingText.of(messages: (try? JSONParser.parse(messages))?.arrayValue ?? []).prefix(scalars: 4_000)
            guard !text.isEmpty else { continue }
            texts.append(text)
            conversations.append(id)
        }
        return try await run {
            try await pool.withTransaction { connection in
                let id = try await store.create(projectID: projectID, name: name ?? clusterName.prefix(scalars: 200),
                                                description: "", source: "cluster", clusterID: clusterID,
                                                connection: connection)
                _ = try await store.addExamples(projectID: projectID, intentID: id, texts: texts,
                                                conversations: conversations, connection: connection)
                return id
            }
        }
    }

    static func intentID(_ request: Request) throws -> Int {
        let text = try request.parameter("id", as: String.self)
        guard let id = Int(text), id > 0 else { throw notFound(text) }
        return id
    }

    static func notFound(_ id: some CustomStringConvertible) -> Problem {
        Problem(.notFound, title: "Intent not found", detail: "No intent \(id) in this project.")
    }

    static func json(_ text: String, status: HTTPStatus = .ok) -> Response {
        Response(status: status, headers: ["Content-Type": "application/json"], body: .bytes(Array(text.utf8)))
    }

    private static func show(_ id: Int, _ projectID: Int, _ store: IntentStore, status: HTTPStatus = .ok)
        async throws -> Response
    {
        guard let detail = try await store.detail(projectID: projectID, intentID: id) else { throw notFound(id) }
        return json(detail, status: status)
    }

    /// A trimmed string field of 1…`limit` characters; nil when absent (an error when `required`).
    static func field(_ document: [String: JSONValue], _ name: String, required: Bool, limit: Int,
                      errors: inout [Problem.FieldError]) -> String? {
        guard let value = document[name], value != .null else {
            if required { errors.append(.init(path: name, message: "is required")) }
            return nil
        }
        guard let text = value.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines),
              (name == "description" || !text.isEmpty), text.unicodeScalars.count <= limit else {
            errors.append(.init(path: name, message: "must be a string of \(name == "description" ? 0 : 1) to \(limit) characters"))
            return nil
        }
        return text
    }

    /// Runs an edit, turning its errors into problems.
    @discardableResult
    static func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as IntentStore.EditError {
            switch error {
            case .notFound(let id): throw notFound(id)
            case .duplicateName(let name):
                throw Problem(.conflict, title: "Intent exists", detail: "An intent named \"\(name)\" already exists.")
            }
        }
    }
}
