import Foundation
@testable import Parley
import Postgres
import TestSupport
import Testing

/// The conversation filters (intent, cluster, flag, metadata and the older ones) against the real database, through
/// `GET /api/v1/conversations` and the `/conversations` page: each filter alone and combined, keyset pages, hostile
/// metadata values, bad parameters, and the API and the page agreeing.
@Suite struct ConversationFilterTests {
    /// 60 conversations `c-1` … `c-60`, started `i` minutes before a fixed time except 41…50, which share one
    /// instant (ties broken by id). What each one is given follows from `i` (see `seed`).
    static let count = 60

    struct Fixture {
        var dashboard: DashboardApp
        var app: TestApp { dashboard.app }
        var intentA = 0, intentB = 0
        var group = 0, clusterK1 = 0, clusterK2 = 0, clusterK3 = 0
        var ruleHigh = 0, ruleCritical = 0
    }

    static func start() async throws -> Fixture {
        var fixture = Fixture(dashboard: try await DashboardApp.start())
        try await seed(&fixture)
        return fixture
    }

    /// Stores the conversations and their intents, clusters, flags and triage items with SQL.
    static func seed(_ f: inout Fixture) async throws {
        let pool = f.dashboard.pool, project = f.app.projectID
        try await pool.query("""
            INSERT INTO conversations (project_id, external_id, model, prompt_version, started_at, message_count,
                                       messages, metadata, content_hash)
            SELECT \(project), 'c-' || i, (ARRAY['alpha', 'beta', 'gamma'])[1 + i % 3], 'v' || (i % 2),
                   timestamptz '2026-05-01 12:00:00+00' - (CASE WHEN i BETWEEN 41 AND 50 THEN 41 ELSE i END)
                       * interval '1 minute',
                   2, jsonb_build_array(jsonb_build_object('role', 'user', 'content', 'question number ' || i),
                                        jsonb_build_object('role', 'assistant', 'content', 'answer ' || i)),
                   jsonb_build_object('tier', CASE WHEN i % 4 = 0 THEN 'gold' ELSE 'free' END,
                                      'customer', jsonb_build_object('region', CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END),
                                      'n', i % 5, 'code', (i % 5)::text),
                   md5(i::text)
            FROM generate_series(1, \(count)) i
            """)
        // Hostile and unusual metadata values, stored as data.
        let special: [(Int, String)] = [
            (7, #"{"note": "it's \"quoted\""}"#), (8, #"{"note": "café ☕ 日本"}"#),
            (9, #"{"note": "x' OR '1'='1"}"#), (10, #"{"note": "{\"a\": 1}"}"#), (11, #"{"a.b": "dotted"}"#),
            (12, #"{"note": "%_\\"}"#),
        ]
        for (i, json) in special {
            try await pool.query("""
                UPDATE conversations SET metadata = metadata || \(json)::jsonb
                WHERE project_id = \(project) AND external_id = \("c-\(i)")
                """)
        }
        // A conversation of another project with everything set must never show.
        let other = try await ProjectStore(pool: pool).ensure(slug: "other")
        try await pool.query("""
            INSERT INTO conversations (project_id, external_id, started_at, message_count, messages, metadata, content_hash)
            VALUES (\(other), 'other-1', now(), 1, '[{"role": "user", "content": "question number 1"}]',
                    '{"tier": "gold"}', 'x')
            """)

        func id(_ sql: PostgresQuery) async throws -> Int { try await pool.query(sql).first!.decode(0, as: Int.self) }
        f.intentA = try await id("INSERT INTO intents (project_id, name) VALUES (\(project), 'Card lost') RETURNING id")
        f.intentB = try await id("INSERT INTO intents (project_id, name) VALUES (\(project), 'Refund') RETURNING id")
        let old = try await id("""
            INSERT INTO intent_models (project_id, version, kind, embedding_model, intent_ids, parameters, threshold)
            VALUES (\(project), 1, 'zero_shot', 'm', \([f.intentA, f.intentB]), '\\x00', 0.5) RETURNING id
            """)
        let active = try await id("""
            INSERT INTO intent_models (project_id, version, kind, embedding_model, intent_ids, parameters, threshold, active)
            VALUES (\(project), 2, 'zero_shot', 'm', \([f.intentA, f.intentB]), '\\x00', 0.5, true) RETURNING id
            """)
        // i % 3: 0 → A, 1 → B, 2 → unrecognized; 55…60 were classified by the old model only (match no intent).
        try await pool.query("""
            INSERT INTO conversation_intents (conversation_id, project_id, intent_id, confidence, model_id)
            SELECT c.id, \(project), CASE i % 3 WHEN 0 THEN \(f.intentA) WHEN 1 THEN \(f.intentB) END, 0.8,
                   CASE WHEN i >= 55 THEN \(old) ELSE \(active) END
            FROM conversations c, generate_series(1, \(count)) i
            WHERE c.project_id = \(project) AND c.external_id = 'c-' || i
            """)
        // Group G (level 1) over K1 and K2; K3 on its own. i % 4: 0 → K1, 1 → K2, 2 → K3 (outlier when i % 8 = 2),
        // 3 → unassigned.
        f.group = try await id("INSERT INTO clusters (project_id, level, auto_name) VALUES (\(project), 1, 'Cards') RETURNING id")
        f.clusterK1 = try await id("""
            INSERT INTO clusters (project_id, parent_id, auto_name, size) VALUES (\(project), \(f.group), 'lost cards', 15) RETURNING id
            """)
        f.clusterK2 = try await id("""
            INSERT INTO clusters (project_id, parent_id, auto_name, size) VALUES (\(project), \(f.group), 'declined cards', 15) RETURNING id
            """)
        f.clusterK3 = try await id("""
            INSERT INTO clusters (project_id, auto_name, size) VALUES (\(project), 'refunds', 15) RETURNING id
            """)
        try await pool.query("""
            INSERT INTO cluster_members (conversation_id, project_id, cluster_id, similarity, is_outlier)
            SELECT c.id, \(project), (ARRAY[\(f.clusterK1), \(f.clusterK2), \(f.clusterK3), NULL])[1 + i % 4], 0.9, i % 8 = 2
            FROM conversations c, generate_series(1, \(count)) i
            WHERE c.project_id = \(project) AND c.external_id = 'c-' || i
            """)
        // Rules: high (keywords) on i % 5 = 0, critical (pii) on i % 10 = 0 and i % 7 = 0. Triage items for the
        // flagged ones: open when i is even, else resolved.
        f.ruleHigh = try await id("""
            INSERT INTO flag_rules (project_id, name, severity, condition, phase, created_by)
            VALUES (\(project), 'Angry', 'high', '{"type": "keywords", "words": ["x"]}', 'ingest', 'test') RETURNING id
            """)
        f.ruleCritical = try await id("""
            INSERT INTO flag_rules (project_id, name, severity, condition, phase, created_by)
            VALUES (\(project), 'Cards', 'critical', '{"type": "detector", "name": "pii"}', 'ingest', 'test') RETURNING id
            """)
        try await pool.query("""
            INSERT INTO flags (project_id, conversation_id, rule_id, severity, detectors, reason)
            SELECT \(project), c.id, r.id, r.severity, r.detectors, 'test'
            FROM generate_series(1, \(count)) i
            JOIN conversations c ON c.project_id = \(project) AND c.external_id = 'c-' || i
            JOIN (VALUES (\(f.ruleHigh), 'high', '{keywords}'::text[]), (\(f.ruleCritical), 'critical', '{pii}'::text[]))
                AS r(id, severity, detectors)
              ON (r.id = \(f.ruleHigh) AND i % 5 = 0) OR (r.id = \(f.ruleCritical) AND (i % 10 = 0 OR i % 7 = 0))
            """)
        try await pool.query("""
            INSERT INTO triage_items (project_id, conversation_id, status, priority)
            SELECT \(project), c.id, CASE WHEN substr(c.external_id, 3)::int % 2 = 0 THEN 'open' ELSE 'resolved' END, 3
            FROM conversations c WHERE c.project_id = \(project) AND EXISTS (SELECT 1 FROM flags f WHERE f.conversation_id = c.id)
            """)
        try await pool.query("""
            INSERT INTO conversation_search (conversation_id, project_id, search)
            SELECT id, project_id, jsonb_to_tsvector('english', messages, '["string"]') FROM conversations
            """)
    }

    /// The expected order: newest first, ties (41…50) by id descending, which is insertion order reversed.
    static func ordered(_ numbers: some Sequence<Int>) -> [Int] {
        numbers.sorted { a, b in
            let (ta, tb) = (a >= 41 && a <= 50 ? 41 : a, b >= 41 && b <= 50 ? 41 : b)
            return ta != tb ? ta < tb : a > b
        }
    }

    static let all = Array(1...count)
    static func flagged(_ i: Int) -> Bool { i % 5 == 0 || i % 7 == 0 }

    /// Every conversation number the API lists for `query`, walking pages of `limit`.
    static func apiNumbers(_ app: TestApp, _ query: String, limit: Int = 7) async throws -> [Int] {
        var numbers: [Int] = [], cursor: String?
        for _ in 0..<100 {
            var path = "/api/v1/conversations?limit=\(limit)" + (query.isEmpty ? "" : "&" + query)
            if let cursor { path += "&cursor=" + DashboardClient.encode(cursor) }
            let reply = try await app.send("GET", path)
            try #require(reply.status == 200, "\(path): \(reply.status) \(reply.text)")
            let items = reply.json["conversations"] as? [[String: Any]] ?? []
            #expect(items.count <= limit)
            numbers += items.compactMap { ($0["id"] as? String).flatMap { Int($0.dropFirst(2)) } }
            cursor = reply.json["next_cursor"] as? String
            if cursor == nil { break }
            #expect(items.count == limit, "a page before the last one is full")
        }
        return numbers
    }

    /// The conversation numbers of a dashboard page, in order.
    static func pageNumbers(_ html: String) -> [Int] {
        html.components(separatedBy: "<span class=\"external-id\">c-").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
    }

    @Test func eachFilterAloneMatchesExactlyItsConversations() async throws {
        let f = try await Self.start()
        defer { Task { await f.dashboard.stop() } }
        let cases: [(String, (Int) -> Bool)] = [
            ("", { _ in true }),
            ("intent=\(f.intentA)", { $0 % 3 == 0 && $0 < 55 }),
            ("intent=\(f.intentB)", { $0 % 3 == 1 && $0 < 55 }),
            ("intent=none", { $0 % 3 == 2 && $0 < 55 }),
            ("cluster=\(f.clusterK1)", { $0 % 4 == 0 }),
            ("cluster=\(f.clusterK3)", { $0 % 4 == 2 }),
            ("cluster=\(f.group)", { $0 % 4 == 0 || $0 % 4 == 1 }),
            ("flag=any", Self.flagged),
            ("flag=open", { Self.flagged($0) && $0 % 2 == 0 }),
            ("flag=severity:high", { $0 % 5 == 0 }),
            ("flag=severity:critical", { $0 % 10 == 0 || $0 % 7 == 0 }),
            ("flag=severity:low", { _ in false }),
            ("flag=rule:\(f.ruleHigh)", { $0 % 5 == 0 }),
            ("flag=rule:\(f.ruleCritical)", { $0 % 10 == 0 || $0 % 7 == 0 }),
            ("flag=detector:pii", { $0 % 10 == 0 || $0 % 7 == 0 }),
            ("flag=detector:keywords", { $0 % 5 == 0 }),
            ("flag=detector:regex", { _ in false }),
            ("meta=tier%3Dgold", { $0 % 4 == 0 }),
            ("meta=customer.region%3Deu", { $0 % 2 == 0 }),
            ("meta=n%3D3", { $0 % 5 == 3 }),      // the number 3 …
            ("meta=code%3D3", { $0 % 5 == 3 }),   // … and the string "3"
            ("meta=tier%3Dplatinum", { _ in false }),
            ("model=beta", { $0 % 3 == 1 }),
            ("prompt=v0", { $0 % 2 == 0 }),
            ("q=number", { _ in true }),
            ("from=2026-05-01&to=2026-05-01", { _ in true }),
            ("to=2026-04-30", { _ in false }),
        ]
        for (query, rule) in cases {
            let expected = Self.ordered(Self.all.filter(rule))
            let listed = try await Self.apiNumbers(f.app, query)
            #expect(listed == expected, "\(query): listed \(listed), expected \(expected)")
        }
    }

    @Test func combinedFiltersIntersect() async throws {
        let f = try await Self.start()
        defer { Task { await f.dashboard.stop() } }
        let cases: [(String, (Int) -> Bool)] = [
            ("intent=\(f.intentA)&cluster=\(f.group)", { $0 % 3 == 0 && $0 < 55 && $0 % 4 <= 1 }),
            ("flag=any&meta=tier%3Dgold", { Self.flagged($0) && $0 % 4 == 0 }),
            ("flag=severity:critical&cluster=\(f.clusterK1)&model=alpha", {
                ($0 % 10 == 0 || $0 % 7 == 0) && $0 % 4 == 0 && $0 % 3 == 0
            }),
            ("intent=none&flag=open&meta=customer.region%3Deu&q=question", { $0 % 3 == 2 && $0 < 55 && Self.flagged($0) && $0 % 2 == 0 }),
            ("cluster=\(f.clusterK3)&intent=\(f.intentB)&prompt=v1", { $0 % 4 == 2 && $0 % 3 == 1 && $0 < 55 && $0 % 2 == 1 }),
        ]
        for (query, rule) in cases {
            let expected = Self.ordered(Self.all.filter(rule))
            #expect(!expected.isEmpty || query.isEmpty == false)
            let listed = try await Self.apiNumbers(f.app, query, limit: 3)
            #expect(listed == expected, "\(query): listed \(listed), expected \(expected)")
        }
    }

    @Test func keysetPagesHaveNoDuplicatesOrGaps() async throws {
        let f = try await Self.start()
        defer { Task { await f.dashboard.stop() } }
        for limit in [1, 4, 10, 59, 60, 200] {
            let listed = try await Self.apiNumbers(f.app, "", limit: limit)
            #expect(listed == Self.ordered(Self.all), "limit \(limit)")
        }
        // The ten conversations sharing one instant, split across pages of 3.
        let tied = try await Self.apiNumbers(f.app, "from=2026-05-01", limit: 3)
        #expect(Set(tied).count == tied.count)
        #expect(tied == Self.ordered(Self.all))
        // The page: older pages, then back to newer ones, land on the same rows.
        let client = try await f.dashboard.signedIn("pages@example.com", role: .viewer)
        let first = try await client.send("GET", "/conversations?meta=customer.region%3Dus")
        #expect(first.status == 200)
        let firstRows = Self.pageNumbers(first.body)
        #expect(firstRows == Self.ordered(Self.all.filter { $0 % 2 == 1 }))
        let all = try await client.send("GET", "/conversations").body
        #expect(Self.pageNumbers(all) == Array(Self.ordered(Self.all).prefix(50)))
        let olderURL = try #require(Self.link(all, id: "older-page"))
        let older = try await client.send("GET", olderURL).body
        #expect(Self.pageNumbers(older) == Array(Self.ordered(Self.all).suffix(10)))
        let newerURL = try #require(Self.link(older, id: "newer-page"))
        #expect(Self.pageNumbers(try await client.send("GET", newerURL).body) == Array(Self.ordered(Self.all).prefix(50)))
    }

    static func link(_ html: String, id: String) -> String? {
        for piece in html.components(separatedBy: "<a ").dropFirst() where piece.contains("id=\"\(id)\"") {
            guard let start = piece.range(of: "href=\"") else { continue }
            return String(piece[start.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
        }
        return nil
    }

    @Test func metadataValuesAreData() async throws {
        let f = try await Self.start()
        defer { Task { await f.dashboard.stop() } }
        let cases: [(String, [Int])] = [
            (#"note=it's "quoted""#, [7]),
            ("note=café ☕ 日本", [8]),
            ("note=x' OR '1'='1", [9]),
            (#"note={"a": 1}"#, [10]),
            ("a.b=dotted", [11]),
            (#"note=%_\"#, [12]),
            ("note=%", []),
            ("note=", []),
            ("tier=gold' OR 1=1 --", []),
            (#"tier"}, "x": {"y=z"#, []),
            ("customer={\"region\": \"eu\"}", []),
        ]
        for (meta, expected) in cases {
            let query = "meta=" + DashboardClient.encode(meta)
            let listed = try await Self.apiNumbers(f.app, query)
            #expect(listed == expected, "\(meta): listed \(listed)")
        }
        // The page shows the same and keeps the value in its form, escaped.
        let client = try await f.dashboard.signedIn("meta@example.com", role: .viewer)
        let page = try await client.send("GET", "/conversations?meta=" + DashboardClient.encode(#"note=it's "quoted""#))
        #expect(Self.pageNumbers(page.body) == [7])
        #expect(page.body.contains("s &quot;quoted&quot;\""))
        #expect(!page.body.contains(#""quoted""#))
        // Every value a hostile filter could smuggle in is bound: the tables are intact.
        #expect(try await f.app.count() == Self.count + 1)
    }

    @Test func invalidParametersAreReportedTogether() async throws {
        let f = try await Self.start()
        defer { Task { await f.dashboard.stop() } }
        let reply = try await f.app.send("GET", "/api/v1/conversations?intent=abc&cluster=-3&flag=severity:huge&meta=novalue"
                                                 + "&feedback=sideways&from=2026-13-01&limit=0&cursor=zzz")
        #expect(reply.status == 400)
        #expect(reply.headers["content-type"]?.hasPrefix("application/problem+json") == true)
        let fields = Set((reply.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String })
        #expect(fields == ["intent", "cluster", "flag", "meta", "feedback", "from", "limit", "cursor"])
        for bad in ["limit=201", "flag=rule:0", "flag=detector:", "intent=1.5", "cluster=99999999999999999999"] {
            #expect(try await f.app.send("GET", "/api/v1/conversations?" + bad).status == 400, "\(bad)")
        }
        // Authentication and scope.
        #expect(try await f.app.send("GET", "/api/v1/conversations", key: "").status == 401)
        let ingestOnly = try await f.app.context.apiKeys.create(projectID: f.app.projectID, scopes: ["ingest"]).key
        #expect(try await f.app.send("GET", "/api/v1/conversations", key: ingestOnly).status == 403)
        // The page ignores invalid values instead of failing.
        let client = try await f.dashboard.signedIn("bad@example.com", role: .viewer)
        let page = try await client.send("GET", "/conversations?intent=abc&flag=nope&meta=novalue")
        #expect(page.status == 200)
        #expect(Self.pageNumbers(page.body).count == 50)
    }

    @Test func listItemsCarryIntentClusterAndFlags() async throws {
        let f = try await Self.start()
        defer { Task { await f.dashboard.stop() } }
        let reply = try await f.app.send("GET", "/api/v1/conversations?limit=200")
        let items = reply.json["conversations"] as? [[String: Any]] ?? []
        let byNumber = Dictionary(uniqueKeysWithValues: items.compactMap { item in
            (item["id"] as? String).flatMap { Int($0.dropFirst(2)) }.map { ($0, item) }
        })
        #expect(byNumber.count == Self.count)
        // c-20: intent B? 20 % 3 = 2 → unrecognized; K1; flagged high and critical; open.
        let twenty = try #require(byNumber[20])
        let intent = try #require(twenty["intent"] as? [String: Any])
        #expect(intent["id"] is NSNull && intent["name"] is NSNull)
        let cluster = try #require(twenty["cluster"] as? [String: Any])
        #expect(cluster["id"] as? Int == f.clusterK1 && cluster["name"] as? String == "lost cards")
        #expect(twenty["flag_count"] as? Int == 2 && twenty["worst_severity"] as? String == "critical")
        #expect(twenty["triage_status"] as? String == "open")
        #expect(twenty["model"] as? String == "gamma" && twenty["prompt_version"] as? String == "v0")
        #expect(twenty["message_count"] as? Int == 2)
        // c-3: intent A, unassigned (3 % 4 = 3), not flagged.
        let three = try #require(byNumber[3])
        #expect((three["intent"] as? [String: Any])?["name"] as? String == "Card lost")
        let unassigned = try #require(three["cluster"] as? [String: Any])
        #expect(unassigned["id"] is NSNull)
        #expect(three["flag_count"] as? Int == 0 && three["worst_severity"] is NSNull && three["triage_status"] is NSNull)
        // c-57: classified only by the old model: no intent shown.
        #expect(try #require(byNumber[57])["intent"] is NSNull)
    }

    @Test func apiListMatchesThePage() async throws {
        let f = try await Self.start()
        defer { Task { await f.dashboard.stop() } }
        let client = try await f.dashboard.signedIn("same@example.com", role: .viewer)
        for query in ["", "intent=\(f.intentA)", "cluster=\(f.group)", "flag=open", "flag=detector:pii",
                      "meta=tier%3Dgold", "q=number&model=alpha", "intent=none&flag=any"] {
            let api = try await Self.apiNumbers(f.app, query, limit: 50)
            let page = try await client.send("GET", "/conversations" + (query.isEmpty ? "" : "?" + query))
            #expect(page.status == 200)
            #expect(Self.pageNumbers(page.body) == Array(api.prefix(50)), "\(query)")
        }
        // Badges: c-20's row names its cluster and shows its flags; the filter form keeps the choices.
        let page = try await client.send("GET", "/conversations?cluster=\(f.clusterK1)&flag=severity:critical").body
        #expect(page.contains("lost cards"))
        #expect(page.contains("signal-flag severity-critical"))
        #expect(page.contains("<option value=\"\(f.clusterK1)\" selected>"))
        #expect(page.contains("<option value=\"severity:critical\" selected>"))
        #expect(page.contains("class=\"filter-chip\""))
    }

    @Test func freezeFormCarriesTheFilterForReviewersOnly() async throws {
        let f = try await Self.start()
        defer { Task { await f.dashboard.stop() } }
        let query = "q=number&model=alpha&prompt=v1&from=2026-04-01&to=2026-05-01"
        let reviewer = try await f.dashboard.signedIn("reviewer@example.com", role: .reviewer)
        let page = try await reviewer.send("GET", "/conversations?" + query).body
        let form = try #require(page.components(separatedBy: "action=\"/replays\"").dropFirst().first)
        let fields = form.components(separatedBy: "</form>")[0]
        for (name, value) in [("q", "number"), ("model", "alpha"), ("prompt", "v1"), ("from", "2026-04-01"),
                              ("to", "2026-05-01")] {
            #expect(fields.contains("name=\"\(name)\" value=\"\(value)\""), "\(name)")
        }
        #expect(fields.contains("name=\"_csrf\""))
        #expect(fields.contains("name=\"name\""))
        #expect(page.contains("method=\"post\" action=\"/replays\""))
        let viewer = try await f.dashboard.signedIn("viewer@example.com", role: .viewer)
        #expect(!(try await viewer.send("GET", "/conversations?" + query).body.contains("action=\"/replays\"")))
    }
}
