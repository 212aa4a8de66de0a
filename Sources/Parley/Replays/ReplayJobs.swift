import Foundation
import Postgres
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The background jobs of replay sets (running a replay against an OpenAI-compatible endpoint).
enum ReplayJobs {
    static func handlers(configuration: Configuration) -> [any JobHandler] {
        [ReplayRunJob(settings: configuration.llm)]
    }
}

/// The `replay_run` job: sends each input of a replay set to the configured OpenAI-compatible endpoint
/// (`PARLEY_LLM_URL`, `PARLEY_LLM_KEY`) and stores the answers as variants labelled `label`.
///
/// Payload: `{"set_id": N, "label": "…", "model": "…"}` (model defaults to `PARLEY_LLM_MODEL`). Items that already
/// have an answer with the label are skipped, so a retried or repeated run continues where the last one stopped.
/// Inputs are sent as stored: the endpoint is one the operator configured to run the replay.
struct ReplayRunJob: JobHandler {
    let kind = "replay_run"
    let settings: LLMSettings
    var pageSize = 20

    static func enqueue(projectID: Int, setID: Int, label: String, model: String, on queue: JobQueue) async throws -> Int? {
        try await queue.enqueue(kind: "replay_run", projectID: projectID,
                                payload: .object(["set_id": .number(String(setID)), "label": .string(label),
                                                  "model": .string(model)]),
                                singletonKey: "replay_run:\(setID):\(label)", maxAttempts: 3)
    }

    func run(_ job: Job, context: JobContext) async throws {
        guard let projectID = job.projectID, let setID = job.payload["set_id"]?.intValue,
              let label = job.payload["label"]?.stringValue, settings.isConfigured else { return }
        let model = job.payload["model"]?.stringValue ?? settings.model
        let pool = context.pool
        guard try await pool.query("""
            SELECT 1 FROM replay_sets WHERE id = \(setID) AND project_id = \(projectID)
            """).count == 1 else { return }
        let results = ReplayResults(pool: pool)
        let total = try await pool.query("SELECT size FROM replay_sets WHERE id = \(setID)").first?.decode(0, as: Int.self) ?? 0
        var answered = 0
        while true {
            try Task.checkCancellation()
            let todo = try await pool.query("""
                SELECT i.item_key, i.input::text FROM replay_items i
                WHERE i.set_id = \(setID)
                  AND NOT EXISTS (SELECT 1 FROM replay_variants v WHERE v.item_id = i.id AND v.label = \(label))
                ORDER BY i.position LIMIT \(pageSize)
                """).map { try $0.decode((String, String).self) }
            guard !todo.isEmpty else { break }
            var entries: [ReplayResults.Entry] = []
            for (key, input) in todo {
                try Task.checkCancellation()
                let messages = ReplayStore.messages(input).map(TrainingExamples.chatMessage)
                let reply = try await complete(messages, model: model)
                entries.append(ReplayResults.Entry(key: key, label: label, output: [TrainingExamples.assistant(reply)],
                                                   model: model, promptVersion: nil,
                                                   metadata: .object(["runner": "replay_run", "job_id": .number(String(job.id))])))
            }
            _ = try await results.store(entries, setID: setID)
            let done = try await pool.query("""
                SELECT count(*)::int FROM replay_variants WHERE set_id = \(setID) AND label = \(label)
                """).first?.decode(0, as: Int.self) ?? 0
            answered += entries.count
            try await context.report(progress: total > 0 ? min(99, done * 100 / total) : 99,
                                     message: "\(done) of \(total) inputs answered by \(model)")
        }
        try await context.report(progress: 100, message: "\(answered) inputs answered by \(model) as “\(label)”")
    }

    /// The endpoint's answer to `messages` (`POST {url}/chat/completions`).
    func complete(_ messages: [JSONValue], model: String) async throws -> String {
        guard let base = settings.url, let url = URL(string: base + "/chat/completions") else {
            throw LLMClient.Failure(description: "no LLM endpoint configured (PARLEY_LLM_URL)")
        }
        var request = URLRequest(url: url, timeoutInterval: settings.timeoutSeconds)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let key = settings.key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        let body: JSONValue = .object(["model": .string(model), "messages": .array(messages)])
        request.httpBody = Data(body.serialized().utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw LLMClient.Failure(description: "the LLM endpoint answered HTTP \(status)")
        }
        guard let reply = (try? JSONParser.parse(Array(data)))?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
        else { throw LLMClient.Failure(description: "the LLM endpoint's answer has no choices[0].message.content") }
        return reply
    }
}
