import Foundation
import HTTPServer
@testable import Parley
import Postgres
import TestSupport
import Testing

/// Intents in the app against the real database: taxonomy CRUD, import, promotion from a cluster, bulk labels,
/// training (zero-shot, then a supervised model activated only when it wins on held-out labels), online
/// classification, the backfill job and the API's scopes and problems. Vectors are synthetic (one axis per topic),
/// written straight into `conversation_embeddings`, so the expected predictions are known.
@Suite struct IntentTests {
    struct Fixture {
        let app: TestApp
        let writeKey: String
        let readKey: String
        let model: String
        var random = ClusterTests.SplitMix(seed: 11)

        /// Stores conversations with vectors near `axis`; returns their external ids.
        @discardableResult
        mutating func add(_ prefix: String, axis: Int, count: Int, text: String) async throws -> [String] {
            let ids = (0..<count).map { "\(prefix)-\($0)" }
            let conversations = ids.map { id -> [String: Any] in
                ["id": id, "messages": [["role": "user", "content": "\(text) \(id)"],
                                        ["role": "assistant", "content": "Sure."]]]
            }
            let reply = try await app.post("/api/v1/conversations", json: ["conversations": conversations], key: writeKey)
            #expect(reply.status == 200 || reply.status == 201, "\(reply.text)")
            for id in ids {
                var v = (0..<384).map { _ in (Float(random.unit()) - 0.5) * 0.1 }
                v[axis] += 1
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                try await app.database.pool.query("""
                    INSERT INTO conversation_embeddings (conversation_id, project_id, model, vector)
                    SELECT id, project_id, \(model), \(VectorCodec.encode(v.map { $0 / norm })) FROM conversations
                    WHERE project_id = \(app.projectID) AND external_id = \(id)
                    """)
            }
            try await app.database.pool.query("DELETE FROM pending_work WHERE kind = 'embed'")
            return ids
        }

        func send(_ method: String, _ path: String, _ body: Any? = nil, key: String? = nil) async throws -> TestApp.Reply {
            try await app.send(method, path, body: try body.map { try JSONSerialization.data(withJSONObject: $0) },
                               key: key ?? writeKey)
        }

        /// Works jobs until `job` finished; expects success.
        func finish(_ job: Int) async throws {
            // A follow-up backfill (intent_classify) finishes too.
            let outcome = try await app.finish(job: job, thenIdle: "intent_%")
            #expect(outcome.status == "succeeded", "\(outcome.error)")
        }

        func train() async throws {
            let started = try await send("POST", "/api/v1/intents/models/train")
            #expect(started.status == 202, "\(started.text)")
            try await finish(try #require(started.json["job_id"] as? Int))
        }

        func models() async throws -> [[String: Any]] {
            let reply = try await send("GET", "/api/v1/intents/models", key: readKey)
            #expect(reply.status == 200, "\(reply.text)")
            return reply.json["models"] as? [[String: Any]] ?? []
        }

        func predicted(_ external: String) async throws -> Int? {
            try await app.database.pool.query("""
                SELECT i.intent_id FROM conversation_intents i JOIN conversations c ON c.id = i.conversation_id
                WHERE c.external_id = \(external)
                """).first?.decode(0, as: Int?.self)
        }
    }

    static func fixture() async throws -> Fixture {
        let app = try await TestApp.start { $0.clusters.automatic = false }
        let write = try await app.context.apiKeys.create(projectID: app.projectID, scopes: APIKeyStore.scopes).key
        let read = try await app.context.apiKeys.create(projectID: app.projectID, scopes: ["read"]).key
        let model = try await app.context.embedders.embedder().modelID
        return Fixture(app: app, writeKey: write, readKey: read, model: model)
    }

    @Test func taxonomyCrudImportAndPromotion() async throws {
        var f = try await Self.fixture()
        let app = f.app
        defer { Task { await app.stop() } }
        let created = try await f.send("POST", "/api/v1/intents", ["name": "Card declined", "description": "Payments"])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? Int)
        #expect(try await f.send("POST", "/api/v1/intents", ["name": "card DECLINED"]).status == 409)
        #expect(try await f.send("POST", "/api/v1/intents", ["name": ""]).status == 422)
        #expect(try await f.send("POST", "/api/v1/intents", ["name": "x"], key: f.readKey).status == 403)
        let patched = try await f.send("PATCH", "/api/v1/intents/\(id)", ["description": "Card payments refused"])
        #expect(patched.json["description"] as? String == "Card payments refused")
        #expect(try await f.send("GET", "/api/v1/intents/999999", key: f.readKey).status == 404)

        let added = try await f.send("POST", "/api/v1/intents/\(id)/examples", ["texts": ["my card was declined", " "]])
        #expect(added.status == 422)
        #expect((added.json["errors"] as? [[String: Any]])?.first?["path"] as? String == "texts[1]")
        let ok = try await f.send("POST", "/api/v1/intents/\(id)/examples", ["texts": ["my card was declined", "card refused"]])
        let exampleIDs = try #require(ok.json["ids"] as? [Int])
        #expect(exampleIDs.count == 2)
        #expect(try await f.send("DELETE", "/api/v1/intents/\(id)/examples/\(exampleIDs[0])").status == 204)
        #expect(try await f.send("DELETE", "/api/v1/intents/\(id)/examples/\(exampleIDs[0])").status == 404)

        let csv = "text,label\n\"Hello, is it raining?\",weather\nwhat is the forecast,Weather\n,weather\nmore card trouble,card declined\n"
        let imported = try await f.app.send("POST", "/api/v1/intents/import", body: Data(csv.utf8), contentType: "text/csv",
                                            key: f.writeKey)
        #expect(imported.status == 200, "\(imported.text)")
        #expect(imported.json["intents_created"] as? Int == 1)
        #expect(imported.json["examples_added"] as? Int == 3)
        #expect((imported.json["errors"] as? [[String: Any]])?.first?["line"] as? Int == 4)
        let jsonl = "{\"text\": \"bake bread\", \"label\": \"baking\"}\nnot json\n"
        let fromJSONL = try await f.app.send("POST", "/api/v1/intents/import", body: Data(jsonl.utf8),
                                             contentType: "application/jsonl", key: f.writeKey)
        #expect(fromJSONL.json["intents_created"] as? Int == 1)
        #expect((fromJSONL.json["errors"] as? [[String: Any]])?.first?["line"] as? Int == 2)

        // Promotion: a cluster's representatives become the examples; the name defaults to the cluster's.
        let members = try await f.add("bread", axis: 5, count: 3, text: "How do I bake sourdough?")
        let clusterID = try await f.app.database.pool.query("""
            INSERT INTO clusters (project_id, auto_name, representatives)
            SELECT \(f.app.projectID), 'sourdough · bake', array_agg(id ORDER BY id) FROM conversations
            WHERE external_id = ANY(\(members)) RETURNING id
            """).first!.decode(0, as: Int.self)
        let promoted = try await f.send("POST", "/api/v1/intents/from-cluster", ["cluster_id": clusterID])
        #expect(promoted.status == 201, "\(promoted.text)")
        #expect(promoted.json["name"] as? String == "sourdough · bake")
        #expect(promoted.json["source"] as? String == "cluster")
        #expect((promoted.json["examples"] as? [[String: Any]])?.count == 3)
        #expect(try await f.send("POST", "/api/v1/intents/from-cluster", ["cluster_id": 424242]).status == 404)

        let list = try await f.send("GET", "/api/v1/intents", key: f.readKey)
        #expect((list.json["intents"] as? [[String: Any]])?.count == 4)
        #expect(list.json["unrecognized"] as? Int == 0)
        #expect(try await f.send("DELETE", "/api/v1/intents/\(id)").status == 204)
        #expect(try await f.send("GET", "/api/v1/intents/\(id)", key: f.readKey).status == 404)
    }

    @Test func labelsTrainingOnlineClassificationAndBackfill() async throws {
        var f = try await Self.fixture()
        let app = f.app
        defer { Task { await app.stop() } }
        // Three intents whose examples lie on axes 0–2…
        var intents: [Int] = []
        for (axis, name) in ["card", "weather", "bread"].enumerated() {
            let examples = try await f.add("example-\(name)", axis: axis, count: 4, text: name)
            let created = try await f.send("POST", "/api/v1/intents", ["name": name])
            let id = try #require(created.json["id"] as? Int)
            intents.append(id)
            let added = try await f.send("POST", "/api/v1/intents/\(id)/examples", ["conversations": examples])
            #expect(added.status == 201, "\(added.text)")
        }
        // Version 1: zero-shot, active at once.
        try await f.train()
        var models = try await f.models()
        #expect(models.count == 1)
        #expect(models.first?["kind"] as? String == "zero_shot")
        #expect(models.first?["active"] as? Bool == true)

        // Online: a new conversation near axis 1 is "weather"; one on an unrelated axis is unrecognized.
        let near = try await f.add("new-weather", axis: 1, count: 1, text: "rain?")
        let far = try await f.add("new-other", axis: 200, count: 1, text: "something else")
        for external in near + far {
            let (id, data) = try await f.app.database.pool.query("""
                SELECT c.id, e.vector FROM conversations c JOIN conversation_embeddings e ON e.conversation_id = c.id
                WHERE c.external_id = \(external)
                """).first!.decode((Int, Data).self)
            var vector: [Float] = []
            _ = VectorCodec.decode(data, dimension: 384, into: &vector)
            let stored = try await f.app.database.pool.withConnection { connection in
                try await f.app.context.intentClassifications.classify(
                    projectID: f.app.projectID, conversations: [id], vectors: vector, dimension: 384, texts: ["x"],
                    embeddingModel: f.model, connection: connection)
            }
            #expect(stored == 1)
        }
        #expect(try await f.predicted(near[0]) == intents[1])
        #expect(try await f.predicted(far[0]) == nil)
        #expect(try await f.app.count("SELECT count(*) FROM conversation_intents WHERE intent_id IS NULL") == 1)
        let shown = try await f.send("GET", "/api/v1/conversations/\(near[0])", key: f.readKey)
        #expect((shown.json["intent"] as? [String: Any])?["name"] as? String == "weather")

        // Labels: errors name the item; real users' conversations sit on axes 10–12, far from the examples, so the
        // zero-shot model gets them wrong and the supervised model must win.
        let bad = try await f.send("POST", "/api/v1/intents/labels", ["labels": [
            ["conversation": "nope", "intent": intents[0]], ["conversation": near[0], "intent": "unknown"]]])
        #expect(bad.status == 422)
        let paths = (bad.json["errors"] as? [[String: Any]])?.compactMap { $0["path"] as? String }
        #expect(paths == ["labels[0].conversation", "labels[1].intent"])
        #expect(try await f.send("POST", "/api/v1/intents/labels", ["labels": []], key: f.readKey).status == 403)
        var labels: [[String: Any]] = []
        var labelled: [(String, Int)] = []
        for (i, intent) in intents.enumerated() {
            for external in try await f.add("user-\(i)", axis: 10 + i, count: 10, text: "request \(i)") {
                labels.append(["conversation": external, "intent": i == 1 ? "WEATHER" : intent])
                labelled.append((external, intent))
            }
        }
        let stored = try await f.send("POST", "/api/v1/intents/labels", ["labels": labels])
        #expect(stored.status == 200, "\(stored.text)")
        #expect(stored.json["stored"] as? Int == 30)
        // 30 new labels ≥ 20: a retraining was queued.
        let retraining = try #require(stored.json["retraining_job_id"] as? Int)
        try await f.finish(retraining)
        models = try await f.models()
        let supervised = try #require(models.first { $0["kind"] as? String == "supervised" })
        let metrics = try #require(supervised["metrics"] as? [String: Any])
        #expect(supervised["active"] as? Bool == true, "\(supervised)")
        #expect((metrics["accuracy"] as? Double ?? 0) >= 0.95, "\(metrics)")
        #expect((metrics["score"] as? Double ?? 0) >= 0.95, "\(metrics)")
        #expect(((metrics["compared_with"] as? [String: Any])?["zero_shot"] as? Double ?? 1) < 0.5, "\(metrics)")
        #expect((supervised["note"] as? String ?? "").hasPrefix("activated"))
        // The backfill reclassified every labelled conversation with the new model.
        for (external, intent) in labelled { #expect(try await f.predicted(external) == intent) }
        let confusion = try await f.send("GET", "/api/v1/intents/confusion", key: f.readKey)
        #expect(confusion.json["agreement"] as? Double == 1)

        // Retraining on the same labels cannot beat the active model: stored, not activated.
        try await f.train()
        models = try await f.models()
        let latest = try #require(models.first)
        #expect(latest["kind"] as? String == "supervised")
        #expect(latest["active"] as? Bool == false)
        #expect((latest["note"] as? String ?? "").hasPrefix("not activated"), "\(latest)")
        #expect(models.filter { $0["active"] as? Bool == true }.count == 1)
    }
}
