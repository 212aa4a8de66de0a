import Foundation
import HTTPServer
@testable import Parley
import Postgres
import TestSupport
import Testing

/// Clustering as the service runs it: runs as jobs against the real database, stable ids across runs, human
/// edits, incremental assignment and the API. Embeddings are written directly (three well-separated blobs), so the
/// expected clusters are known; the texts give each blob its own words for the keywords.
@Suite struct ClusterTests {
    static let topics: [(name: String, texts: [String])] = [
        ("card", ["My card was declined at the shop", "Why was my card payment declined?", "Card declined at checkout again",
                  "The shop declined my card payment"]),
        ("weather", ["Will it rain tomorrow, what is the weather forecast?", "Weather forecast for the weekend rain",
                     "Is rain in the forecast today?", "What weather forecast for Paris, any rain?"]),
        ("bread", ["How do I bake sourdough bread?", "Bread recipe: how long to bake sourdough?",
                   "Why did my sourdough bread not rise when I bake it?", "Bake bread at what temperature?"]),
    ]

    struct Fixture {
        let app: TestApp
        let writeKey: String
        let model: String
        var random = SplitMix(seed: 7)

        /// Stores `perTopic` conversations per topic with vectors near the topic's axis; returns their external ids.
        @discardableResult
        mutating func add(perTopic: Int, prefix: String, axisOffset: Int = 0) async throws -> [String] {
            var conversations: [[String: Any]] = []
            var vectors: [(String, [Float])] = []
            for (t, topic) in ClusterTests.topics.enumerated() {
                for i in 0..<perTopic {
                    let id = "\(prefix)-\(topic.name)-\(i)"
                    conversations.append(["id": id, "model": i % 2 == 0 ? "model-a" : "model-b", "messages": [
                        ["role": "user", "content": topic.texts[i % topic.texts.count]],
                        ["role": "assistant", "content": "Let me help with that."]]])
                    vectors.append((id, vector(axis: t + axisOffset)))
                }
            }
            let reply = try await app.post("/api/v1/conversations", json: ["conversations": conversations])
            #expect(reply.status == 200 || reply.status == 201, "\(reply.text)")
            try await store(vectors)
            return vectors.map(\.0)
        }

        mutating func vector(axis: Int, noise: Float = 0.08) -> [Float] {
            var v = (0..<384).map { _ in (Float(random.unit()) - 0.5) * 2 * noise }
            v[axis] += 1
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }

        func store(_ vectors: [(String, [Float])]) async throws {
            for (id, vector) in vectors {
                try await app.database.pool.query("""
                    INSERT INTO conversation_embeddings (conversation_id, project_id, model, vector)
                    SELECT id, project_id, \(model), \(VectorCodec.encode(vector)) FROM conversations
                    WHERE project_id = \(app.projectID) AND external_id = \(id)
                    """)
            }
            try await app.database.pool.query("DELETE FROM pending_work WHERE kind = 'embed'")
        }

        /// Starts a run through the API and works jobs until it finished; returns the run's job id.
        func run(clusters: Int? = nil) async throws -> Int {
            let body: [String: Any] = clusters.map { ["clusters": $0] } ?? [:]
            let started = try await app.send("POST", "/api/v1/clusters/runs",
                                             body: try JSONSerialization.data(withJSONObject: body), key: writeKey)
            #expect(started.status == 202, "\(started.text)")
            let job = try #require(started.json["job_id"] as? Int)
            let outcome = try await app.finish(job: job)
            #expect(outcome.status == "succeeded", "\(outcome.error)")
            return job
        }

        func tree() async throws -> [String: Any] {
            let reply = try await app.send("GET", "/api/v1/clusters")
            #expect(reply.status == 200, "\(reply.text)")
            return reply.json
        }
    }

    /// Deterministic noise.
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func unit() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
    }

    static func fixture(configure: @escaping (inout Configuration) -> Void = { _ in }) async throws -> Fixture {
        let app = try await TestApp.start {
            $0.clusters.automatic = false
            configure(&$0)
        }
        let key = try await app.context.apiKeys.create(projectID: app.projectID, scopes: APIKeyStore.scopes).key
        let model = try await app.context.embedders.embedder().modelID
        return Fixture(app: app, writeKey: key, model: model)
    }

    /// Leaf clusters of a tree response, by id.
    static func leaves(_ tree: [String: Any]) -> [Int: [String: Any]] {
        var found: [Int: [String: Any]] = [:]
        func walk(_ nodes: [[String: Any]]) {
            for node in nodes {
                if node["level"] as? Int == 0, let id = node["id"] as? Int { found[id] = node }
                walk(node["children"] as? [[String: Any]] ?? [])
            }
        }
        walk(tree["clusters"] as? [[String: Any]] ?? [])
        return found
    }

    static func leaf(named word: String, in leaves: [Int: [String: Any]]) -> (Int, [String: Any])? {
        leaves.first { (($0.value["keywords"] as? [String]) ?? []).contains { $0.contains(word) } }.map { ($0.key, $0.value) }
    }

    /// A group's members page by page (each leaf read in order, the best of them kept): every member once, in
    /// similarity order, ties by conversation id, whatever the page size.
    @Test func groupMembersPageInOrderAcrossLeaves() async throws {
        let db = try await TestPostgres.freshDatabase()
        let pool = db.pool
        let project = try await ProjectStore(pool: pool).ensure(slug: "group-pages")
        func id(_ sql: PostgresQuery) async throws -> Int { try await pool.query(sql).first!.decode(0, as: Int.self) }
        let group = try await id("INSERT INTO clusters (project_id, level, auto_name) VALUES (\(project), 1, 'g') RETURNING id")
        var leaves: [Int] = []
        for n in 0..<3 {
            leaves.append(try await id("""
                INSERT INTO clusters (project_id, level, parent_id, auto_name, size) VALUES (\(project), 0, \(group), \("k\(n)"), 20)
                RETURNING id
                """))
        }
        // 60 members, 20 per leaf, similarities with many ties across leaves.
        try await pool.query("""
            INSERT INTO conversations (project_id, external_id, started_at, message_count, messages, content_hash)
            SELECT \(project), 'm-' || g, now() - g * interval '1 minute', 1,
                   jsonb_build_array(jsonb_build_object('role', 'user', 'content', 'member ' || g)), 'h'
            FROM generate_series(1, 60) g
            """)
        try await pool.query("""
            INSERT INTO cluster_members (conversation_id, project_id, cluster_id, similarity)
            SELECT c.id, \(project), (\(leaves))[1 + (row_number() OVER (ORDER BY c.id))::int % 3],
                   ((row_number() OVER (ORDER BY c.id)) % 7)::real / 10
            FROM conversations c WHERE c.project_id = \(project)
            """)
        let expected = try await pool.query("""
            SELECT conversation_id FROM cluster_members WHERE project_id = \(project) ORDER BY similarity DESC, conversation_id
            """).map { try $0.decode(0, as: Int.self) }
        let queries = ClusterQueries(pool: pool)
        for size in [1, 7, 25, 60] {
            var seen: [Int] = []
            var cursor: ClusterQueries.Cursor?
            repeat {
                let detail = try #require(try await queries.detail(projectID: project, clusterID: group, limit: size, cursor: cursor))
                seen += detail.members.map(\.parleyID)
                cursor = detail.nextCursor.flatMap(ClusterQueries.Cursor.init)
            } while cursor != nil && seen.count <= expected.count
            #expect(seen == expected, "pages of \(size)")
        }
    }

    @Test func runsKeepIdsAndNamesAndRecordHistory() async throws {
        var f = try await Self.fixture()
        let app = f.app
        defer { Task { await app.stop() } }
        try await f.add(perTopic: 20, prefix: "a")
        _ = try await f.run(clusters: 3)

        var leaves = Self.leaves(try await f.tree())
        #expect(leaves.count == 3)
        #expect(leaves.values.map { $0["size"] as? Int ?? 0 }.sorted() == [20, 20, 20])
        let card = try #require(Self.leaf(named: "card", in: leaves), "keywords: \(leaves.values.map { $0["keywords"] ?? "" })")
        let bread = try #require(Self.leaf(named: "bread", in: leaves))
        #expect(card.0 != bread.0)
        #expect((card.1["share"] as? Double).map { abs($0 - 1.0 / 3) < 1e-9 } == true)
        #expect(card.1["trend"] as? String == "new")

        // A human names and pins the card cluster.
        let renamed = try await f.app.send("PATCH", "/api/v1/clusters/\(card.0)",
                                           body: Data(#"{"name": "Declined cards", "pinned": true}"#.utf8), key: f.writeKey)
        #expect(renamed.status == 200, "\(renamed.text)")
        #expect((renamed.json["cluster"] as? [String: Any])?["name"] as? String == "Declined cards")

        // More data and a second run: same ids, the human name survives, the run is recorded.
        try await f.add(perTopic: 10, prefix: "b")
        _ = try await f.run(clusters: 3)
        leaves = Self.leaves(try await f.tree())
        #expect(leaves[card.0] != nil && leaves[bread.0] != nil, "the clusters kept their ids")
        #expect(leaves[card.0]?["name"] as? String == "Declined cards")
        #expect(leaves[card.0]?["size"] as? Int == 30)
        #expect(leaves[bread.0]?["size"] as? Int == 30)
        let runs = try await f.app.send("GET", "/api/v1/clusters/runs")
        let list = runs.json["runs"] as? [[String: Any]] ?? []
        #expect(list.count == 2)
        #expect(list.allSatisfy { $0["status"] as? String == "completed" })
        #expect(((list.first?["summary"] as? [String: Any])?["matched"] as? Int) == 3)

        // Details: examples, members with a cursor, series, breakdown by model, history.
        let detail = try await f.app.send("GET", "/api/v1/clusters/\(card.0)?limit=25")
        #expect(detail.status == 200)
        #expect((detail.json["examples"] as? [[String: Any]])?.isEmpty == false)
        let members = detail.json["members"] as? [[String: Any]] ?? []
        #expect(members.count == 25)
        let cursor = try #require(detail.json["next_cursor"] as? String)
        let next = try await f.app.send("GET", "/api/v1/clusters/\(card.0)?limit=25&cursor=\(cursor)")
        let rest = next.json["members"] as? [[String: Any]] ?? []
        #expect(rest.count == 5)
        #expect(Set((members + rest).compactMap { $0["id"] as? String }).count == 30)
        #expect((detail.json["series"] as? [Any])?.count == 30)
        let models = (detail.json["by_model"] as? [[String: Any]] ?? []).compactMap { $0["value"] as? String }
        #expect(Set(models) == ["model-a", "model-b"])
        let history = (detail.json["history"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(history.contains("renamed") && history.contains("pinned") && history.contains("new"))

        // Flag rate: 3 of the 30 card conversations flagged (one of them twice), none elsewhere.
        let pool = f.app.database.pool
        let rule = try await pool.query("""
            INSERT INTO flag_rules (project_id, name, severity, condition, phase, created_by)
            VALUES (\(f.app.projectID), 'test', 'low', '{}', 'ingest', 'test') RETURNING id
            """).first!.decode(0, as: Int.self)
        let other = try await pool.query("""
            INSERT INTO flag_rules (project_id, name, severity, condition, phase, created_by)
            VALUES (\(f.app.projectID), 'test 2', 'high', '{}', 'ingest', 'test') RETURNING id
            """).first!.decode(0, as: Int.self)
        for (id, ruleID) in [("a-card-0", rule), ("a-card-1", rule), ("b-card-0", rule), ("a-card-0", other)] {
            try await pool.query("""
                INSERT INTO flags (project_id, conversation_id, rule_id, severity, detectors, reason)
                SELECT project_id, id, \(ruleID), 'low', '{}', 'test' FROM conversations WHERE external_id = \(id)
                """)
        }
        leaves = Self.leaves(try await f.tree())
        #expect(leaves[card.0]?["flagged"] as? Int == 3)
        #expect((leaves[card.0]?["flag_rate"] as? Double).map { abs($0 - 0.1) < 1e-9 } == true)
        #expect(leaves[bread.0]?["flag_rate"] as? Double == 0)
    }

    /// Found by `make reliability` (30-kill): a worker killed mid-run left the run of its attempt 'running' for ever.
    @Test func attemptAfterAKilledWorkerLeavesNoRunRunning() async throws {
        var f = try await Self.fixture()
        let app = f.app
        defer { Task { await app.stop() } }
        try await f.add(perTopic: 10, prefix: "k")
        let started = try await app.send("POST", "/api/v1/clusters/runs", body: Data(#"{"clusters": 3}"#.utf8),
                                         key: f.writeKey)
        let job = try #require(started.json["job_id"] as? Int)
        // The first attempt's worker died after recording its run.
        try await app.database.pool.query("""
            INSERT INTO cluster_runs (project_id, job_id, model, requested_clusters)
            VALUES (\(app.projectID), \(job), \(f.model), 3)
            """)
        #expect(try await app.finish(job: job).status == "succeeded")
        let statuses = try await app.database.pool.query(
            "SELECT status FROM cluster_runs WHERE job_id = \(job) ORDER BY id"
        ).map { try $0.decode(0, as: String.self) }
        #expect(statuses == ["failed", "completed"])
    }

    @Test func newConversationsJoinTheirNearestClusterOrStayUnassigned() async throws {
        var f = try await Self.fixture()
        let app = f.app
        defer { Task { await app.stop() } }
        try await f.add(perTopic: 15, prefix: "a")
        _ = try await f.run(clusters: 3)
        let leaves = Self.leaves(try await f.tree())
        let weather = try #require(Self.leaf(named: "weather", in: leaves))

        // One near the weather blob, one far from everything (a fourth axis).
        try await f.app.post("/api/v1/conversations", json: ["conversations": [
            ["id": "late-weather", "messages": [["role": "user", "content": "Rain forecast?"]]],
            ["id": "late-odd", "messages": [["role": "user", "content": "Something else entirely"]]]]])
        let near = f.vector(axis: 1), far = f.vector(axis: 9)
        let ids = try await f.app.database.pool.query("""
            SELECT id FROM conversations WHERE external_id IN ('late-weather', 'late-odd') ORDER BY external_id DESC
            """).map { try $0.decode(0, as: Int.self) }
        try await f.store([("late-weather", near), ("late-odd", far)])
        let stored = try await f.app.database.pool.withConnection { connection in
            try await f.app.context.clusterAssignments.assign(
                projectID: f.app.projectID, conversations: ids, vectors: near + far, dimension: 384, connection: connection)
        }
        #expect(stored == 2)
        let rows = try await f.app.database.pool.query("""
            SELECT c.external_id, m.cluster_id FROM cluster_members m JOIN conversations c ON c.id = m.conversation_id
            WHERE c.external_id LIKE 'late-%' ORDER BY 1
            """).map { try $0.decode((String, Int?).self) }
        #expect(rows.map(\.0) == ["late-odd", "late-weather"])
        #expect(rows[0].1 == nil)
        #expect(rows[1].1 == weather.0)
        let tree = try await f.tree()
        #expect(tree["unassigned"] as? Int == 1)
        #expect(Self.leaves(tree)[weather.0]?["size"] as? Int == 16)
        #expect(Self.leaves(tree)[weather.0]?["last_24h"] as? Int == 16)
    }

    @Test func mergeAndSplitByHand() async throws {
        var f = try await Self.fixture()
        let app = f.app
        defer { Task { await app.stop() } }
        try await f.add(perTopic: 12, prefix: "a")
        _ = try await f.run(clusters: 3)
        let leaves = Self.leaves(try await f.tree())
        let card = try #require(Self.leaf(named: "card", in: leaves)).0
        let bread = try #require(Self.leaf(named: "bread", in: leaves)).0

        let merged = try await f.app.send("POST", "/api/v1/clusters/\(card)/merge",
                                          body: Data("{\"clusters\": [\(bread)]}".utf8), key: f.writeKey)
        #expect(merged.status == 200, "\(merged.text)")
        #expect((merged.json["cluster"] as? [String: Any])?["size"] as? Int == 24)
        #expect(try await f.app.send("GET", "/api/v1/clusters/\(bread)").status == 404)

        let split = try await f.app.send("POST", "/api/v1/clusters/\(card)/split", body: Data(#"{"parts": 2}"#.utf8),
                                         key: f.writeKey)
        #expect(split.status == 200, "\(split.text)")
        let parts = split.json["clusters"] as? [Int] ?? []
        #expect(parts.count == 2 && parts.first == card)
        let after = Self.leaves(try await f.tree())
        #expect(parts.compactMap { after[$0]?["size"] as? Int }.sorted() == [12, 12])
        let events = try await f.app.database.pool.query("""
            SELECT kind FROM cluster_events WHERE cluster_id = \(card) ORDER BY id
            """).map { try $0.decode(0, as: String.self) }
        #expect(events.suffix(2) == ["merged_by_user", "split_by_user"])
    }

    @Test func badRequestsGetClearProblems() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.app.stop() } }
        // Reading needs `read`, editing needs `write`: the default test key has only ingest and read.
        #expect(try await f.app.send("POST", "/api/v1/clusters/runs", body: Data("{}".utf8)).status == 403)
        #expect(try await f.app.send("GET", "/api/v1/clusters/999999").status == 404)
        #expect(try await f.app.send("GET", "/api/v1/clusters/abc").status == 404)
        #expect(try await f.app.send("GET", "/api/v1/clusters/1?cursor=zzz").status == 400)
        let badName = try await f.app.send("PATCH", "/api/v1/clusters/1", body: Data(#"{"name": "", "pinned": "yes"}"#.utf8),
                                           key: f.writeKey)
        #expect(badName.status == 422)
        let paths = (badName.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(Set(paths) == ["name", "pinned"])
        #expect(try await f.app.send("POST", "/api/v1/clusters/runs", body: Data(#"{"clusters": 1}"#.utf8),
                                     key: f.writeKey).status == 422)
        #expect(try await f.app.send("POST", "/api/v1/clusters/runs", body: Data("{oops".utf8), key: f.writeKey).status == 400)
        // One run at a time per project.
        #expect(try await f.app.send("POST", "/api/v1/clusters/runs", body: Data("{}".utf8), key: f.writeKey).status == 202)
        #expect(try await f.app.send("POST", "/api/v1/clusters/runs", body: Data("{}".utf8), key: f.writeKey).status == 409)
        // An empty project's tree is empty, not an error.
        let tree = try await f.tree()
        #expect((tree["clusters"] as? [Any])?.isEmpty == true)
    }

    @Test func automaticRunsStartWhenEnoughNewDataArrived() async throws {
        var f = try await Self.fixture()
        let app = f.app
        defer { Task { await app.stop() } }
        var settings = ClusterSettings()
        settings.minimumConversations = 30
        settings.newMinimum = 10
        settings.newShare = 0.5
        let trigger = ClusterTrigger(settings: settings)
        let pool = f.app.database.pool
        try await f.add(perTopic: 5, prefix: "a")
        #expect(try await trigger.reason(projectID: f.app.projectID, model: f.model, pool: pool) == nil)
        try await f.add(perTopic: 5, prefix: "b")
        #expect(try await trigger.reason(projectID: f.app.projectID, model: f.model, pool: pool)?.hasPrefix("first run") == true)
        _ = try await f.run()
        #expect(try await trigger.reason(projectID: f.app.projectID, model: f.model, pool: pool) == nil)
        try await f.add(perTopic: 4, prefix: "c")  // 12 new < 50 % of 30
        #expect(try await trigger.reason(projectID: f.app.projectID, model: f.model, pool: pool) == nil)
        try await f.add(perTopic: 1, prefix: "d")  // 15 new = 50 %
        #expect(try await trigger.reason(projectID: f.app.projectID, model: f.model, pool: pool) != nil)
    }

    @Test func trendLabels() {
        #expect(ClusterQueries.trend(last7d: 10, previous7d: 0, older: 0) == "new")
        #expect(ClusterQueries.trend(last7d: 30, previous7d: 20, older: 40) == "rising")
        #expect(ClusterQueries.trend(last7d: 21, previous7d: 20, older: 40) == "steady")
        #expect(ClusterQueries.trend(last7d: 10, previous7d: 20, older: 40) == "fading")
        #expect(ClusterQueries.trend(last7d: 2, previous7d: 4, older: 40) == "steady")
        #expect(ClusterQueries.trend(last7d: 0, previous7d: 0, older: 5) == "steady")
    }

    /// A stand-in for an OpenAI-compatible endpoint: records prompts, names a group after a word it contains.
    final class FakeLLM: @unchecked Sendable {
        private let lock = NSLock()
        private var prompts: [String] = []
        var received: [String] { lock.withLock { prompts } }

        func start() throws -> (HTTPServer, Int) {
            var router = Router()
            router.post("/v1/chat/completions") { request in
                let body = try JSONParser.parse(try await request.body.collect())
                let prompt = body["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
                self.lock.withLock { self.prompts.append(prompt) }
                let group = prompt.components(separatedBy: "Contrast group")[0].lowercased()
                let name = group.contains("card") ? "Declined card payments" : group.contains("rain") ? "Weather forecasts" : "Baking bread"
                let content = #"Sure: {"name": "\#(name)", "description": "Users ask about \#(name.lowercased())."}"#
                let reply: JSONValue = .object(["choices": .array([.object(["message": .object([
                    "role": .string("assistant"), "content": .string(content)])])])])
                return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .bytes(Array(reply.serialized().utf8)))
            }
            let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), router: router,
                                    logger: TestPostgres.logger)
            return (server, try server.start())
        }
    }

    @Test func anLLMNamesClustersFromRedactedContrastiveExamples() async throws {
        let llm = FakeLLM()
        let (server, port) = try llm.start()
        defer { Task { await server.shutdown(deadline: .seconds(1)) } }
        var f = try await Self.fixture { $0.llm.url = "http://127.0.0.1:\(port)/v1" }
        let app = f.app
        defer { Task { await app.stop() } }
        try await f.add(perTopic: 10, prefix: "a")
        // Personal data in a central conversation must not reach the endpoint.
        try await app.database.pool.query("""
            UPDATE conversations SET messages = jsonb_set(messages, '{0,content}',
                to_jsonb('My card was declined, mail me at jane.doe@example.com or call +44 20 7946 0958'::text))
            WHERE external_id = 'a-card-0'
            """)
        _ = try await f.run(clusters: 3)
        // The run queued the naming job; work it.
        let worker = ParleyService.makeWorker(context: app.context)
        let running = Task { try await worker.run() }
        var names: [String] = []
        for _ in 0..<300 {
            names = try await app.database.pool.query("""
                SELECT llm_name FROM clusters WHERE level = 0 AND llm_name IS NOT NULL ORDER BY 1
                """).map { try $0.decode(0, as: String.self) }
            if names.count == 3 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        await worker.stop()
        _ = await running.result
        #expect(names == ["Baking bread", "Declined card payments", "Weather forecasts"])
        #expect(llm.received.count == 3)
        #expect(llm.received.allSatisfy { $0.contains("Contrast group") })
        #expect(!llm.received.contains { $0.contains("jane.doe@example.com") || $0.contains("7946") })
        #expect(llm.received.contains { $0.contains("[EMAIL]") })
        // The LLM's name shows unless a human named the cluster.
        let leaves = Self.leaves(try await f.tree())
        #expect(Set(leaves.values.compactMap { $0["name"] as? String }) == Set(names))
        #expect(leaves.values.allSatisfy { ($0["description"] as? String)?.hasPrefix("Users ask about") == true })
        #expect(ClusterNamingJob.parse("no json here") == nil)
        #expect(ClusterNamingJob.parse(#"```json {"name": " Refunds. "} ```"#)?.0 == "Refunds")
    }
}
