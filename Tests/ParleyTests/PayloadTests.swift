import Foundation
import Parley
import Postgres
import TestSupport
import Testing

/// Bugs found by the hostile-input check of `make reliability` (scripts/reliability/60-payloads.sh).
@Suite struct PayloadTests {
    /// PostgreSQL cannot store U+0000 in text or jsonb: a `\u0000` in a JSON body was a 500 from the INSERT
    /// (single and bulk ingest, feedback, rules, intents, triage comments); now it is malformed input.
    @Test func nulInJSONStringsIsRefusedNotA500() async throws {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(#"{"a": "x\u0000y"}"#) }
        #expect(try JSONParser.parse(#""\u0001""#) == .string("\u{1}"))

        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        var nul = sampleConversation(id: "nul")
        nul["model"] = "<scr\u{0}ipt>"
        let single = try await app.post("/api/v1/conversations", json: nul)
        #expect(single.status == 400)

        let lines = [sampleConversation(id: "ok-1"), nul, sampleConversation(id: "ok-2")]
            .map { String(decoding: try! JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        let bulk = try await app.send("POST", "/api/v1/conversations/bulk", body: Data(lines.joined(separator: "\n").utf8),
                                      contentType: "application/x-ndjson")
        #expect(bulk.status == 200)
        #expect((bulk.json["errors"] as? [[String: Any]])?.compactMap { $0["line"] as? Int } == [2])
        #expect(try await app.count() == 2)

        let feedback = try await app.post("/api/v1/conversations/ok-1/feedback", json: ["comment": "a\u{0}b"])
        #expect(feedback.status == 400)
    }

    /// A NUL in a form field or a query string reached PostgreSQL and was a 500 page or problem; now a 400.
    @Test func nulInFormsAndQueryStringsIsA400() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        let admin = try await dashboard.signedIn("admin@example.com", role: .admin)
        let key = try await SettingsPagesTests.submit(admin, "/settings/keys", from: "/settings/keys", [
            ("name", "a\u{0}b"), ("scope", "read")])
        #expect(key.status == 400)
        #expect(key.body.contains("NUL"))
        let page = try await admin.send("GET", "/conversations?model=a%00b")
        #expect(page.status < 500)
        let list = try await dashboard.app.send("GET", "/api/v1/conversations?model=a%00b")
        #expect(list.status < 500)
    }

    /// An export filter with a NUL failed after the head was sent: the download was cut off. Now a 422 first.
    @Test func nulInAnExportFilterIsRefusedBeforeTheDownload() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        _ = try await app.post("/api/v1/conversations", json: sampleConversation(id: "c1"))
        for path in ["/api/v1/exports/finetune.jsonl?model=a%00b", "/api/v1/exports/dpo.jsonl?model=a%00b",
                     "/api/v1/exports/conversations.csv?detector=a%00b"] {
            let reply = try await app.send("GET", path)
            #expect(reply.status == 422, "\(path)")
        }
    }
}
