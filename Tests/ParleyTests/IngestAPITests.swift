import Foundation
import Parley
import Postgres
import TestSupport
import Testing

@Suite struct IngestAPITests {
    @Test func idempotencyRules() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let first = try await app.post("/api/v1/conversations", json: sampleConversation(id: "c1"))
        #expect(first.status == 201)
        #expect(first.json["status"] as? String == "created")
        let again = try await app.post("/api/v1/conversations", json: sampleConversation(id: "c1"))
        #expect(again.status == 200)
        #expect(again.json["status"] as? String == "duplicate")
        let longer = try await app.post("/api/v1/conversations", json: sampleConversation(id: "c1", turns: 3))
        #expect(longer.json["status"] as? String == "updated")
        // A stale retry of the shorter version is a no-op, not a conflict.
        let stale = try await app.post("/api/v1/conversations", json: sampleConversation(id: "c1"))
        #expect(stale.json["status"] as? String == "duplicate")
        var different = sampleConversation(id: "c1", turns: 3)
        different["messages"] = [["role": "user", "content": "something else entirely"]]
        let conflict = try await app.post("/api/v1/conversations", json: different)
        #expect(conflict.status == 409)
        #expect(conflict.headers["content-type"] == "application/problem+json")
        #expect(try await app.count() == 1)
        let stored = try await app.send("GET", "/api/v1/conversations/c1")
        #expect((stored.json["messages"] as? [Any])?.count == 7)
        #expect(stored.json["prompt_version"] as? String != nil)
    }

    @Test func concurrentDuplicatesStoreOnce() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let statuses = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<24 {
                group.addTask {
                    try await app.post("/api/v1/conversations", json: sampleConversation(id: "same")).json["status"]
                        as? String ?? "?"
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == "created" }.count == 1)
        #expect(statuses.filter { $0 == "duplicate" }.count == 23)
        #expect(try await app.count() == 1)
    }

    @Test func batchIsAllOrNothingWithFieldPaths() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        var bad = sampleConversation(id: "b2")
        bad["messages"] = [["role": "robot", "content": "hi"], ["role": "user"]]
        let reply = try await app.post("/api/v1/conversations",
                                       json: ["conversations": [sampleConversation(id: "b1"), bad]])
        #expect(reply.status == 422)
        let paths = (reply.json["errors"] as? [[String: Any]])?.compactMap { $0["path"] as? String } ?? []
        #expect(paths.contains("conversations[1].messages[0].role"))
        #expect(paths.contains("conversations[1].messages[1].content"))
        #expect(try await app.count() == 0)

        let good = try await app.post("/api/v1/conversations",
                                      json: ["conversations": (0..<50).map { sampleConversation(id: "g\($0)") }])
        #expect(good.status == 200)
        #expect(good.json["created"] as? Int == 50)
        #expect(try await app.count() == 50)
    }

    @Test func everyErrorClass() async throws {
        let app = try await TestApp.start { $0.ingestLimits.maxMessages = 5; $0.ingestLimits.maxConversationsPerRequest = 3 }
        defer { Task { await app.stop() } }
        let path = "/api/v1/conversations"
        let body = try JSONSerialization.data(withJSONObject: sampleConversation(id: "e1"))
        #expect(try await app.send("POST", path, body: body, key: "").status == 401)
        let wrong = try await app.send("POST", path, body: body, key: "prl_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
        #expect(wrong.status == 401)
        #expect(wrong.headers["www-authenticate"]?.contains("invalid_token") == true)
        let readOnly = try await app.context.apiKeys.create(projectID: app.projectID, scopes: ["read"]).key
        #expect(try await app.send("POST", path, body: body, key: readOnly).status == 403)
        let revoked = try await app.context.apiKeys.create(projectID: app.projectID)
        #expect(try await app.send("GET", "/api/v1/jobs", key: revoked.key).status == 200)
        #expect(try await app.context.apiKeys.revoke(id: revoked.id, projectID: app.projectID))
        #expect(try await app.send("GET", "/api/v1/jobs", key: revoked.key).status == 401)
        #expect(try await app.send("POST", path, body: body, contentType: "text/plain").status == 415)
        let malformed = try await app.send("POST", path, body: Data("{\"id\": ".utf8))
        #expect(malformed.status == 400)
        #expect(malformed.json["title"] as? String == "Malformed JSON")
        let invalidUTF8 = try await app.send("POST", path, body: Data([0x7B, 0x22, 0x69, 0x64, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]))
        #expect(invalidUTF8.status == 400)
        let tooMany = try await app.post(path, json: sampleConversation(id: "e2", turns: 4))
        #expect(tooMany.status == 422)
        let batch = try await app.post(path, json: ["conversations": (0..<4).map { sampleConversation(id: "x\($0)", turns: 1) }])
        #expect(batch.status == 422)
        let huge = Data(repeating: 0x20, count: 65 << 20)
        #expect(try await app.send("POST", path, body: huge).status == 413)
        let missing = try await app.post("/api/v1/conversations/nope/feedback", json: ["thumb": "up"])
        #expect(missing.status == 404)
        #expect(try await app.count() == 0)
    }

    @Test func feedbackUpdatesTheConversation() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        _ = try await app.post("/api/v1/conversations", json: sampleConversation(id: "f1"))
        let reply = try await app.post("/api/v1/conversations/f1/feedback", json: ["thumb": "down", "rating": 2, "comment": "wrong"])
        #expect(reply.status == 200)
        #expect(reply.json["thumb"] as? Int == -1)
        let invalid = try await app.post("/api/v1/conversations/f1/feedback", json: ["rating": 9])
        #expect(invalid.status == 422)
        let stored = try await app.database.pool.query(
            "SELECT feedback_rating, feedback_comment FROM conversations WHERE external_id = 'f1'").first
        let (rating, comment) = try #require(try stored?.decode((Int, String).self))
        #expect(rating == 2 && comment == "wrong")
        // Re-sending the original payload is still a duplicate after feedback arrived separately.
        let resend = try await app.post("/api/v1/conversations", json: sampleConversation(id: "f1"))
        #expect(resend.json["status"] as? String == "duplicate")
    }
}

@Suite struct OTLPIngestTests {
    @Test func tracesBecomeStoredConversations() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let input = #"[{"role":"user","parts":[{"type":"text","content":"What is the capital of France?"}]}]"#
        let output = #"[{"role":"assistant","parts":[{"type":"text","content":"Paris."}],"finish_reason":"stop"}]"#
        func attr(_ k: String, _ v: String) -> [String: Any] { ["key": k, "value": ["stringValue": v]] }
        let payload: [String: Any] = ["resourceSpans": [[
            "resource": ["attributes": [attr("service.name", "chat-api")]],
            "scopeSpans": [["spans": [[
                "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": "chat gpt-4o",
                "startTimeUnixNano": "1730000000000000000", "endTimeUnixNano": "1730000001000000000",
                "attributes": [attr("gen_ai.operation.name", "chat"), attr("gen_ai.request.model", "gpt-4o"),
                               attr("gen_ai.input.messages", input), attr("gen_ai.output.messages", output)],
            ]]]],
        ]]]
        let reply = try await app.post("/v1/traces", json: payload)
        #expect(reply.status == 200)
        #expect(reply.json["partialSuccess"] == nil)
        let stored = try await app.send("GET", "/api/v1/conversations/otel:5b8efff798038103d269b633813fc60c")
        #expect(stored.status == 200)
        #expect(stored.json["model"] as? String == "gpt-4o")
        #expect((stored.json["messages"] as? [[String: Any]])?.last?["content"] as? String == "Paris.")
        let protobuf = try await app.send("POST", "/v1/traces", body: Data([0x0a, 0x00]), contentType: "application/x-protobuf")
        #expect(protobuf.status == 415)
    }
}

@Suite struct ProblemTests {
    @Test func routingErrorsAreProblemsWithTheirHeaders() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let notAllowed = try await app.send("DELETE", "/api/v1/conversations")
        #expect(notAllowed.status == 405)
        #expect(notAllowed.headers["allow"]?.contains("POST") == true)
        #expect(notAllowed.headers["content-type"] == "application/problem+json")
        let missing = try await app.send("GET", "/api/v1/nothing-here")
        #expect(missing.status == 404)
        #expect(missing.json["requestId"] as? String != nil)
        #expect(try await app.send("GET", "/healthz", key: "").status == 200)
        #expect(try await app.send("GET", "/readyz", key: "").status == 200)
    }
}
