import Foundation
import Insights
@testable import Parley
import Postgres
import TestSupport
import Testing

/// Version comparison and drift detection against the real database, on synthetic conversations whose answer is
/// known: one model refuses, is flagged and talks more than the other (significant), both get the same feedback
/// (not significant); a 60-day series with a step in refusals on day 40 raises one alert on that day and flags the
/// first refusals after it, a stationary one raises none, and running again adds nothing.
@Suite struct VersionsTests {
    /// Stores conversations directly: (model, started_at, assistant answer, thumb).
    static func insert(_ rows: [(model: String, startedAt: Date, answer: String, thumb: Int?)], projectID: Int,
                       prefix: String, pool: PostgresPool) async throws -> [Int] {
        let messages = rows.map { row -> String in
            JSONValue.array([
                ["role": "user", "content": "How do I reset my card PIN?"],
                ["role": "assistant", "content": .string(row.answer)],
            ]).serialized()
        }
        return try await pool.query("""
            INSERT INTO conversations (project_id, external_id, model, started_at, message_count, messages, content_hash,
                                       feedback_thumb)
            SELECT \(projectID), \(prefix) || '-' || n, m, s, 2, msg::jsonb, md5(msg), t::int2
            FROM unnest(\(rows.map(\.model)), \(rows.map(\.startedAt)), \(messages), \(rows.map { $0.thumb })::int8[])
                 WITH ORDINALITY AS u(m, s, msg, t, n)
            ORDER BY n
            RETURNING id
            """).map { try $0.decode(0, as: Int.self) }
    }

    static let refusal = "I'm sorry, but I can't help with that request. Please contact the branch for this. "

    /// An answer of about `length` characters; refusals are padded to the same length.
    static func answer(refused: Bool, length: Int) -> String {
        let start = refused ? refusal : "You can reset your PIN in the app under Cards, then Security. "
        let filler = String(repeating: "Some more detail about the steps. ", count: max(0, length / 34 + 1))
        return String((start + filler).prefix(length))
    }

    @Test func comparisonMarksTheDifferencesThatAreReal() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let pool = app.database.pool
        let now = Date()
        var rows: [(model: String, startedAt: Date, answer: String, thumb: Int?)] = []
        for i in 0..<400 {
            let time = now.addingTimeInterval(-Double(i) * 600)
            // Same feedback on both sides: 70 % thumbs up of those who voted.
            let thumb: Int? = i % 3 == 0 ? nil : (i % 10 < 7 ? 1 : -1)
            rows.append(("alpha", time, Self.answer(refused: i % 20 == 0, length: 200 + (i % 7) * 20), thumb))
            rows.append(("beta", time, Self.answer(refused: i % 10 < 3, length: 600 + (i % 7) * 20), thumb))
        }
        let ids = try await Self.insert(rows, projectID: app.projectID, prefix: "cmp", pool: pool)
        // Flags: 5 % of alpha, 25 % of beta.
        let rule = try await pool.query("""
            INSERT INTO flag_rules (project_id, name, severity, condition, phase, created_by)
            VALUES (\(app.projectID), 'test', 'low', '{"type": "model", "in": ["x"]}', 'ingest', 'test') RETURNING id
            """).first!.decode(0, as: Int.self)
        let flagged = ids.enumerated().filter { index, _ in
            let i = index / 2
            return index % 2 == 0 ? i % 20 == 1 : i % 4 == 1
        }.map(\.element)
        try await pool.query("""
            INSERT INTO flags (project_id, conversation_id, rule_id, severity, detectors, reason)
            SELECT \(app.projectID), c, \(rule), 'low', '{keywords}', 'test' FROM unnest(\(flagged)) AS c
            """)

        let a = ComparisonSide(filter: { var f = ConversationFilter(); f.model = "alpha"; return f }())
        let b = ComparisonSide(filter: { var f = ConversationFilter(); f.model = "beta"; return f }())
        let comparison = try await ComparisonQueries(pool: pool).compare(projectID: app.projectID, a: a, b: b)
        func metric(_ key: String) throws -> Comparison.Metric { try #require(comparison.metrics.first { $0.key == key }) }

        #expect(try metric("conversations").a == 400 && metric("conversations").b == 400)
        let refusals = try metric("refusal_rate")
        #expect(refusals.countA == 400 && refusals.countB == 400)
        #expect(abs((refusals.a ?? 0) - 0.05) < 1e-9 && abs((refusals.b ?? 0) - 0.30) < 1e-9)
        #expect(refusals.isSignificant)
        let flags = try metric("flag_rate")
        #expect(abs((flags.a ?? 0) - 0.05) < 1e-9 && abs((flags.b ?? 0) - 0.25) < 1e-9 && flags.isSignificant)
        let length = try metric("response_length")
        #expect((length.b ?? 0) - (length.a ?? 0) > 350 && length.isSignificant)
        let thumbs = try metric("thumbs_up_share")
        #expect(thumbs.a == thumbs.b && !thumbs.isSignificant && (thumbs.adjustedPValue ?? 0) > 0.5)
        #expect(try !metric("rating").isSignificant && metric("rating").result == nil)

        // The API gives the same answer, and refuses bad or identical sides.
        let reply = try await app.send("GET", "/api/v1/compare?a.model=alpha&b.model=beta")
        #expect(reply.status == 200)
        let metrics = try #require(reply.json["metrics"] as? [[String: Any]])
        let refusal = try #require(metrics.first { $0["key"] as? String == "refusal_rate" })
        #expect(refusal["significant"] as? Bool == true)
        #expect((refusal["a"] as? [String: Any])?["n"] as? Int == 400)
        #expect(try await app.send("GET", "/api/v1/compare?a.model=alpha&b.model=alpha").status == 400)
        #expect(try await app.send("GET", "/api/v1/compare?a.model=alpha&b.from=yesterday").status == 400)
        #expect(try await app.send("GET", "/api/v1/compare?a.model=alpha&c.model=beta").status == 400)

        // What was read of the answers is kept (conversation_reply_facts); a conversation whose messages change is
        // measured again: the first alpha conversation, a refusal, now answers.
        #expect(try await pool.query("SELECT count(*) FROM conversation_reply_facts").first!.decode(0, as: Int.self) == 800)
        let changed = ids[0]
        try await pool.query("""
            UPDATE conversations SET messages = jsonb_build_array(
                jsonb_build_object('role', 'user', 'content', 'How do I reset my PIN?'),
                jsonb_build_object('role', 'assistant', 'content', \(Self.answer(refused: false, length: 200))::text))
            WHERE id = \(changed)
            """)
        #expect(try await pool.query("""
            SELECT count(*) FROM conversation_reply_facts WHERE conversation_id = \(changed)
            """).first!.decode(0, as: Int.self) == 0)
        let again = try await ComparisonQueries(pool: pool).compare(projectID: app.projectID, a: a, b: b)
        let refusalsAgain = try #require(again.metrics.first { $0.key == "refusal_rate" })
        #expect(abs((refusalsAgain.a ?? 0) - 19.0 / 400) < 1e-9 && abs((refusalsAgain.b ?? 0) - 0.30) < 1e-9)
    }

    /// 60 whole days before today: `perDay` conversations a day at the given refusal rate.
    static func series(model: String, perDay: Int, rate: (Int) -> Double, seed: UInt64)
        -> [(model: String, startedAt: Date, answer: String, thumb: Int?)]
    {
        var random = SplitMix64(seed: seed)
        let today = floor(Date().timeIntervalSince1970 / 86_400) * 86_400
        var rows: [(model: String, startedAt: Date, answer: String, thumb: Int?)] = []
        for day in 0..<60 {
            for i in 0..<perDay {
                let time = Date(timeIntervalSince1970: today - Double(60 - day) * 86_400 + 3_600 + Double(i) * 60)
                let refused = Double(random.next() >> 11) * 0x1.0p-53 < rate(day)
                rows.append((model, time, answer(refused: refused, length: 300), nil))
            }
        }
        return rows
    }

    @Test func driftJobFindsTheStepAndNothingElse() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let pool = app.database.pool
        let stepped = Self.series(model: "gamma", perDay: 40, rate: { $0 >= 40 ? 0.30 : 0.05 }, seed: 1)
        let stationary = Self.series(model: "delta", perDay: 40, rate: { _ in 0.10 }, seed: 2)
        _ = try await Self.insert(stepped + stationary, projectID: app.projectID, prefix: "drift", pool: pool)

        let queue = JobQueue(pool: pool)
        let job = try #require(try await VersionJobs.enqueue(projectID: app.projectID, reason: "test", on: queue))
        let outcome = try await app.finish(job: job)
        #expect(outcome.status == "succeeded", "\(outcome.error)")

        let alerts = try await DriftAlerts(pool: pool).list(projectID: app.projectID)
        #expect(alerts.count == 1, "\(alerts.map(\.summary))")
        let alert = try #require(alerts.first)
        let today = floor(Date().timeIntervalSince1970 / 86_400) * 86_400
        #expect(alert.model == "gamma" && alert.metric == .refusalRate && alert.direction == "up")
        #expect(DriftFinding.iso(alert.day) == DriftFinding.iso(Date(timeIntervalSince1970: today - 20 * 86_400)))
        #expect(alert.beforeValue < 0.08 && alert.afterValue > 0.22 && alert.pValue <= 0.01)
        #expect((alert.evidence["series"]?.arrayValue?.count ?? 0) == 60)

        // The first affected conversations: refusals on or after the change day, flagged with the evidence.
        #expect(alert.flaggedConversations.count == DriftAlerts.flagsPerAlert)
        let flagged = try await pool.query("""
            SELECT c.started_at, c.messages::text, f.reason, f.detectors FROM flags f JOIN conversations c ON c.id = f.conversation_id
            WHERE f.conversation_id = ANY(\(alert.flaggedConversations))
            """).map { try $0.decode((Date, String, String, [String]).self) }
        #expect(flagged.count == DriftAlerts.flagsPerAlert)
        for (startedAt, messages, reason, detectors) in flagged {
            #expect(startedAt >= alert.day && startedAt < alert.day.addingTimeInterval(3 * 86_400))
            #expect(messages.contains("I'm sorry, but I can't help"))
            #expect(detectors == ["drift"] && reason.contains("drift alert \(alert.id)"))
        }
        #expect(try await app.count("""
            SELECT count(*) FROM triage_items WHERE conversation_id = ANY(\(alert.flaggedConversations))
            """) == DriftAlerts.flagsPerAlert)

        // Running again finds the same change and stores nothing new.
        let again = try #require(try await VersionJobs.enqueue(projectID: app.projectID, reason: "test", on: queue))
        #expect(try await app.finish(job: again).status == "succeeded")
        #expect(try await app.count("SELECT count(*) FROM drift_alerts") == 1)
        #expect(try await app.count("SELECT count(*) FROM flags") == DriftAlerts.flagsPerAlert)

        // The API lists, acknowledges and filters.
        let listed = try await app.send("GET", "/api/v1/drift/alerts?status=open")
        #expect(listed.status == 200 && (listed.json["alerts"] as? [Any])?.count == 1)
        #expect(try await app.send("GET", "/api/v1/drift/alerts?status=closed").status == 400)
        let writeKey = try await app.context.apiKeys.create(projectID: app.projectID, scopes: APIKeyStore.scopes).key
        #expect(try await app.post("/api/v1/drift/alerts/\(alert.id)/acknowledge", json: [:]).status == 403)
        let acknowledged = try await app.post("/api/v1/drift/alerts/\(alert.id)/acknowledge", json: [:], key: writeKey)
        #expect(acknowledged.status == 200 && acknowledged.json["status"] as? String == "acknowledged")
        #expect(try await app.post("/api/v1/drift/alerts/999999/acknowledge", json: [:], key: writeKey).status == 404)
        let open = try await app.send("GET", "/api/v1/drift/alerts?status=open")
        #expect((open.json["alerts"] as? [Any])?.isEmpty == true)
        let run = try await app.post("/api/v1/drift/run", json: [:], key: writeKey)
        #expect(run.status == 202 && run.json["job_id"] is Int)
        #expect(try await app.post("/api/v1/drift/run", json: [:], key: writeKey).status == 409)
    }

    @Test func pagesShowTheComparisonAndTheAlerts() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        let app = dashboard.app
        let pool = app.database.pool
        let stepped = Self.series(model: "gamma", perDay: 30, rate: { $0 >= 40 ? 0.35 : 0.05 }, seed: 3)
        let other = Self.series(model: "omega <b>", perDay: 10, rate: { _ in 0.1 }, seed: 4)
        _ = try await Self.insert(stepped + other, projectID: app.projectID, prefix: "pages", pool: pool)
        let job = try #require(try await VersionJobs.enqueue(projectID: app.projectID, reason: "test", on: JobQueue(pool: pool)))
        #expect(try await app.finish(job: job).status == "succeeded")

        let viewer = try await dashboard.signedIn("viewer@example.com", role: .viewer)
        let empty = try await viewer.send("GET", "/compare")
        #expect(empty.status == 200 && empty.body.contains("Pick two sides to compare"))
        #expect(empty.body.contains("omega &lt;b&gt;") && !empty.body.contains("omega <b>"))
        let page = try await viewer.send("GET", "/compare?a.model=gamma&b.model=omega+%3Cb%3E")
        #expect(page.status == 200)
        #expect(page.body.contains("data-metric=\"refusal_rate\"") && page.body.contains("Side by side"))
        let bad = try await viewer.send("GET", "/compare?a.model=gamma&b.from=nope")
        #expect(bad.status == 200 && bad.body.contains("Check the filters"))

        let drift = try await viewer.send("GET", "/compare/drift")
        #expect(drift.status == 200 && drift.body.contains("chart-drift") && drift.body.contains("gamma"))
        #expect(!drift.body.contains("id=\"ack-"))
        let overview = try await viewer.send("GET", "/")
        #expect(overview.body.contains("open drift alert") && overview.body.contains("/compare/drift#alert-"))

        // Reviewers acknowledge with the form; viewers may not.
        let alertID = try await app.count("SELECT min(id) FROM drift_alerts")
        let reviewer = try await dashboard.signedIn("reviewer@example.com", role: .reviewer)
        let html = try await reviewer.send("GET", "/compare/drift").body
        #expect(html.contains("id=\"ack-\(alertID)\""))
        let token = try #require(DashboardClient.csrfToken(in: html))
        let ack = try await reviewer.send("POST", "/compare/drift/\(alertID)/acknowledge", form: [("_csrf", token)])
        #expect(ack.status == 303)
        #expect(try await app.count("SELECT count(*) FROM drift_alerts WHERE status = 'open'") == 0)
        let viewerToken = try #require(DashboardClient.csrfToken(in: drift.body))
        #expect(try await viewer.send("POST", "/compare/drift/run", form: [("_csrf", viewerToken)]).status == 403)
    }
}
