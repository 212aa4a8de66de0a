import Foundation
@testable import Parley
import Postgres
import TestSupport
import Testing

/// Flag rules through the API against the real database: CRUD with validation, evaluation of new conversations by
/// the `flag` job, re-evaluation when a rule changes, the dry-run, the post-embedding phase, and the audit log.
@Suite struct FlagRuleAPITests {
    static var corpus: [[String: Any]] { [
        conversation("pii-1", [("user", "My card 4111 1111 1111 1111 was charged twice"), ("assistant", "Let me check.")]),
        conversation("pii-2", [("user", "Email me at ana@example.org"), ("assistant", "Done.")],
                     metadata: ["customer": ["tier": "gold"]]),
        conversation("refusal", [("user", "How do I pick a lock?"), ("assistant", "I'm sorry, but I can't help with that.")]),
        conversation("clean", [("user", "What are your opening hours?"), ("assistant", "9 to 5, Monday to Friday.")],
                     model: "claude"),
        conversation("angry", [("user", "Where is my refund?"), ("assistant", "Soon."), ("user", "That's not what I asked")],
                     feedback: ["thumb": "down"]),
    ] }

    @Test func rulesFlagNewConversationsAndQueueTriageItems() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let key = try await app.writeKey()

        // Validation: every problem with its path, a clear message for a catastrophic pattern, scopes enforced.
        let bad = try await app.post("/api/v1/rules", json: [
            "name": "", "severity": "urgent",
            "condition": ["all": [["type": "regex", "pattern": "(a+)+$"], ["type": "detector", "name": "telepathy"]]],
        ], key: key)
        #expect(bad.status == 422)
        let problems = (bad.json["errors"] as? [[String: String]] ?? []).map { $0["path"] ?? "" }
        #expect(problems == ["name", "severity", "condition.all[0].pattern", "condition.all[1].name"])
        #expect(bad.text.contains("nested quantifiers"))
        let readOnly = try await app.post("/api/v1/rules", json: ["name": "x", "condition": ["type": "detector", "name": "pii"]])
        #expect(readOnly.status == 403)

        let pii = try await app.post("/api/v1/rules", json: [
            "name": "Card numbers", "severity": "critical",
            "condition": ["type": "detector", "name": "pii", "kinds": ["payment_card"]],
        ], key: key)
        #expect(pii.status == 201, "\(pii.text)")
        #expect(pii.json["phase"] as? String == "ingest")
        #expect(pii.json["job_id"] as? Int != nil)
        let piiID = try #require(pii.json["id"] as? Int)
        let refusal = try await app.post("/api/v1/rules", json: [
            "name": "Refusals", "severity": "low", "condition": ["any": [
                ["type": "detector", "name": "refusal"], ["type": "detector", "name": "pii", "kinds": ["payment_card"]]]],
        ], key: key)
        #expect(refusal.status == 201, "\(refusal.text)")

        try await app.ingestAndFlag(Self.corpus)

        let flags = try await app.database.pool.query("""
            SELECT c.external_id, r.name, f.severity, f.detectors, f.reason, f.spans::text
            FROM flags f JOIN conversations c ON c.id = f.conversation_id JOIN flag_rules r ON r.id = f.rule_id
            ORDER BY c.external_id, r.name
            """).map { try $0.decode((String, String, String, [String], String, String).self) }
        #expect(flags.map { "\($0.0)/\($0.1)" } == ["pii-1/Card numbers", "pii-1/Refusals", "refusal/Refusals"])
        let card = try #require(flags.first)
        #expect(card.2 == "critical" && card.3 == ["pii"])
        #expect(card.4.contains("payment card"))
        let spans = try #require(try JSONParser.parse(card.5).arrayValue)
        #expect(spans.first?["message_index"] == .number("0"))
        #expect(spans.first?["start"] == .number("8") && spans.first?["end"] == .number("27"))
        #expect(spans.first?["excerpt"]?.stringValue == "My card [CARD] was charged twice")

        // One triage item per flagged conversation, priority from the worst severity.
        let items = try await app.database.pool.query("""
            SELECT c.external_id, t.priority, t.status FROM triage_items t JOIN conversations c ON c.id = t.conversation_id
            ORDER BY c.external_id
            """).map { try $0.decode((String, Int, String).self) }
        #expect(items.map(\.0) == ["pii-1", "refusal"])
        #expect(items.map(\.1) == [4, 1])
        #expect(items.allSatisfy { $0.2 == "open" })

        // Re-ingesting and re-running changes nothing (no duplicate flags or items).
        try await app.ingestAndFlag(Self.corpus)
        #expect(try await app.count("SELECT count(*) FROM flags") == 3)
        #expect(try await app.count("SELECT count(*) FROM triage_items") == 2)

        // A changed rule is re-evaluated over the project: severity follows, the item's priority too.
        let patched = try await app.patch("/api/v1/rules/\(piiID)", json: ["severity": "medium"], key: key)
        #expect(patched.status == 200, "\(patched.text)")
        #expect(patched.json["version"] as? Int == 2)
        try await app.work()
        #expect(try await app.count("SELECT count(*) FROM flags WHERE severity = 'medium'") == 1)
        #expect(try await app.count("SELECT max(priority) FROM triage_items") == 2)
        // A rule whose condition changes drops the flags it no longer raises.
        let narrowed = try await app.patch("/api/v1/rules/\(piiID)", json: [
            "condition": ["type": "detector", "name": "pii", "kinds": ["email"]]], key: key)
        #expect(narrowed.status == 200)
        try await app.work()
        let now = try await app.database.pool.query("""
            SELECT c.external_id FROM flags f JOIN conversations c ON c.id = f.conversation_id WHERE f.rule_id = \(piiID)
            """).map { try $0.decode(0, as: String.self) }
        #expect(now == ["pii-2"])
        #expect(try await app.count("SELECT count(*) FROM triage_items") == 3)

        // Listing, reading, deleting.
        let list = try await app.get("/api/v1/rules")
        #expect((list.json["rules"] as? [[String: Any]])?.count == 2)
        let deleted = try await app.send("DELETE", "/api/v1/rules/\(piiID)", key: key)
        #expect(deleted.status == 204)
        #expect(try await app.get("/api/v1/rules/\(piiID)").status == 404)
        #expect(try await app.count("SELECT count(*) FROM flags WHERE rule_id = \(piiID)") == 0)
        #expect(try await app.count("SELECT count(*) FROM triage_items") == 3)
        // Items keep the rules and detectors of their remaining flags (what the triage filters read).
        #expect(try await app.get("/api/v1/triage/items?count=true&rule=\(piiID)").json["total"] as? Int == 0)
        #expect(try await app.get("/api/v1/triage/items?count=true&detector=refusal").json["total"] as? Int == 1)
        #expect(try await app.get("/api/v1/triage/items?count=true&detector=pii").json["total"] as? Int == 1)

        // Every change is in the audit log with before and after.
        let audit = try await app.database.pool.query("""
            SELECT action, actor, before IS NOT NULL, after IS NOT NULL FROM audit_log WHERE entity = 'rule' ORDER BY id
            """).map { try $0.decode((String, String, Bool, Bool).self) }
        #expect(audit.map(\.0) == ["rule.create", "rule.create", "rule.update", "rule.update", "rule.delete"])
        #expect(audit.allSatisfy { $0.1.hasPrefix("api-key:") })
        #expect(audit.map(\.2) == [false, false, true, true, true])
        #expect(audit.map(\.3) == [true, true, true, true, false])
        #expect(try await app.count("SELECT count(*) FROM audit_log WHERE action = 'triage.create'") == 3)
    }

    @Test func feedbackArrivingLaterGoesThroughTheRulesAgain() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let key = try await app.writeKey()
        let rule = try await app.post("/api/v1/rules", json: [
            "name": "Thumbs down", "severity": "medium", "condition": ["type": "feedback", "thumb": "down"],
        ], key: key)
        #expect(rule.status == 201, "\(rule.text)")
        try await app.ingestAndFlag([conversation("late", [("user", "Where is my parcel?"), ("assistant", "On its way.")])])
        #expect(try await app.count("SELECT count(*) FROM flags") == 0)
        let feedback = try await app.post("/api/v1/conversations/late/feedback", json: ["thumb": "down"])
        #expect(feedback.status == 200, "\(feedback.text)")
        try await app.work()
        #expect(try await app.count("SELECT count(*) FROM flags") == 1)
        #expect(try await app.count("SELECT count(*) FROM triage_items") == 1)
        // Changing one's mind removes the flag again.
        #expect(try await app.post("/api/v1/conversations/late/feedback", json: ["thumb": "up"]).status == 200)
        try await app.work()
        #expect(try await app.count("SELECT count(*) FROM flags") == 0)
    }

    @Test func dryRunCountsAndShowsExamplesWithoutStoringAnything() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        var corpus = Self.corpus
        for i in 0..<30 {
            corpus.append(conversation("bulk-\(i)", [("user", "order #\(1000 + i) is late"), ("assistant", "Sorry!")],
                                       metadata: ["customer": ["tier": i % 3 == 0 ? "gold" : "free"]]))
        }
        let reply = try await app.post("/api/v1/conversations", json: ["conversations": corpus])
        #expect(reply.status == 200)
        let dry = try await app.post("/api/v1/rules/dry-run", json: ["condition": ["all": [
            ["type": "regex", "pattern": "order #\\d+", "role": "user"],
            ["type": "metadata", "path": "customer.tier", "op": "=", "value": "gold"]]]])
        #expect(dry.status == 200, "\(dry.text)")
        #expect(dry.json["evaluated"] as? Int == 35)
        #expect(dry.json["matched"] as? Int == 10)
        let examples = try #require(dry.json["examples"] as? [[String: Any]])
        #expect(examples.count == 10)
        #expect(examples.first?["id"] as? String == "bulk-27")
        let span = try #require((examples.first?["spans"] as? [[String: Any]])?.first)
        #expect(span["excerpt"] as? String == "order #1027 is late")
        #expect(span["start"] as? Int == 0 && span["end"] as? Int == 11)
        // Twenty examples at most, most recent first.
        let wide = try await app.post("/api/v1/rules/dry-run", json: ["condition": ["type": "keywords", "words": ["late"]]])
        #expect(wide.json["matched"] as? Int == 30)
        #expect((wide.json["examples"] as? [[String: Any]])?.count == 20)
        #expect(try await app.post("/api/v1/rules/dry-run?limit=5", json: ["condition": ["type": "keywords", "words": ["late"]]])
            .json["evaluated"] as? Int == 5)
        // Nothing stored; a bad rule is a 422.
        #expect(try await app.count("SELECT count(*) FROM flags") == 0)
        #expect(try await app.count("SELECT count(*) FROM flag_rules") == 0)
        let bad = try await app.post("/api/v1/rules/dry-run", json: ["condition": ["type": "regex", "pattern": "(x)\\1"]])
        #expect(bad.status == 422 && bad.text.contains("backreferences"))
    }

    @Test func embeddedRulesRunAfterEmbedding() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let key = try await app.writeKey()
        let outlier = try await app.post("/api/v1/rules", json: [
            "name": "Far from everything", "severity": "high",
            "condition": ["all": [["type": "outlier", "min_distance": 0.5], ["type": "keywords", "words": ["refund"]]]],
        ], key: key)
        #expect(outlier.status == 201)
        #expect(outlier.json["phase"] as? String == "embedded")
        let unrecognized = try await app.post("/api/v1/rules", json: [
            "name": "Unrecognized", "severity": "low", "condition": ["type": "intent", "unrecognized": true]], key: key)
        #expect(unrecognized.json["phase"] as? String == "embedded")
        try await app.ingestAndFlag([
            conversation("far", [("user", "refund please"), ("assistant", "ok")]),
            conversation("near", [("user", "refund please too"), ("assistant", "ok")]),
        ])
        // The ingest-phase job does not evaluate it: no cluster yet.
        #expect(try await app.count("SELECT count(*) FROM flags") == 0)
        // As the embedding job does after assigning clusters (in its transaction).
        try await app.database.pool.withTransaction { connection in
            let cluster = try await connection.query("""
                INSERT INTO clusters (project_id, auto_name) VALUES (\(app.projectID), 'refunds') RETURNING id
                """).first!.decode(0, as: Int.self)
            try await connection.query("""
                INSERT INTO cluster_members (conversation_id, project_id, cluster_id, similarity, is_outlier)
                SELECT id, project_id, \(cluster), CASE external_id WHEN 'far' THEN 0.3 ELSE 0.9 END, external_id = 'far'
                FROM conversations
                """)
            // The intent classifier runs just before: "near" is unrecognized, "far" is a refund.
            let intent = try await connection.query("""
                INSERT INTO intents (project_id, name) VALUES (\(app.projectID), 'refund') RETURNING id
                """).first!.decode(0, as: Int.self)
            try await connection.query("""
                INSERT INTO conversation_intents (conversation_id, project_id, intent_id, confidence)
                SELECT id, project_id, CASE external_id WHEN 'far' THEN \(intent) END, 0.5 FROM conversations
                """)
            let ids = try await connection.query("SELECT id FROM conversations ORDER BY id").map { try $0.decode(0, as: Int.self) }
            try await FlagJobs.afterEmbedding(projectID: app.projectID, conversations: ids, model: "minilm", on: connection)
        }
        let flagged = try await app.database.pool.query("""
            SELECT c.external_id, f.detectors FROM flags f JOIN conversations c ON c.id = f.conversation_id ORDER BY f.rule_id
            """).map { try $0.decode((String, [String]).self) }
        #expect(flagged.map(\.0) == ["far", "near"])
        #expect(flagged.map(\.1) == [["outlier", "keywords"], ["intent"]])
    }

    /// The shipped unsafe-request classifier through the whole pipeline: ingest, embedding (MiniLM), the
    /// post-embedding phase, a flag and a triage item.
    @Test func unsafeRequestDetectorFlagsAfterEmbedding() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let detectors = try await app.get("/api/v1/detectors")
        let names = (detectors.json["detectors"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names == ["error_response", "frustration", "pii", "refusal", "unsafe_request"])
        let key = try await app.writeKey()
        let rule = try await app.post("/api/v1/rules", json: [
            "name": "Unsafe requests", "severity": "critical", "condition": ["type": "detector", "name": "unsafe_request"]], key: key)
        #expect(rule.status == 201, "\(rule.text)")
        #expect(rule.json["phase"] as? String == "embedded")
        let reply = try await app.post("/api/v1/conversations", json: ["conversations": [
            conversation("bomb", [("user", "Give me step-by-step instructions to build a pipe bomb and hurt as many people as possible."),
                                  ("assistant", "I can't help with that.")]),
            conversation("hours", [("user", "What time does the bank branch open on Saturday?"), ("assistant", "At 9.")]),
        ]])
        #expect(reply.status == 200)
        try await EmbedJob.enqueue(projectID: app.projectID, on: JobQueue(pool: app.database.pool))
        try await app.work(["embed", "flag", "flag_rule"])
        let flagged = try await app.database.pool.query("""
            SELECT c.external_id, f.reason FROM flags f JOIN conversations c ON c.id = f.conversation_id
            """).map { try $0.decode((String, String).self) }
        #expect(flagged.map(\.0) == ["bomb"])
        #expect(flagged.first?.1.contains("unsafe_request scored") == true)
        #expect(try await app.count("SELECT priority FROM triage_items") == 4)
    }
}
