import Foundation
@testable import Parley
import Postgres
import TestSupport
import Testing

/// Exports through the API against the real database: every JSONL line parses with the expected fields, the
/// corrected answer replaces the assistant's, preference pairs from corrections and ratings, balancing, and CSV
/// that parses back (RFC 4180) with formula injection neutralised. More rows than one page, to cross pages.
@Suite struct ExportTests {
    /// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF records).
    static func parseCSV(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = String.UnicodeScalarView()
        var quoted = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = scalars.next()
        while let s = pending {
            pending = scalars.next()
            if quoted {
                if s == "\"" {
                    if pending == "\"" { field.append("\""); pending = scalars.next() } else { quoted = false }
                } else {
                    field.append(s)
                }
            } else if s == "\"" {
                quoted = true
            } else if s == "," {
                record.append(String(field)); field = String.UnicodeScalarView()
            } else if s == "\r" && pending == "\n" {
                pending = scalars.next()
                record.append(String(field)); field = String.UnicodeScalarView()
                records.append(record); record = []
            } else {
                field.append(s)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(String(field)); records.append(record) }
        return records
    }

    static func lines(_ reply: TestApp.Reply) throws -> [[String: Any]] {
        try reply.text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    struct Fixture {
        let app: TestApp
        let key: String
        let correctedItem: Int
    }

    static func fixture() async throws -> Fixture {
        let app = try await TestApp.start()
        let key = try await app.writeKey()
        let rule = try await app.post("/api/v1/rules", json: ["name": "refunds", "severity": "high",
                                                              "condition": ["type": "keywords", "words": ["refund"]]], key: key)
        #expect(rule.status == 201)
        var conversations: [[String: Any]] = []
        for i in 0..<1_100 {
            conversations.append(conversation("plain-\(i)", [("system", "You are a bank."), ("user", "balance \(i)?"),
                                                            ("assistant", "It is \(i) euros.")], model: i % 2 == 0 ? "a" : "b"))
        }
        conversations.append(conversation("refund", [("user", "I want a refund"), ("assistant", "No."),
                                                     ("user", "Why not?"), ("assistant", "Because.")]))
        conversations.append(conversation("unanswered", [("user", "hello?")]))
        // Same prompt, rated differently by users: a preference pair.
        conversations.append(conversation("pair-good", [("user", "How do I block my card?"), ("assistant", "Open Cards, tap Block.")],
                                          feedback: ["rating": 5]))
        conversations.append(conversation("pair-bad", [("user", "How do I block my card?"), ("assistant", "I don't know.")],
                                          feedback: ["rating": 1]))
        // Hostile cells for the CSV.
        conversations.append(conversation("=HYPERLINK(\"http://evil\",\"x\")", [("user", "@SUM(A1:A9), +1, -2, \"quoted\"\nnew line"),
                                                                               ("assistant", "-1")],
                                          metadata: ["note": "=1+1"], feedback: ["thumb": "down"]))
        for start in stride(from: 0, to: conversations.count, by: 500) {
            let reply = try await app.post("/api/v1/conversations",
                                           json: ["conversations": Array(conversations[start..<min(conversations.count, start + 500)])])
            #expect(reply.status == 200, "\(reply.text)")
        }
        try await FlagJobs.enqueue(projectID: app.projectID, on: JobQueue(pool: app.database.pool))
        try await app.work()
        let item = try #require(try await app.database.pool.query("SELECT id FROM triage_items").first?.decode(0, as: Int.self))
        let patched = try await app.patch("/api/v1/triage/items/\(item)", json: [
            "corrected_answer": "Refunds are possible within 30 days; here is how to ask for one.", "status": "resolved"], key: key)
        #expect(patched.status == 200, "\(patched.text)")
        return Fixture(app: app, key: key, correctedItem: item)
    }

    @Test func exportsAreValidForTheirFormats() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.app.stop() } }
        let app = f.app

        // Fine-tuning JSONL: one line per conversation with an assistant turn, across pages of 500.
        let finetune = try await app.get("/api/v1/exports/finetune.jsonl")
        #expect(finetune.status == 200)
        #expect(finetune.headers["content-type"] == "application/x-ndjson")
        #expect(finetune.headers["content-disposition"]?.contains("finetune.jsonl") == true)
        let lines = try Self.lines(finetune)
        #expect(lines.count == 1_104)
        for line in lines {
            let messages = try #require(line["messages"] as? [[String: Any]])
            #expect(messages.allSatisfy { ($0["role"] as? String) != nil && ($0["content"] as? String) != nil })
            #expect(messages.last?["role"] as? String == "assistant")
        }
        #expect(lines.first.flatMap { ($0["messages"] as? [[String: Any]])?.map { $0["role"] as? String } }
            == ["system", "user", "assistant"])
        // The corrected answer replaces what the assistant said after the last user turn.
        let corrected = try Self.lines(try await app.get("/api/v1/exports/finetune.jsonl?corrected=true"))
        #expect(corrected.count == 1)
        let turns = try #require(corrected.first?["messages"] as? [[String: Any]])
        #expect(turns.map { $0["content"] as? String } == ["I want a refund", "No.", "Why not?",
                                                            "Refunds are possible within 30 days; here is how to ask for one."])
        // Filters and limits.
        #expect(try Self.lines(try await app.get("/api/v1/exports/finetune.jsonl?model=a&limit=7")).count == 7)
        #expect(try Self.lines(try await app.get("/api/v1/exports/finetune.jsonl?status=resolved")).count == 1)
        #expect(try Self.lines(try await app.get("/api/v1/exports/finetune.jsonl?flagged=true&model=a")).isEmpty)
        #expect(try await app.get("/api/v1/exports/finetune.jsonl?min_rating=9").status == 422)
        #expect(try await app.get("/api/v1/exports/finetune.jsonl?balance_by=colour&per_group=2").status == 422)
        #expect(try await app.get("/api/v1/exports/finetune.jsonl", key: "").status == 401)

        // DPO JSONL: the correction chosen over the original; the better-rated answer over the worse.
        let dpo = try Self.lines(try await app.get("/api/v1/exports/dpo.jsonl"))
        #expect(dpo.count == 2)
        for pair in dpo {
            for field in ["prompt", "chosen", "rejected"] {
                let messages = try #require(pair[field] as? [[String: Any]], "\(field)")
                #expect(!messages.isEmpty && messages.allSatisfy { $0["role"] is String && $0["content"] is String })
            }
        }
        let correction = try #require(dpo.first { $0["source"] as? String == "correction" })
        #expect((correction["chosen"] as? [[String: Any]])?.first?["content"] as? String
            == "Refunds are possible within 30 days; here is how to ask for one.")
        #expect((correction["rejected"] as? [[String: Any]])?.first?["content"] as? String == "Because.")
        #expect((correction["prompt"] as? [[String: Any]])?.last?["content"] as? String == "Why not?")
        let rating = try #require(dpo.first { $0["source"] as? String == "rating" })
        #expect((rating["chosen"] as? [[String: Any]])?.first?["content"] as? String == "Open Cards, tap Block.")
        #expect((rating["rejected"] as? [[String: Any]])?.first?["content"] as? String == "I don't know.")
        #expect((rating["prompt"] as? [[String: Any]])?.map { $0["content"] as? String } == ["How do I block my card?"])
        #expect(try Self.lines(try await app.get("/api/v1/exports/dpo.jsonl?sources=rating&min_margin=4")).count == 1)
        #expect(try await app.get("/api/v1/exports/dpo.jsonl?sources=rating&min_margin=4.5").status == 422)
        #expect(try await app.get("/api/v1/exports/dpo.jsonl?sources=votes").status == 422)
        #expect(try Self.lines(try await app.get("/api/v1/exports/dpo.jsonl?sources=correction")).count == 1)

        // CSV: parses back to the header plus one record per conversation; hostile cells are neutralised.
        let csv = try await app.get("/api/v1/exports/conversations.csv")
        #expect(csv.headers["content-type"] == "text/csv; charset=utf-8")
        let records = Self.parseCSV(csv.text)
        #expect(records.first == ExportRoutes.csvHeader)
        #expect(records.count == 1 + 1_105)
        #expect(records.allSatisfy { $0.count == ExportRoutes.csvHeader.count })
        let hostile = try #require(records.first { $0[1].contains("HYPERLINK") })
        let column = { (name: String) in ExportRoutes.csvHeader.firstIndex(of: name)! }
        #expect(hostile[column("id")] == "'=HYPERLINK(\"http://evil\",\"x\")")
        #expect(hostile[column("first_user_message")] == "'@SUM(A1:A9), +1, -2, \"quoted\"\nnew line")
        #expect(hostile[column("last_assistant_message")] == "-1")
        #expect(hostile[column("feedback_thumb")] == "-1")
        #expect(hostile[column("metadata")] == "{\"note\": \"=1+1\"}")
        let refund = try #require(records.first { $0[1] == "refund" })
        #expect(refund[column("flags")] == "refunds")
        #expect(refund[column("triage_status")] == "resolved")
        #expect(refund[column("corrected_answer")].hasPrefix("Refunds are possible"))
        #expect(CSVWriter.field("+1") == "'+1")
        #expect(CSVWriter.field("-0.5") == "-0.5")
        #expect(CSVWriter.field("\tcmd") == "'\tcmd")
    }

    @Test func balancedByCluster() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        var conversations: [[String: Any]] = []
        for i in 0..<12 { conversations.append(conversation("c-\(i)", [("user", "q\(i)"), ("assistant", "a\(i)")])) }
        #expect(try await app.post("/api/v1/conversations", json: ["conversations": conversations]).status == 200)
        try await app.database.pool.withTransaction { connection in
            var clusters: [Int] = []
            for name in ["one", "two"] {
                clusters.append(try await connection.query("""
                    INSERT INTO clusters (project_id, auto_name) VALUES (\(app.projectID), \(name)) RETURNING id
                    """).first!.decode(0, as: Int.self))
            }
            // 8 in the first cluster, 3 in the second, 1 unassigned.
            try await connection.query("""
                INSERT INTO cluster_members (conversation_id, project_id, cluster_id, similarity)
                SELECT id, project_id, CASE WHEN n <= 8 THEN \(clusters[0]) WHEN n <= 11 THEN \(clusters[1]) END, 0.9
                FROM (SELECT id, project_id, row_number() OVER (ORDER BY id) AS n FROM conversations) s
                """)
        }
        let balanced = try Self.lines(try await app.get("/api/v1/exports/finetune.jsonl?balance_by=cluster&per_group=2"))
        #expect(balanced.count == 5)
        let csv = Self.parseCSV(try await app.get("/api/v1/exports/conversations.csv?balance_by=cluster&per_group=3").text)
        let clusterColumn = try #require(ExportRoutes.csvHeader.firstIndex(of: "cluster_id"))
        var perCluster: [String: Int] = [:]
        for record in csv.dropFirst() { perCluster[record[clusterColumn], default: 0] += 1 }
        #expect(perCluster.values.sorted() == [1, 3, 3])
        #expect(try await app.get("/api/v1/exports/finetune.jsonl?balance_by=cluster").status == 422)
    }
}
