import Foundation
@testable import Parley
import Postgres
import TestSupport
import Testing

/// Helpers of the flag, triage and export tests.
extension TestApp {
    /// A key with every scope (ingest, read, write).
    func writeKey() async throws -> String {
        try await context.apiKeys.create(projectID: projectID, scopes: APIKeyStore.scopes).key
    }

    /// Runs the jobs of `kinds` (the flag jobs by default) until none is queued or running; expects none died.
    func work(_ kinds: [String] = ["flag", "flag_rule"]) async throws {
        let handlers = context.jobHandlers().filter { kinds.contains($0.kind) }
        let worker = JobWorker(pool: database.pool, conninfo: database.conninfo, handlers: handlers,
                               logger: TestPostgres.logger)
        let running = Task { try await worker.run() }
        for _ in 0..<1_200 {
            let pending = try await count("""
                SELECT count(*) FROM jobs WHERE kind = ANY(\(kinds)) AND status IN ('queued', 'running')
                """)
            if pending == 0 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        await worker.stop()
        _ = await running.result
        let dead = try await database.pool.query("""
            SELECT kind, coalesce(error, '') FROM jobs WHERE kind = ANY(\(kinds)) AND status = 'dead'
            """).map { try $0.decode((String, String).self) }
        #expect(dead.isEmpty, "\(dead)")
    }

    /// Ingests conversations through the API, then runs the flag job over them.
    func ingestAndFlag(_ conversations: [[String: Any]]) async throws {
        let reply = try await post("/api/v1/conversations", json: ["conversations": conversations])
        #expect(reply.status == 200, "\(reply.text)")
        try await FlagJobs.enqueue(projectID: projectID, on: JobQueue(pool: database.pool))
        try await work()
    }

    func patch(_ path: String, json: Any, key: String? = nil) async throws -> Reply {
        try await send("PATCH", path, body: try JSONSerialization.data(withJSONObject: json), key: key)
    }

    func get(_ path: String, key: String? = nil) async throws -> Reply {
        try await send("GET", path, key: key)
    }
}

extension TestApp.Reply {
    /// The body as a JSON array (for list endpoints that answer with one).
    var jsonArray: [[String: Any]] { (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] ?? [] }
}

/// A conversation in the API shape with the given turns.
func conversation(_ id: String, _ turns: [(String, String)], model: String = "gpt-4o", metadata: [String: Any] = [:],
                  feedback: [String: Any]? = nil) -> [String: Any] {
    var object: [String: Any] = ["id": id, "model": model, "prompt_version": "v1", "metadata": metadata,
                                 "messages": turns.map { ["role": $0.0, "content": $0.1] }]
    if let feedback { object["feedback"] = feedback }
    return object
}
