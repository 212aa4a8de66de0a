import Foundation
import HTTPServer
@testable import Parley
import Postgres
import TestSupport
import Testing

/// Replay sets against the real database: created from filters and from a cluster, inputs exported up to the last
/// user turn with stable ids, results in (JSON and NDJSON, all or nothing, idempotent), blind verdicts from the
/// review page mapped back to original or variant, win rates with Wilson intervals, the DPO export, roles and
/// projects, and the runner against a fake OpenAI-compatible endpoint.
@Suite struct ReplayTests {
    struct Fixture {
        let dashboard: DashboardApp
        let writeKey: String
        var app: TestApp { dashboard.app }
        var pool: PostgresPool { dashboard.pool }

        func api(_ method: String, _ path: String, json: Any? = nil, raw: String? = nil,
                 contentType: String = "application/json", key: String? = nil) async throws -> TestApp.Reply {
            let body = try raw.map { Data($0.utf8) } ?? json.map { try JSONSerialization.data(withJSONObject: $0) }
            return try await app.send(method, path, body: body, contentType: contentType, key: key ?? writeKey)
        }

        /// JSON lines of a JSONL body.
        static func lines(_ reply: TestApp.Reply) -> [[String: Any]] {
            reply.text.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }
        }
    }

    static func start(configure: @escaping (inout Configuration) -> Void = { _ in }) async throws -> Fixture {
        let dashboard = try await DashboardApp.start { configuration in
            configuration.clusters.automatic = false
            configure(&configuration)
        }
        let key = try await dashboard.app.context.apiKeys.create(projectID: dashboard.app.projectID,
                                                                  scopes: APIKeyStore.scopes).key
        return Fixture(dashboard: dashboard, writeKey: key)
    }

    /// Conversations of two models: multi-turn ones, one with a tool call, one never answered, one without a user.
    static var conversations: [[String: Any]] { [
        ["id": "a-1", "model": "model-a", "prompt_version": "v1", "messages": [
            ["role": "system", "content": "You are a banking assistant."],
            ["role": "user", "content": "My card was declined."],
            ["role": "assistant", "content": "Sorry to hear that. Which card?"],
            ["role": "user", "content": "The debit card ending in 12."],
            ["role": "assistant", "content": "Original answer a-1: it is blocked for safety."],
        ]],
        ["id": "a-2", "model": "model-a", "prompt_version": "v1", "messages": [
            ["role": "user", "content": "What is my balance?"],
            ["role": "assistant", "content": "", "tool_calls": [["id": "c1", "type": "function",
                                                               "function": ["name": "balance", "arguments": "{}"]]]],
            ["role": "tool", "tool_call_id": "c1", "content": "{\"balance\": 120}"],
            ["role": "assistant", "content": "Original answer a-2: 120 euros."],
        ]],
        ["id": "a-3", "model": "model-a", "prompt_version": "v2", "messages": [
            ["role": "user", "content": "How do I <b>close</b> my account?"],
            ["role": "assistant", "content": "Original answer a-3: <script>alert(1)</script> visit a branch."],
        ]],
        ["id": "a-4", "model": "model-a", "prompt_version": "v2", "messages": [
            ["role": "user", "content": "Hello? Nobody answered this one."],
        ]],
        ["id": "a-5", "model": "model-a", "prompt_version": "v2", "messages": [
            ["role": "assistant", "content": "A greeting without a user."],
        ]],
        ["id": "b-1", "model": "model-b", "prompt_version": "v1", "messages": [
            ["role": "user", "content": "Can I raise my limit?"],
            ["role": "assistant", "content": "Original answer b-1: yes, in the app."],
        ]],
    ] }

    static func seed(_ f: Fixture) async throws {
        let stored = try await f.api("POST", "/api/v1/conversations", json: ["conversations": conversations])
        #expect(stored.status == 200 || stored.status == 201, "\(stored.text)")
    }

    @Test func replaySetRoundTrip() async throws {
        let f = try await Self.start()
        defer { Task { await f.dashboard.stop() } }
        try await Self.seed(f)

        // Create from a filter: the three model-a conversations with a user turn followed by an answer.
        let created = try await f.api("POST", "/api/v1/replays", json: [
            "name": "Model A replay", "filter": ["model": "model-a"], "limit": 50])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? Int)
        #expect(created.json["size"] as? Int == 3)
        #expect((created.json["source"] as? [String: Any])?["matched"] as? Int == 3)
        let invalid = try await f.api("POST", "/api/v1/replays", json: ["filter": ["from": "yesterday"], "limit": 0])
        #expect(invalid.status == 422)
        #expect(invalid.text.contains("\"from\"") && invalid.text.contains("\"limit\""))
        let none = try await f.api("POST", "/api/v1/replays", json: ["filter": ["model": "model-z"]])
        #expect(none.status == 422 && none.text.contains("No conversations match"))

        // Inputs: stable ids in time order, messages up to and including the last user turn.
        let export = try await f.api("GET", "/api/v1/replays/\(id)/inputs.jsonl")
        #expect(export.status == 200)
        #expect(export.headers["content-type"]?.hasPrefix("application/x-ndjson") == true)
        let inputs = Fixture.lines(export)
        #expect(inputs.map { $0["id"] as? String } == ["rs\(id)-1", "rs\(id)-2", "rs\(id)-3"])
        let byLastUser = Dictionary(uniqueKeysWithValues: inputs.map { line -> (String, [[String: Any]]) in
            let messages = line["messages"] as? [[String: Any]] ?? []
            return (messages.last?["content"] as? String ?? "", messages)
        })
        let multiTurn = try #require(byLastUser["The debit card ending in 12."])
        #expect(multiTurn.map { $0["role"] as? String } == ["system", "user", "assistant", "user"])
        #expect(try #require(byLastUser["What is my balance?"]).count == 1)
        #expect(inputs.allSatisfy { ($0["messages"] as? [[String: Any]])?.last?["role"] as? String == "user" })
        // Frozen: editing a conversation afterwards changes neither the inputs nor the originals.
        try await f.pool.query("""
            UPDATE conversations SET messages = '[{"role": "user", "content": "edited"}]' WHERE external_id = 'a-1'
            """)
        #expect(try await f.api("GET", "/api/v1/replays/\(id)/inputs.jsonl").text == export.text)
        let keyOf = Dictionary(uniqueKeysWithValues: inputs.map { line in
            (((line["messages"] as? [[String: Any]])?.last?["content"] as? String) ?? "", line["id"] as? String ?? "")
        })
        let k1 = try #require(keyOf["The debit card ending in 12."]), k2 = try #require(keyOf["What is my balance?"])
        let k3 = try #require(keyOf["How do I <b>close</b> my account?"])

        // Results as JSON: all three answered by "new-model".
        let results: [String: Any] = ["label": "new-model", "results": [
            ["id": k1, "output": "New answer 1"], ["id": k2, "output": "New answer 2"],
            ["id": k3, "messages": [["role": "assistant", "content": "New answer 3"]], "model": "gpt-new"]]]
        let posted = try await f.api("POST", "/api/v1/replays/\(id)/results", json: results)
        #expect(posted.status == 200, "\(posted.text)")
        #expect(posted.json["created"] as? Int == 3 && posted.json["unchanged"] as? Int == 0)
        // The same again: idempotent.
        let again = try await f.api("POST", "/api/v1/replays/\(id)/results", json: results)
        #expect(again.json["created"] as? Int == 0 && again.json["unchanged"] as? Int == 3)
        // NDJSON with one invalid line and one unknown id: each reported, nothing stored.
        let ndjson = """
            {"id": "\(k1)", "label": "other", "output": "Other 1"}
            {"id": "\(k2)", "label": "other"}
            not json
            {"id": "rs999-1", "label": "other", "output": "x"}
            """
        let bad = try await f.api("POST", "/api/v1/replays/\(id)/results", raw: ndjson, contentType: "application/x-ndjson")
        #expect(bad.status == 422, "\(bad.text)")
        #expect(bad.headers["content-type"] == "application/problem+json")
        let errors = (bad.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(errors == ["line 2", "line 3"])
        let unknown = try await f.api("POST", "/api/v1/replays/\(id)/results",
                                      raw: "{\"id\": \"\(k1)\", \"label\": \"other\", \"output\": \"Other 1\"}\n{\"id\": \"rs999-1\", \"label\": \"other\", \"output\": \"x\"}\n",
                                      contentType: "application/x-ndjson")
        #expect(unknown.status == 422 && unknown.text.contains("rs999-1") && unknown.text.contains("line 2"))
        #expect(try await f.app.count("SELECT count(*) FROM replay_variants WHERE label = 'other'") == 0)
        // A valid NDJSON body for the label "other" (two of three items), with the label from the query.
        let good = try await f.api("POST", "/api/v1/replays/\(id)/results?label=other",
                                   raw: "{\"id\": \"\(k1)\", \"output\": \"Other 1\"}\r\n\n{\"id\": \"\(k2)\", \"output\": \"Other 2\"}",
                                   contentType: "application/x-ndjson")
        #expect(good.status == 200 && good.json["created"] as? Int == 2, "\(good.text)")

        // Blind review on the page: each pair's sides come from the session's key; the verdict maps back.
        let reviewer = try await f.dashboard.signedIn("reviewer@example.com", role: .reviewer)
        var expectedWinners: [String: Int] = [:]
        var sides: Set<String> = []
        for round in 0..<5 {
            let html = try await reviewer.send("GET", "/replays/\(id)/review")
            #expect(html.status == 200)
            let token = try #require(DashboardClient.csrfToken(in: html.body))
            let variant = try #require(Int(Self.hidden("variant", in: html.body) ?? ""))
            let side = ReplayReview.variantSide(variantID: variant, key: token)
            sides.insert(side)
            let (label, output) = try await f.pool.query("""
                SELECT label, output->0->>'content' FROM replay_variants WHERE id = \(variant)
                """).first!.decode((String, String).self)
            // The variant's text is in the column of its side, and nothing on the page names the label.
            let columnA = try #require(Self.section("answer-a", in: html.body))
            let columnB = try #require(Self.section("answer-b", in: html.body))
            #expect(columnA.contains(output) == (side == "a") && columnB.contains(output) == (side == "b"))
            #expect(!columnA.contains(label) && !columnB.contains(label))
            let choice = round == 4 ? "tie" : (round % 2 == 0 ? "a" : "b")
            let saved = try await reviewer.send("POST", "/replays/\(id)/review",
                                                form: [("_csrf", token), ("variant", String(variant)), ("choice", choice)])
            #expect(saved.status == 303 && saved.location == "/replays/\(id)/review")
            let (storedSide, storedChoice, winner) = try await f.pool.query("""
                SELECT variant_side, choice, winner FROM pairwise_verdicts WHERE variant_id = \(variant)
                """).first!.decode((String, String, String).self)
            #expect(storedSide == side && storedChoice == choice)
            let expected = choice == "tie" ? "tie" : choice == side ? "variant" : "original"
            #expect(winner == expected)
            expectedWinners["\(label):\(expected)", default: 0] += 1
        }
        // All five comparisons reviewed: the queue says so.
        #expect(try await reviewer.send("GET", "/replays/\(id)/review").body.contains("You have reviewed every pair"))

        // Verdicts through the API too (another reviewer), then the win rates by hand.
        for key in [k1, k2, k3] {
            let verdict = try await f.api("POST", "/api/v1/replays/\(id)/verdicts", json: [
                "id": key, "label": "new-model", "winner": "variant", "reviewer": "api-reviewer", "variant_side": "a"])
            #expect(verdict.status == 200 && verdict.json["choice"] as? String == "a", "\(verdict.text)")
        }
        #expect(try await f.api("POST", "/api/v1/replays/\(id)/verdicts", json: [
            "id": k1, "label": "missing", "winner": "variant"]).status == 422)
        let detail = try await f.api("GET", "/api/v1/replays/\(id)")
        let rates = detail.json["win_rates"] as? [[String: Any]] ?? []
        let newModel = try #require(rates.first { $0["label"] as? String == "new-model" })
        let wins = (expectedWinners["new-model:variant"] ?? 0) + 3
        let losses = expectedWinners["new-model:original"] ?? 0
        #expect(newModel["wins"] as? Int == wins && newModel["losses"] as? Int == losses)
        #expect(newModel["ties"] as? Int == expectedWinners["new-model:tie"] ?? 0)
        let n = Double(wins + losses), p = Double(wins) / n, z = 1.959963984540054
        let center = (p + z * z / (2 * n)) / (1 + z * z / n)
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / (1 + z * z / n)
        #expect(abs((newModel["win_rate"] as? Double ?? -1) - p) < 1e-9)
        #expect(abs((newModel["ci_low"] as? Double ?? -1) - max(0, center - half)) < 1e-9)
        #expect(abs((newModel["ci_high"] as? Double ?? -1) - min(1, center + half)) < 1e-9)
        let listed = try await f.api("GET", "/api/v1/replays/\(id)/verdicts?limit=3")
        #expect((listed.json["verdicts"] as? [Any])?.count == 3 && listed.json["next_cursor"] is String)

        // DPO: one pair per comparison decided by its verdicts; the chosen side's answer, the input as prompt.
        let dpo = Fixture.lines(try await f.api("GET", "/api/v1/replays/\(id)/dpo.jsonl"))
        let decisive = try await f.app.count("""
            SELECT count(*) FROM (SELECT variant_id FROM pairwise_verdicts WHERE set_id = \(id)
                GROUP BY variant_id HAVING count(*) FILTER (WHERE winner = 'variant') <> count(*) FILTER (WHERE winner = 'original')) x
            """)
        #expect(dpo.count == decisive && decisive > 0)
        for line in dpo {
            let prompt = line["prompt"] as? [[String: Any]] ?? []
            #expect(prompt.last?["role"] as? String == "user")
            let chosen = ((line["chosen"] as? [[String: Any]])?.last?["content"] as? String) ?? ""
            let rejected = ((line["rejected"] as? [[String: Any]])?.last?["content"] as? String) ?? ""
            let variantWon = line["chosen_side"] as? String == "variant"
            #expect(chosen.hasPrefix("Original answer") == !variantWon, "\(line)")
            #expect(rejected.hasPrefix("Original answer") == variantWon, "\(line)")
            #expect(!chosen.isEmpty && !rejected.isEmpty)
        }
        // The page's download carries the same lines.
        let page = try await reviewer.send("GET", "/replays/\(id)/dpo.jsonl")
        #expect(page.status == 200 && page.body.split(separator: "\n").count == dpo.count)

        // A changed answer replaces the old one and drops its verdicts.
        let changed = try await f.api("POST", "/api/v1/replays/\(id)/results", json: [
            "id": k1, "label": "new-model", "output": "New answer 1, revised"])
        #expect(changed.json["updated"] as? Int == 1 && (changed.json["verdicts_reset"] as? Int ?? 0) >= 1, "\(changed.text)")

        // The set's page: win rates with the interval chart, escaped content.
        let setPage = try await reviewer.send("GET", "/replays/\(id)")
        #expect(setPage.status == 200)
        #expect(setPage.body.contains("class=\"chart replay-ci-chart\"") && setPage.body.contains("new-model"))
        #expect(setPage.body.contains("&lt;b&gt;close&lt;/b&gt;") && !setPage.body.contains("<b>close</b>"))
        let list = try await reviewer.send("GET", "/replays")
        #expect(list.body.contains("Model A replay") && list.body.contains("data-replay=\"\(id)\""))
    }

    @Test func createFromFormsAndFromACluster() async throws {
        let f = try await Self.start()
        defer { Task { await f.dashboard.stop() } }
        let model = try await f.app.context.embedders.embedder().modelID
        var clusters = ClusterTests.Fixture(app: f.app, writeKey: f.writeKey, model: model)
        try await clusters.add(perTopic: 8, prefix: "c")
        _ = try await clusters.run(clusters: 3)
        let card = try #require(ClusterTests.leaf(named: "card", in: ClusterTests.leaves(try await clusters.tree()))).0

        let reviewer = try await f.dashboard.signedIn("reviewer@example.com", role: .reviewer)
        let form = try await reviewer.send("GET", "/replays?cluster=\(card)")
        #expect(form.status == 200 && form.body.contains("No replay sets yet"))
        #expect(form.body.contains("<option value=\"\(card)\" selected>"))
        let token = try #require(DashboardClient.csrfToken(in: form.body))
        // The field names other pages post with.
        let posted = try await reviewer.send("POST", "/replays", form: [
            ("_csrf", token), ("name", ""), ("cluster", String(card)), ("q", ""), ("model", "model-a"), ("prompt", ""),
            ("from", ""), ("to", ""), ("limit", "3")])
        #expect(posted.status == 303)
        let id = try #require(Int(posted.location?.replacingOccurrences(of: "/replays/", with: "") ?? ""))
        let external = try await f.pool.query("""
            SELECT i.external_id, i.model, s.name FROM replay_items i JOIN replay_sets s ON s.id = i.set_id
            WHERE i.set_id = \(id) ORDER BY i.position
            """).map { try $0.decode((String, String?, String).self) }
        #expect(external.count == 3)
        #expect(external.allSatisfy { $0.0.hasPrefix("c-card-") && $0.1 == "model-a" })
        #expect(external.first?.2.contains("model-a") == true)
        let page = try await reviewer.send("GET", "/replays/\(id)")
        #expect(page.body.contains("Replay set created with 3 conversations of 4 matching"))

        // Bad fields and empty selections come back as flash errors, never as a set.
        let before = try await f.app.count("SELECT count(*) FROM replay_sets")
        for fields in [[("limit", "0")], [("cluster", "999999")], [("from", "2026-13-40")], [("q", "zebra unicorn")]] {
            let reply = try await reviewer.send("POST", "/replays", form: [("_csrf", token)] + fields)
            #expect(reply.status == 303 && reply.location == "/replays")
            #expect(try await reviewer.send("GET", "/replays").body.contains("flash flash-error"), "\(fields)")
        }
        #expect(try await f.app.count("SELECT count(*) FROM replay_sets") == before)

        // Results through the page's upload form (the text field of the plain form).
        let items = try await f.pool.query("SELECT item_key FROM replay_items WHERE set_id = \(id) ORDER BY position")
            .map { try $0.decode(0, as: String.self) }
        let upload = items.map { "{\"id\": \"\($0)\", \"output\": \"Uploaded answer\"}" }.joined(separator: "\n")
        let sent = try await reviewer.send("POST", "/replays/\(id)/results", form: [("_csrf", token), ("label", "uploaded"),
                                                                                   ("results", upload)])
        #expect(sent.status == 303)
        #expect(try await reviewer.send("GET", "/replays/\(id)").body.contains("3 results read: 3 new"))
        #expect(try await f.app.count("SELECT count(*) FROM replay_variants WHERE label = 'uploaded'") == 3)
    }

    @Test func rolesAndProjectsAreKeptApart() async throws {
        let f = try await Self.start()
        defer { Task { await f.dashboard.stop() } }
        try await Self.seed(f)
        let created = try await f.api("POST", "/api/v1/replays", json: ["filter": ["model": "model-b"]])
        let id = try #require(created.json["id"] as? Int)
        _ = try await f.api("POST", "/api/v1/replays/\(id)/results", json: ["id": "rs\(id)-1", "label": "x", "output": "y"])

        // A read-only key reads but cannot create, post results or verdicts.
        let readKey = try await f.app.context.apiKeys.create(projectID: f.app.projectID, scopes: ["read"]).key
        #expect(try await f.api("GET", "/api/v1/replays/\(id)", key: readKey).status == 200)
        #expect(try await f.api("POST", "/api/v1/replays", json: [:], key: readKey).status == 403)
        #expect(try await f.api("POST", "/api/v1/replays/\(id)/results", json: ["id": "rs\(id)-1", "label": "x", "output": "z"],
                                key: readKey).status == 403)

        // Viewers see the pages but cannot create sets, upload or review.
        let viewer = try await f.dashboard.signedIn("viewer@example.com", role: .viewer)
        let list = try await viewer.send("GET", "/replays")
        #expect(list.status == 200 && !list.body.contains("id=\"create-replay\""))
        #expect(try await viewer.send("GET", "/replays/\(id)").status == 200)
        #expect(try await viewer.send("GET", "/replays/\(id)/review").status == 403)
        let token = try #require(DashboardClient.csrfToken(in: list.body))
        #expect(try await viewer.send("POST", "/replays", form: [("_csrf", token), ("model", "model-b")]).status == 403)
        #expect(try await viewer.send("POST", "/replays/\(id)/review", form: [("_csrf", token), ("variant", "1"),
                                                                               ("choice", "a")]).status == 403)

        // Another project sees none of it: 404 from the API and the pages alike.
        let other = try await ProjectStore(pool: f.pool).ensure(slug: "other")
        let otherKey = try await f.app.context.apiKeys.create(projectID: other, scopes: APIKeyStore.scopes).key
        for path in ["/api/v1/replays/\(id)", "/api/v1/replays/\(id)/inputs.jsonl", "/api/v1/replays/\(id)/dpo.jsonl",
                     "/api/v1/replays/\(id)/verdicts"] {
            #expect(try await f.api("GET", path, key: otherKey).status == 404, "\(path)")
        }
        #expect(try await f.api("POST", "/api/v1/replays/\(id)/results", json: ["id": "rs\(id)-1", "label": "x", "output": "z"],
                                key: otherKey).status == 404)
        #expect((try await f.api("GET", "/api/v1/replays", key: otherKey).json["replays"] as? [Any])?.isEmpty == true)
        let outsider = try await f.dashboard.signedIn("outsider@example.com", role: .admin, projectID: other)
        #expect(try await outsider.send("GET", "/replays/\(id)").status == 404)
        #expect(try await outsider.send("GET", "/replays/\(id)/review").status == 404)
        #expect(try await outsider.send("GET", "/replays/\(id)/dpo.jsonl").status == 404)
    }

    @Test func theRunnerAnswersInputsWithTheConfiguredEndpoint() async throws {
        let llm = FakeChat()
        let (server, port) = try llm.start()
        defer { Task { await server.shutdown(deadline: .seconds(1)) } }
        let f = try await Self.start { $0.llm.url = "http://127.0.0.1:\(port)/v1" }
        defer { Task { await f.dashboard.stop() } }
        try await Self.seed(f)
        let created = try await f.api("POST", "/api/v1/replays", json: ["filter": ["model": "model-a"]])
        let id = try #require(created.json["id"] as? Int)
        let started = try await f.api("POST", "/api/v1/replays/\(id)/run", json: ["label": "fake", "model": "fake-1"])
        #expect(started.status == 202, "\(started.text)")
        let job = try #require(started.json["job_id"] as? Int)
        #expect(try await f.api("POST", "/api/v1/replays/\(id)/run", json: ["label": "fake"]).status == 409)
        #expect(try await f.app.finish(job: job).status == "succeeded")
        let answers = try await f.pool.query("""
            SELECT output->0->>'content', model FROM replay_variants WHERE set_id = \(id) AND label = 'fake' ORDER BY item_id
            """).map { try $0.decode((String, String?).self) }
        #expect(answers.count == 3)
        #expect(answers.allSatisfy { $0.0.hasPrefix("Echo: ") && $0.1 == "fake-1" })
        // The endpoint got each input, ending with its last user turn, and the model asked for.
        #expect(llm.received.count == 3)
        #expect(llm.received.allSatisfy { $0.model == "fake-1" && $0.lastRole == "user" })
        #expect(Set(answers.map(\.0)) == Set(llm.received.map { "Echo: " + $0.lastText }))
        let progress = try await f.pool.query("SELECT progress::int, progress_message FROM jobs WHERE id = \(job)").first!.decode((Int, String).self)
        #expect(progress.0 == 100 && progress.1.contains("3 inputs answered"))
        // Without an endpoint the route says so.
        let plain = try await Self.start()
        defer { Task { await plain.dashboard.stop() } }
        try await Self.seed(plain)
        let set = try #require(try await plain.api("POST", "/api/v1/replays", json: [:]).json["id"] as? Int)
        #expect(try await plain.api("POST", "/api/v1/replays/\(set)/run", json: [:]).status == 409)
    }

    @Test func wilsonIntervalsByHand() throws {
        // Values worked out by hand from Wilson's formula (z = 1.96).
        let three = try #require(WinRate.wilson(successes: 3, trials: 4))
        #expect(abs(three.low - 0.3006) < 1e-4 && abs(three.high - 0.9544) < 1e-4)
        let zero = try #require(WinRate.wilson(successes: 0, trials: 5))
        #expect(zero.low == 0 && abs(zero.high - 0.4345) < 1e-4)
        #expect(WinRate.wilson(successes: 1, trials: 0) == nil)
        let rate = WinRate(label: "x", variants: 10, wins: 3, losses: 1, ties: 5)
        #expect(rate.rate == 0.75 && rate.compared == 9)
        #expect(WinRate(label: "x", variants: 2, wins: 0, losses: 0, ties: 2).rate == nil)
        #expect(ReplayReview.winner(choice: "a", variantSide: "a") == "variant")
        #expect(ReplayReview.winner(choice: "a", variantSide: "b") == "original")
        #expect(ReplayReview.winner(choice: "b", variantSide: "b") == "variant")
        #expect(ReplayReview.winner(choice: "tie", variantSide: "b") == "tie")
    }

    @Test func resultBodiesParse() {
        let array = ReplayResults.parse(Array(#"[{"id": "rs1-1", "label": "m", "output": "hi"}]"#.utf8))
        #expect(array.errors.isEmpty && array.entries.first?.output.first?["role"]?.stringValue == "assistant")
        let both = ReplayResults.parse(Array(#"{"id": "rs1-1", "label": "m", "output": "a", "messages": []}"#.utf8))
        #expect(both.errors.first?.message.contains("not both") == true)
        let twice = ReplayResults.parse(Array("{\"id\": \"rs1-1\", \"label\": \"m\", \"output\": \"a\"}\n{\"id\": \"rs1-1\", \"label\": \"m\", \"output\": \"b\"}".utf8))
        #expect(twice.errors.map(\.path) == ["line 2"])
        let noAssistant = ReplayResults.parse(Array(#"{"id": "rs1-1", "label": "m", "messages": [{"role": "user", "content": "x"}]}"#.utf8))
        #expect(noAssistant.errors.first?.message.contains("assistant") == true)
        #expect(ReplayResults.parse(Array("  \n".utf8)).errors.count == 1)
    }

    /// The value of a hidden input.
    static func hidden(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    /// The markup of the element with `id` up to its closing `</section>`.
    static func section(_ id: String, in html: String) -> String? {
        guard let start = html.range(of: "id=\"\(id)\""), let end = html.range(of: "</section>", range: start.upperBound..<html.endIndex)
        else { return nil }
        return String(html[start.lowerBound..<end.lowerBound])
    }

    /// An OpenAI-compatible endpoint that echoes the last message and records what it was sent.
    final class FakeChat: @unchecked Sendable {
        struct Call { var model: String; var lastRole: String; var lastText: String }
        private let lock = NSLock()
        private var calls: [Call] = []
        var received: [Call] { lock.withLock { calls } }

        func start() throws -> (HTTPServer, Int) {
            var router = Router()
            router.post("/v1/chat/completions") { request in
                let body = try JSONParser.parse(try await request.body.collect())
                let last = body["messages"]?.arrayValue?.last
                let call = Call(model: body["model"]?.stringValue ?? "", lastRole: last?["role"]?.stringValue ?? "",
                                lastText: last?["content"]?.stringValue ?? "")
                self.lock.withLock { self.calls.append(call) }
                let reply: JSONValue = .object(["choices": .array([.object(["message": .object([
                    "role": "assistant", "content": .string("Echo: " + call.lastText)])])])])
                return Response(status: .ok, headers: ["Content-Type": "application/json"],
                                body: .bytes(Array(reply.serialized().utf8)))
            }
            let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), router: router,
                                    logger: TestPostgres.logger)
            return (server, try server.start())
        }
    }
}
