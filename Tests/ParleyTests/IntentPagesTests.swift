import Foundation
@testable import Parley
import Postgres
import TestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The intents pages and the cluster page's intent, replay and export additions over HTTP against the real database:
/// taxonomy forms (create, import, edit, examples, delete, train with a real worker), the labelling screen (least
/// confident first, skip, out of scope, labels stored as the API stores them), confusion, roles and project walls.
/// Vectors are synthetic (one axis per topic), so the predictions are known.
@Suite struct IntentPagesTests {
    static func start() async throws -> (DashboardApp, IntentTests.Fixture) {
        let dashboard = try await DashboardApp.start { $0.clusters.automatic = false }
        let app = dashboard.app
        let write = try await app.context.apiKeys.create(projectID: app.projectID, scopes: APIKeyStore.scopes).key
        let read = try await app.context.apiKeys.create(projectID: app.projectID, scopes: ["read"]).key
        let model = try await app.context.embedders.embedder().modelID
        return (dashboard, IntentTests.Fixture(app: app, writeKey: write, readKey: read, model: model))
    }

    /// A `multipart/form-data` POST with the client's cookies (DashboardClient sends url-encoded forms only).
    static func upload(_ client: DashboardClient, _ path: String, fields: [(String, String)],
                       file: (name: String, filename: String, type: String, content: String)) async throws -> DashboardClient.Reply {
        let boundary = "parley-test-\(UUID().uuidString)"
        var body = ""
        for (name, value) in fields {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\n"
            + "Content-Type: \(file.type)\r\n\r\n\(file.content)\r\n--\(boundary)--\r\n"
        var request = URLRequest(url: URL(string: client.baseURL + path)!)
        request.httpMethod = "POST"
        request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        request.setValue(client.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "), forHTTPHeaderField: "Cookie")
        request.httpBody = Data(body.utf8)
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirect(), delegateQueue: nil)
        let (data, response): (Data, URLResponse) = try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                if let error { continuation.resume(throwing: error) } else {
                    continuation.resume(returning: (data ?? Data(), response!))
                }
            }.resume()
        }
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headers[String(describing: name).lowercased()] = String(describing: value) }
        return DashboardClient.Reply(status: http.statusCode, headers: headers, setCookies: [],
                                     body: String(decoding: data, as: UTF8.self))
    }

    private final class NoRedirect: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }

    static func intentID(named name: String, _ pool: PostgresPool, project: Int) async throws -> Int {
        try #require(try await pool.query("""
            SELECT id FROM intents WHERE project_id = \(project) AND lower(name) = lower(\(name))
            """).first?.decode(0, as: Int.self), "no intent \(name)")
    }

    /// The conversation id the labelling form is about.
    static func labelled(_ html: String) -> Int? {
        guard let range = html.range(of: "name=\"conversation\" value=\"") else { return nil }
        return Int(html[range.upperBound...].prefix { $0.isNumber })
    }

    @Test func taxonomyLabellingConfusionAndRoles() async throws {
        let (dashboard, fixture) = try await Self.start()
        var f = fixture
        defer { Task { await dashboard.stop() } }
        let pool = dashboard.pool
        let project = dashboard.app.projectID
        let reviewer = try await dashboard.signedIn("reviewer@example.com", role: .reviewer)
        let viewer = try await dashboard.signedIn("viewer@example.com", role: .viewer)
        // Another project's intent and conversation: never reachable from this one.
        let other = try await ProjectStore(pool: pool).ensure(slug: "other")
        let foreign = try await IntentStore(pool: pool).create(projectID: other, name: "Foreign", description: "")
        let otherKey = try await dashboard.app.context.apiKeys.create(projectID: other).key
        #expect(try await dashboard.app.post("/api/v1/conversations", json: sampleConversation(id: "foreign-1"),
                                             key: otherKey).status < 300)
        let foreignConversation = try #require(try await pool.query("""
            SELECT id FROM conversations WHERE project_id = \(other) AND external_id = 'foreign-1'
            """).first?.decode(0, as: Int.self))

        // Empty: an explanation; the forms only for reviewers.
        let empty = try await viewer.send("GET", "/intents")
        #expect(empty.status == 200)
        #expect(empty.body.contains("No intents yet"))
        #expect(!empty.body.contains("id=\"create-intent\""))
        #expect(try await reviewer.send("GET", "/intents").body.contains("id=\"create-intent\""))

        // Create (with markup in the name: printed as text), refused to viewers.
        #expect(try await ClusterPagesTests.submit(viewer, "/intents", from: "/intents", [("name", "x")]).status == 403)
        let created = try await ClusterPagesTests.submit(reviewer, "/intents", from: "/intents", [
            ("name", "Card <b>declined</b>"), ("description", "Payments refused"),
            ("examples", "my card was declined\ncard refused at the shop\n")])
        #expect(created.status == 303)
        let card = try await Self.intentID(named: "Card <b>declined</b>", pool, project: project)
        #expect(created.location == "/intents/\(card)")
        #expect(try await ClusterPagesTests.submit(reviewer, "/intents", from: "/intents", [("name", "card <B>DECLINED</b>")])
            .location == "/intents#new-intent")
        #expect(try await ClusterPagesTests.flash(reviewer, "/intents")?.kind == "error")

        // Import a taxonomy as a file upload: two intents created, a bad line reported.
        let token = try #require(DashboardClient.csrfToken(in: try await reviewer.send("GET", "/intents").body))
        let csv = "text,label\nwill it rain tomorrow,Weather\nforecast for the weekend,weather\n,weather\nhow do I bake bread,Baking\n"
        let imported = try await Self.upload(reviewer, "/intents/import", fields: [("_csrf", token)],
                                             file: ("file", "taxonomy.csv", "text/csv", csv))
        #expect(imported.status == 303 && imported.location == "/intents")
        let report = try #require(try await ClusterPagesTests.flash(reviewer, "/intents"))
        #expect(report.kind == "success")
        #expect(report.text.contains("Imported 3 examples and created 2 intents"), "\(report.text)")
        #expect(report.text.contains("line 4"))
        let weather = try await Self.intentID(named: "weather", pool, project: project)
        let baking = try await Self.intentID(named: "baking", pool, project: project)
        let viewerToken = try #require(DashboardClient.csrfToken(in: try await viewer.send("GET", "/intents").body))
        #expect(try await Self.upload(viewer, "/intents/import", fields: [("_csrf", viewerToken)],
                                      file: ("file", "t.csv", "text/csv", csv)).status == 403)

        // Edit and examples on the intent's page.
        #expect(try await ClusterPagesTests.submit(reviewer, "/intents/\(card)/examples", from: "/intents/\(card)",
                                                   [("examples", "payment declined\n\n")]).status == 303)
        #expect(try await ClusterPagesTests.submit(viewer, "/intents/\(card)/examples", from: "/intents/\(card)",
                                                   [("examples", "x")]).status == 403)
        #expect(try await ClusterPagesTests.submit(reviewer, "/intents/\(weather)/edit", from: "/intents/\(weather)",
                                                   [("name", "Weather"), ("description", "Forecasts & rain")]).status == 303)
        let cardPage = try await viewer.send("GET", "/intents/\(card)")
        #expect(cardPage.status == 200)
        #expect(cardPage.body.contains("Card &lt;b&gt;declined&lt;/b&gt;"))
        #expect(!cardPage.body.contains("<b>declined"))
        #expect(cardPage.body.contains("payment declined") && cardPage.body.contains("card refused at the shop"))
        #expect(cardPage.body.contains("class=\"chart chart-bars\""))
        #expect(!cardPage.body.contains("id=\"edit-form\""), "viewers get no edit form")
        #expect(try await reviewer.send("GET", "/intents/\(card)").body.contains("id=\"edit-form\""))

        // Conversations near each intent's axis, the examples' conversations among them; then train from the page.
        for (axis, (name, id)) in [("card", card), ("weather", weather), ("bread", baking)].enumerated() {
            let examples = try await f.add("example-\(name)", axis: axis, count: 3, text: name)
            #expect(try await f.send("POST", "/api/v1/intents/\(id)/examples", ["conversations": examples]).status == 201)
            try await f.add("user-\(name)", axis: axis, count: 6, text: "user asks about \(name)")
        }
        try await f.add("stranger", axis: 77, count: 2, text: "something else entirely")
        #expect(try await ClusterPagesTests.submit(viewer, "/intents/train", from: "/intents", []).status == 403)
        let train = try await ClusterPagesTests.submit(reviewer, "/intents/train", from: "/intents", [])
        #expect(train.status == 303)
        let job = try #require(try await pool.query("""
            SELECT id FROM jobs WHERE kind = 'intent_train' AND project_id = \(project) ORDER BY id DESC LIMIT 1
            """).first?.decode(0, as: Int.self))
        #expect(try await reviewer.send("GET", "/intents").body.contains("data-job-id=\"\(job)\""))
        #expect(try await dashboard.app.finish(job: job, thenIdle: "intent_%").status == "succeeded")

        // The taxonomy with shares and sparklines, the active model, the unrecognized row.
        let list = try await viewer.send("GET", "/intents")
        #expect(list.status == 200)
        #expect(list.body.components(separatedBy: "<tr data-intent=\"").count - 1 == 3)
        #expect(list.body.contains("id=\"unrecognized\""))
        #expect(list.body.contains("class=\"chart chart-sparkline\""))
        #expect(list.body.contains("Zero-shot") && list.body.contains("data-version=\"1\""))
        #expect(!list.body.contains("id=\"train-now\""), "viewers cannot train")
        let predicted = try await pool.query("""
            SELECT count(*) FROM conversation_intents WHERE project_id = \(project) AND intent_id = \(weather)
            """).first!.decode(0, as: Int.self)
        #expect(predicted >= 9)
        let weatherPage = try await viewer.send("GET", "/intents/\(weather)")
        #expect(weatherPage.body.contains("user asks about weather"))
        #expect(weatherPage.body.contains("href=\"/conversations/"))

        // Labelling: reviewers only; the least confident unlabelled conversation comes first.
        #expect(try await viewer.send("GET", "/intents/label").status == 403)
        let first = try await reviewer.send("GET", "/intents/label")
        #expect(first.status == 200)
        let shown = try #require(Self.labelled(first.body))
        let leastConfident = try await pool.query("""
            SELECT c.id FROM conversations c LEFT JOIN conversation_intents i ON i.conversation_id = c.id
            WHERE c.project_id = \(project) ORDER BY coalesce(i.confidence, -1), c.id LIMIT 1
            """).first!.decode(0, as: Int.self)
        #expect(shown == leastConfident)
        #expect(first.body.contains("id=\"user-request\""))
        #expect(try await ClusterPagesTests.submit(viewer, "/intents/label", from: "/intents",
                                                   [("conversation", String(shown)), ("intent", String(card))]).status == 403)

        // Skip moves on without storing anything.
        let skipped = try await ClusterPagesTests.submit(reviewer, "/intents/label", from: "/intents/label",
                                                         [("conversation", String(shown)), ("action", "skip")])
        #expect(skipped.status == 303)
        let next = try await reviewer.send("GET", try #require(skipped.location))
        let second = try #require(Self.labelled(next.body))
        #expect(second != shown)
        #expect(try await dashboard.app.count("SELECT count(*) FROM intent_labels") == 0)

        // Labels: an intent, then out of scope; stored like the API's, by the reviewer, from the dashboard.
        let saved = try await ClusterPagesTests.submit(reviewer, "/intents/label", from: "/intents/label", [
            ("conversation", String(second)), ("intent", String(weather)), ("action", "label")])
        #expect(saved.status == 303)
        #expect(saved.location?.hasPrefix("/intents/label?after=") == true)
        let row = try #require(try await pool.query("""
            SELECT intent_id, actor, source FROM intent_labels WHERE conversation_id = \(second)
            """).first?.decode((Int?, String, String).self))
        #expect(row.0 == weather && row.1 == "reviewer@example.com" && row.2 == "dashboard")
        let after = try await reviewer.send("GET", try #require(saved.location))
        #expect(after.body.contains("Labelled as “Weather”"))
        #expect(after.body.contains("<span class=\"label-stat-value\" id=\"labelled-today\">1</span>"))
        let third = try #require(Self.labelled(after.body))
        #expect(try await ClusterPagesTests.submit(reviewer, "/intents/label", from: "/intents/label", [
            ("conversation", String(third)), ("intent", "none")]).status == 303)
        #expect(try await pool.query("SELECT intent_id FROM intent_labels WHERE conversation_id = \(third)")
            .first?.decode(0, as: Int?.self) == .some(nil))
        // No choice: the same conversation again with an error.
        let missing = try await ClusterPagesTests.submit(reviewer, "/intents/label", from: "/intents/label", [
            ("conversation", String(shown))])
        #expect(try await ClusterPagesTests.flash(reviewer, try #require(missing.location))?.kind == "error")
        #expect(Self.labelled(try await reviewer.send("GET", try #require(missing.location)).body) == shown)
        // The queue of one intent's predictions.
        let scoped = try await reviewer.send("GET", "/intents/label?intent=\(baking)")
        let scopedID = try #require(Self.labelled(scoped.body))
        #expect(try await pool.query("SELECT intent_id FROM conversation_intents WHERE conversation_id = \(scopedID)")
            .first?.decode(0, as: Int?.self) == baking)

        // Confusion: the labels against the active model's predictions.
        let confusion = try await viewer.send("GET", "/intents/confusion")
        #expect(confusion.status == 200)
        #expect(confusion.body.contains("id=\"confusion-matrix\""))
        #expect(confusion.body.contains("of 2 labelled conversations"))
        #expect(try await viewer.send("GET", "/intents/confusion?labels=new").status == 200)

        // Other projects: their intents and conversations are not found, and nothing changes.
        #expect(try await viewer.send("GET", "/intents/\(foreign)").status == 404)
        #expect(try await reviewer.send("GET", "/intents/999999").status == 404)
        #expect(try await ClusterPagesTests.submit(reviewer, "/intents/\(foreign)/edit", from: "/intents",
                                                   [("name", "Mine now")]).status == 404)
        #expect(try await ClusterPagesTests.submit(reviewer, "/intents/\(foreign)/delete", from: "/intents", []).status == 404)
        #expect(try await ClusterPagesTests.submit(reviewer, "/intents/\(foreign)/examples", from: "/intents",
                                                   [("examples", "x")]).status == 404)
        #expect(try await ClusterPagesTests.submit(reviewer, "/intents/label", from: "/intents/label", [
            ("conversation", String(foreignConversation)), ("intent", String(card))]).status == 404)
        let foreignIntent = try await ClusterPagesTests.submit(reviewer, "/intents/label", from: "/intents/label", [
            ("conversation", String(shown)), ("intent", String(foreign))])
        #expect(try await ClusterPagesTests.flash(reviewer, try #require(foreignIntent.location))?.kind == "error")
        #expect(try await dashboard.app.count("SELECT count(*) FROM intent_labels WHERE intent_id = \(foreign)") == 0)
        #expect(try await dashboard.app.count("SELECT count(*) FROM intents WHERE name = 'Foreign'") == 1)

        // Delete.
        #expect(try await ClusterPagesTests.submit(viewer, "/intents/\(baking)/delete", from: "/intents", []).status == 403)
        let deleted = try await ClusterPagesTests.submit(reviewer, "/intents/\(baking)/delete", from: "/intents", [])
        #expect(deleted.location == "/intents")
        #expect(try await reviewer.send("GET", "/intents/\(baking)").status == 404)
    }

    @Test func promoteReplayAndExportFromTheClusterPage() async throws {
        let (dashboard, _) = try await Self.start()
        defer { Task { await dashboard.stop() } }
        let app = dashboard.app
        let key = try await app.context.apiKeys.create(projectID: app.projectID, scopes: APIKeyStore.scopes).key
        var clusters = ClusterTests.Fixture(app: app, writeKey: key, model: try await app.context.embedders.embedder().modelID)
        try await clusters.add(perTopic: 12, prefix: "p")
        _ = try await clusters.run(clusters: 3)
        let leaves = ClusterTests.leaves(try await clusters.tree())
        let (bread, _) = try #require(ClusterTests.leaf(named: "bread", in: leaves))
        let reviewer = try await dashboard.signedIn("reviewer@example.com", role: .reviewer)
        let viewer = try await dashboard.signedIn("viewer@example.com", role: .viewer)

        let page = try await reviewer.send("GET", "/clusters/\(bread)")
        #expect(page.status == 200)
        #expect(page.body.contains("id=\"promote-form\""))
        #expect(page.body.contains("action=\"/replays\""))
        #expect(page.body.contains("name=\"cluster\" value=\"\(bread)\""))
        #expect(page.body.contains("id=\"replay-name\" name=\"name\" maxlength=\"200\" value=\"Cluster "))
        #expect(page.body.contains("href=\"/clusters/\(bread)/export.jsonl\""))
        #expect(page.body.contains("/api/v1/exports/finetune.jsonl?cluster=\(bread)"))
        let seen = try await viewer.send("GET", "/clusters/\(bread)")
        #expect(!seen.body.contains("id=\"promote-form\"") && !seen.body.contains("id=\"replay-form\""))
        #expect(seen.body.contains("id=\"export-menu\""))

        // Promote: refused to viewers; the intent's examples are the cluster's representatives.
        #expect(try await ClusterPagesTests.submit(viewer, "/clusters/\(bread)/promote", from: "/clusters/\(bread)",
                                                   [("name", "Baking")]).status == 403)
        let promoted = try await ClusterPagesTests.submit(reviewer, "/clusters/\(bread)/promote", from: "/clusters/\(bread)",
                                                          [("name", "Baking bread")])
        #expect(promoted.status == 303)
        let intent = try await Self.intentID(named: "Baking bread", dashboard.pool, project: app.projectID)
        #expect(promoted.location == "/intents/\(intent)")
        let (source, cluster) = try #require(try await dashboard.pool.query("""
            SELECT source, cluster_id FROM intents WHERE id = \(intent)
            """).first?.decode((String, Int?).self))
        #expect(source == "cluster" && cluster == bread)
        #expect(try await app.count("SELECT count(*) FROM intent_examples WHERE intent_id = \(intent) AND conversation_id IS NOT NULL") > 0)
        #expect(try await reviewer.send("GET", "/clusters/\(bread)").body.contains("href=\"/intents/\(intent)\" class=\"promoted-intent\""))
        let again = try await ClusterPagesTests.submit(reviewer, "/clusters/\(bread)/promote", from: "/clusters/\(bread)",
                                                       [("name", "baking BREAD")])
        #expect(again.location == "/clusters/\(bread)")
        #expect(try await ClusterPagesTests.flash(reviewer, "/clusters/\(bread)")?.kind == "error")

        // Export: the cluster's conversations as fine-tuning lines, for a signed-in viewer.
        let export = try await viewer.send("GET", "/clusters/\(bread)/export.jsonl")
        #expect(export.status == 200)
        #expect(export.headers["content-type"]?.hasPrefix("application/x-ndjson") == true)
        let lines = export.body.split(separator: "\n")
        let size = try await app.count("SELECT count(*) FROM cluster_members WHERE cluster_id = \(bread)")
        #expect(lines.count == size && size > 0)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let messages = object?["messages"] as? [[String: Any]]
            #expect(messages?.last?["role"] as? String == "assistant")
            #expect((messages?.first?["content"] as? String ?? "").lowercased().contains("bake")
                || (messages?.first?["content"] as? String ?? "").lowercased().contains("bread"))
        }
        #expect(try await dashboard.client.send("GET", "/clusters/\(bread)/export.jsonl").status == 303, "signed out")

        // Another project's cluster is not found.
        let other = try await ProjectStore(pool: dashboard.pool).ensure(slug: "other")
        let foreign = try await dashboard.pool.query("""
            INSERT INTO clusters (project_id, auto_name, size) VALUES (\(other), 'theirs', 50) RETURNING id
            """).first!.decode(0, as: Int.self)
        #expect(try await viewer.send("GET", "/clusters/\(foreign)/export.jsonl").status == 404)
        #expect(try await ClusterPagesTests.submit(reviewer, "/clusters/\(foreign)/promote", from: "/clusters/\(bread)",
                                                   [("name", "Theirs")]).status == 404)
        #expect(try await app.count("SELECT count(*) FROM intents WHERE cluster_id = \(foreign)") == 0)
    }
}
