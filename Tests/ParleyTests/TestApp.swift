import Foundation
import HTTPServer
import Parley
import Postgres
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The whole service on a fresh database and an ephemeral port, with a project and an API key.
struct TestApp {
    let database: TestPostgres.Database
    let context: AppContext
    let server: HTTPServer
    let baseURL: String
    let projectID: Int
    let apiKey: String

    static func start(configure: (inout Configuration) -> Void = { _ in }) async throws -> TestApp {
        let db = try await TestPostgres.freshDatabase()
        var configuration = Configuration()
        configure(&configuration)
        let database = Database(pool: db.pool, conninfo: db.conninfo, logger: TestPostgres.logger)
        let context = AppContext(configuration: configuration, database: database, logger: TestPostgres.logger)
        let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
                                router: ParleyService.makeRouter(context: context), logger: TestPostgres.logger)
        let port = try server.start()
        let project = try await ProjectStore(pool: db.pool).ensure(slug: "test")
        let key = try await context.apiKeys.create(projectID: project).key
        return TestApp(database: db, context: context, server: server, baseURL: "http://127.0.0.1:\(port)",
                       projectID: project, apiKey: key)
    }

    func stop() async { await server.shutdown(deadline: .seconds(2)) }

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Sends a request with the app's API key unless `key` says otherwise.
    func send(_ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json",
              key: String? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        let bearer = key ?? apiKey
        if !bearer.isEmpty { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
        return Reply(status: http.statusCode, headers: fields, body: data)
    }

    func post(_ path: String, json: Any, key: String? = nil) async throws -> Reply {
        try await send("POST", path, body: try JSONSerialization.data(withJSONObject: json), key: key)
    }

    /// Runs a worker (every job kind) until job `id` has finished, then until no job whose kind matches the LIKE
    /// pattern `thenIdle` is queued or running (follow-up jobs); returns the job's status and error.
    func finish(job id: Int, thenIdle pattern: String? = nil) async throws -> (status: String, error: String) {
        let worker = ParleyService.makeWorker(context: context)
        let running = Task { try await worker.run() }
        var status = ""
        for _ in 0..<1_200 {
            status = try await database.pool.query("SELECT status FROM jobs WHERE id = \(id)").first!
                .decode(0, as: String.self)
            if ["succeeded", "dead", "cancelled"].contains(status) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        if let pattern {
            for _ in 0..<600 {
                let pending = try await count("""
                    SELECT count(*) FROM jobs WHERE kind LIKE \(pattern) AND status IN ('queued', 'running')
                    """)
                if pending == 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        await worker.stop()
        _ = await running.result
        let error = try await database.pool.query("SELECT coalesce(error, '') FROM jobs WHERE id = \(id)").first!
            .decode(0, as: String.self)
        return (status, error)
    }

    func count(_ sql: PostgresQuery = "SELECT count(*) FROM conversations") async throws -> Int {
        try await database.pool.query(sql).first?.decode(0, as: Int.self) ?? -1
    }
}

/// A realistic conversation in the API shape.
func sampleConversation(id: String, turns: Int = 2, model: String = "gpt-4o") -> [String: Any] {
    var messages: [[String: Any]] = [["role": "system", "content": "You are a helpful banking assistant."]]
    for i in 0..<turns {
        messages.append(["role": "user", "content": "Question \(i): my card was declined at a shop, why? ümlaut 🎉"])
        messages.append(["role": "assistant", "content": "Answer \(i): cards are declined for several reasons\n\t…"])
    }
    return ["id": id, "model": model, "messages": messages, "metadata": ["region": "eu", "tier": 2],
            "tags": ["support"], "user_id": "u-\(id.hashValue % 10)"]
}
