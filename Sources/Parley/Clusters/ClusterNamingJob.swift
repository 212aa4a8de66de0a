import Embeddings
import Foundation
import Postgres

/// The optional `cluster_names` job: names clusters with an OpenAI-compatible LLM from contrastive examples, as
/// Clio does: the cluster's most central requests against those of its most similar other cluster. Every text is
/// PII-redacted before it is sent, and the answer is redacted again before it is stored. Queued after each
/// clustering run when `PARLEY_LLM_URL` is set; names clusters without a human or LLM name, largest first.
struct ClusterNamingJob: JobHandler {
    let kind = "cluster_names"
    let settings: LLMSettings
    var examples = 8
    var contrast = 4
    var maximumPerJob = 300

    static func enqueue(projectID: Int, on queue: JobQueue) async throws {
        try await queue.enqueue(kind: "cluster_names", projectID: projectID, singletonKey: "cluster_names:\(projectID)",
                                maxAttempts: 3)
    }

    static let system = """
        You name groups of requests that users sent to an AI assistant. Reply with only a JSON object: \
        {"name": "...", "description": "..."}. The name has at most 6 words, says what the users want, and tells \
        this group apart from the contrast group. The description is one sentence. Never include names, contact \
        details or other personal data; placeholders like [EMAIL] stand for removed data.
        """

    func run(_ job: Job, context: JobContext) async throws {
        guard let projectID = job.projectID, settings.isConfigured else { return }
        let pool = context.pool
        // Every active cluster's centroid and central conversations, to find each one's nearest neighbour.
        var ids: [Int] = [], centroids: [Float] = [], representatives: [[Int]] = [], unnamed: [Int] = []
        var dimension = 0
        for row in try await pool.query("""
            SELECT id, centroid, representatives, llm_name IS NULL AND custom_name IS NULL FROM clusters
            WHERE project_id = \(projectID) AND level = 0 AND status = 'active' AND centroid IS NOT NULL
            ORDER BY size DESC, id
            """) {
            let (id, centroid, central, needsName) = try row.decode((Int, Data, [Int], Bool).self)
            if dimension == 0 { dimension = centroid.count / 4 }
            guard VectorCodec.decode(centroid, dimension: dimension, into: &centroids) else { continue }
            if needsName { unnamed.append(ids.count) }
            ids.append(id)
            representatives.append(central)
        }
        let todo = Array(unnamed.prefix(maximumPerJob))
        guard !todo.isEmpty else { return }
        let client = LLMClient(settings: settings)
        let redactor = PIIRedactor()
        var named = 0
        for (done, index) in todo.enumerated() {
            try Task.checkCancellation()
            var nearest = -1
            var best: Float = -2
            for other in ids.indices where other != index {
                var dot: Float = 0
                for j in 0..<dimension { dot += centroids[index * dimension + j] * centroids[other * dimension + j] }
                if dot > best { best = dot; nearest = other }
            }
            let inside = try await texts(Array(representatives[index].prefix(examples)), pool: pool)
            let outside = nearest >= 0 ? try await texts(Array(representatives[nearest].prefix(contrast)), pool: pool) : []
            let prompt = "Requests in the group:\n" + inside.map { "- " + redactor.redact($0) }.joined(separator: "\n")
                + (outside.isEmpty ? "" : "\n\nContrast group (most similar other group):\n"
                    + outside.map { "- " + redactor.redact($0) }.joined(separator: "\n"))
            let reply = try await client.complete(system: Self.system, user: prompt)
            if let (name, description) = Self.parse(reply) {
                try await pool.query("""
                    UPDATE clusters SET llm_name = \(redactor.redact(name)), description = \(description.map(redactor.redact)),
                        updated_at = now()
                    WHERE id = \(ids[index])
                    """)
                named += 1
            }
            try await context.report(progress: (done + 1) * 100 / todo.count,
                                     message: "\(done + 1) of \(todo.count) clusters named")
        }
        try await context.report(progress: 100, message: "\(named) of \(todo.count) clusters named by the LLM")
    }

    /// The first user turn of each conversation, cut to 300 characters.
    private func texts(_ conversations: [Int], pool: PostgresPool) async throws -> [String] {
        try await pool.query("""
            SELECT messages::text FROM conversations WHERE id = ANY(\(conversations))
            """).map { row in
            String(EmbeddingText.of(messages: (try? JSONParser.parse(try row.decode(0, as: String.self)))?.arrayValue ?? [])
                .prefix(300))
        }
    }

    /// `name` and `description` from a reply holding a JSON object (possibly inside a code fence), else nil.
    static func parse(_ reply: String) -> (String, String?)? {
        guard let start = reply.firstIndex(of: "{"), let end = reply.lastIndex(of: "}"), start < end,
              let object = try? JSONParser.parse(String(reply[start...end])),
              let raw = object["name"]?.stringValue else { return nil }
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines.union(.init(charactersIn: "\"'.")))
        guard !name.isEmpty else { return nil }
        let description = object["description"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
        return (String(name.prefix(80)), description.map { String($0.prefix(300)) })
    }
}
