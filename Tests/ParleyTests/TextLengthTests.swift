import Foundation
import Parley
import Postgres
import Testing

/// Length limits are checked as PostgreSQL counts them (code points), not as Swift counts characters (grapheme
/// clusters): a name of 150 accented letters written with combining marks is 150 characters to Swift but 300 to
/// the database's CHECK, and used to get a 500 instead of a 400 (schemathesis found it on the cluster rename).
struct TextLengthTests {
    static let combining = String(repeating: "e\u{301}", count: 150)

    @Test func combiningMarksAreCountedAsTheDatabaseCountsThem() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let key = try await app.context.apiKeys.create(projectID: app.projectID, scopes: APIKeyStore.scopes).key
        #expect(Self.combining.count == 150 && Self.combining.unicodeScalars.count == 300)
        let cluster = try await app.database.pool.query("""
            INSERT INTO clusters (project_id, level, auto_name, status) VALUES (\(app.projectID), 0, 'k', 'active')
            RETURNING id
            """).first!.decode(0, as: Int.self)
        let body = try JSONSerialization.data(withJSONObject: ["name": Self.combining])
        let rename = try await app.send("PATCH", "/api/v1/clusters/\(cluster)", body: body, key: key)
        #expect(rename.status == 400 || rename.status == 422, "got \(rename.status): \(rename.text)")
        let fits = try JSONSerialization.data(withJSONObject: ["name": String(repeating: "e\u{301}", count: 100)])
        #expect(try await app.send("PATCH", "/api/v1/clusters/\(cluster)", body: fits, key: key).status == 200)

        let rule = try JSONSerialization.data(withJSONObject: [
            "name": Self.combining, "severity": "low", "condition": ["type": "keywords", "words": ["x"]],
        ])
        let created = try await app.send("POST", "/api/v1/rules", body: rule, key: key)
        #expect(created.status == 400 || created.status == 422, "got \(created.status): \(created.text)")
    }

    /// Promoting a cluster to an intent takes its name and its conversations' texts, cut to the intent's limits in
    /// code points (a 500 from schemathesis: `POST /api/v1/intents/from-cluster`); a cluster without any name
    /// gives "Cluster N" (its empty automatic name broke the intent's CHECK).
    @Test func promotingAClusterCutsItsNameAndExamplesAsTheDatabaseCounts() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let key = try await app.context.apiKeys.create(projectID: app.projectID, scopes: APIKeyStore.scopes).key
        let pool = app.database.pool
        let long = String(repeating: "e\u{301}", count: 2_500)  // 2,500 characters, 5,000 code points
        let conversation = try await pool.query("""
            INSERT INTO conversations (project_id, external_id, started_at, message_count, messages, content_hash)
            VALUES (\(app.projectID), 'long', now(), 1,
                    jsonb_build_array(jsonb_build_object('role', 'user', 'content', \(long)::text)), 'h')
            RETURNING id
            """).first!.decode(0, as: Int.self)
        var promoted: [String] = []
        for name in [String(repeating: "a\u{308}", count: 150), ""] {
            let cluster = try await pool.query("""
                INSERT INTO clusters (project_id, level, auto_name, status, representatives)
                VALUES (\(app.projectID), 0, \(name), 'active', ARRAY[\(conversation)]::int8[]) RETURNING id
                """).first!.decode(0, as: Int.self)
            let body = try JSONSerialization.data(withJSONObject: ["cluster_id": cluster])
            let reply = try await app.send("POST", "/api/v1/intents/from-cluster", body: body, key: key)
            #expect(reply.status == 201, "got \(reply.status): \(reply.text)")
            promoted.append(try await pool.query("""
                SELECT name FROM intents WHERE cluster_id = \(cluster)
                """).first?.decode(0, as: String.self) ?? "-")
            if name.isEmpty { #expect(promoted.last == "Cluster \(cluster)") }
        }
        #expect(promoted[0].unicodeScalars.count == 200)
        let lengths = try await pool.query("SELECT length(text) FROM intent_examples").map { try $0.decode(0, as: Int.self) }
        #expect(lengths == [4_000, 4_000])
    }
}
