import Foundation
@testable import Parley
import Postgres
import TestSupport
import Testing

@Suite struct EmbeddingJobTests {
    @Test func ingestedConversationsAreEmbeddedAndSearchable() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let topics = [
            ("card", ["My card was declined at the shop", "Why was my card payment refused?", "Card got rejected at checkout"]),
            ("weather", ["Will it rain in Paris tomorrow?", "What is the weather forecast for the weekend?",
                         "Is it going to be sunny today?"]),
            ("recipe", ["How do I bake sourdough bread?", "Give me a recipe for pancakes", "How long should I boil an egg?"]),
        ]
        var conversations: [[String: Any]] = []
        for (topic, texts) in topics {
            for (i, text) in texts.enumerated() {
                conversations.append(["id": "\(topic)-\(i)", "messages": [
                    ["role": "user", "content": text], ["role": "assistant", "content": "Here is what I found."]]])
            }
        }
        let stored = try await app.post("/api/v1/conversations", json: ["conversations": conversations])
        #expect(stored.json["created"] as? Int == 9)
        // The commit queued an embed job; a worker runs it.
        let worker = ParleyService.makeWorker(context: app.context)
        let running = Task { try await worker.run() }
        var embedded = 0
        var indexed = 0
        var pending = -1
        // Embedding, search indexing and the follow-up work they queue (flag rules after embedding) all finish.
        for _ in 0..<600 where embedded < 9 || indexed < 9 || pending != 0 {
            embedded = try await app.count("SELECT count(*) FROM conversation_embeddings")
            indexed = try await app.count("SELECT count(*) FROM conversation_search")
            pending = try await app.count("SELECT count(*) FROM pending_work")
            if embedded < 9 || indexed < 9 || pending != 0 { try await Task.sleep(for: .milliseconds(100)) }
        }
        await worker.stop()
        _ = await running.result
        #expect(embedded == 9)
        #expect(indexed == 9)
        #expect(pending == 0)
        let found = try await app.database.pool.query("""
            SELECT c.external_id FROM conversations c JOIN conversation_search s ON s.conversation_id = c.id
            WHERE s.search @@ websearch_to_tsquery('english', 'baking sourdough')
            """).map { try $0.decode(0, as: String.self) }
        #expect(found == ["recipe-0"])
        let job = try await app.send("GET", "/api/v1/jobs")
        let jobs = job.json["jobs"] as? [[String: Any]] ?? []
        #expect(jobs.contains { $0["kind"] as? String == "embed" && $0["status"] as? String == "succeeded" })

        let similar = try await app.send("GET", "/api/v1/conversations/card-0/similar?k=2")
        #expect(similar.status == 200)
        let ids = (similar.json["similar"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        #expect(ids.count == 2)
        #expect(ids.allSatisfy { $0.hasPrefix("card-") }, "nearest neighbours of a card question: \(ids)")
        #expect(try await app.send("GET", "/api/v1/conversations/nope/similar").status == 404)
    }

    @Test func embeddingTextIsTheUsersRequest() {
        let messages: [JSONValue] = [
            .object(["role": .string("system"), "content": .string("You are a bot.")]),
            .object(["role": .string("user"), "content": .string("First question")]),
            .object(["role": .string("assistant"), "content": .string("A long answer")]),
            .object(["role": .string("user"), "content": .array([.object(["type": .string("text"), "text": .string("Second")])])]),
            .object(["role": .string("user"), "content": .string("Third")]),
        ]
        #expect(EmbeddingText.of(messages: messages) == "First question\nSecond")
        #expect(EmbeddingText.of(messages: [messages[0]]) == "You are a bot.")
    }
}
