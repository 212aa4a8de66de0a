import Foundation
@testable import Parley
import Postgres
import TestSupport
import Testing

/// The clusters and jobs pages over HTTP against the real database: three well-separated blobs of synthetic
/// embeddings (`ClusterTests.Fixture`) clustered by a real worker, then browsed and curated as admin, reviewer and
/// viewer, with CSRF-protected forms, escaping, viewer privacy and the live-progress JSON.
@Suite struct ClusterPagesTests {
    /// Viewers see clusters of at least this many conversations in these tests.
    static let viewerMinimum = 40

    static func start() async throws -> (DashboardApp, ClusterTests.Fixture) {
        let dashboard = try await DashboardApp.start { configuration in
            configuration.clusters.automatic = false
            configuration.web.viewerMinimumClusterSize = viewerMinimum
        }
        let app = dashboard.app
        let key = try await app.context.apiKeys.create(projectID: app.projectID, scopes: APIKeyStore.scopes).key
        let model = try await app.context.embedders.embedder().modelID
        return (dashboard, ClusterTests.Fixture(app: app, writeKey: key, model: model))
    }

    /// Sends a form with the page's CSRF token; returns the redirect's location.
    static func submit(_ client: DashboardClient, _ path: String, from page: String, _ fields: [(String, String)])
        async throws -> DashboardClient.Reply
    {
        let html = try await client.send("GET", page).body
        let token = try #require(DashboardClient.csrfToken(in: html), "no CSRF token on \(page)")
        return try await client.send("POST", path, form: [("_csrf", token)] + fields)
    }

    /// The flash message shown on `path` (the next page after a form).
    static func flash(_ client: DashboardClient, _ path: String) async throws -> (kind: String, text: String)? {
        let body = try await client.send("GET", path).body
        guard let range = body.range(of: "<div class=\"flash flash-") else { return nil }
        let rest = body[range.upperBound...]
        let kind = String(rest.prefix { $0 != "\"" })
        guard let start = rest.range(of: ">") else { return nil }
        return (kind, String(rest[start.upperBound...].prefix { $0 != "<" }))
    }

    /// Ids of cluster links in a page, in order of appearance (each once).
    static func clusterLinks(_ html: String, in section: String? = nil) -> [Int] {
        var text = html
        if let section, let range = html.range(of: section) { text = String(html[range.lowerBound...]) }
        var seen: [Int] = []
        for piece in text.components(separatedBy: "href=\"/clusters/").dropFirst() {
            if let id = Int(piece.prefix { $0.isNumber }), !seen.contains(id) { seen.append(id) }
        }
        return seen
    }

    static func tableRows(_ html: String) -> [Int] {
        html.components(separatedBy: "<tr data-cluster=\"").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
    }

    @Test func browseCurateAndProtectClusters() async throws {
        let (dashboard, fixture) = try await Self.start()
        var f = fixture
        defer { Task { await dashboard.stop() } }
        let admin = try await dashboard.signedIn("admin@example.com", role: .admin)
        let reviewer = try await dashboard.signedIn("reviewer@example.com", role: .reviewer)
        let viewer = try await dashboard.signedIn("viewer@example.com", role: .viewer)

        // Before any run: an explanation, and the run button for those who may press it.
        let empty = try await admin.send("GET", "/clusters")
        #expect(empty.status == 200)
        #expect(empty.body.contains("No clusters yet"))
        #expect(empty.body.contains("id=\"run-now\""))
        #expect(!(try await viewer.send("GET", "/clusters")).body.contains("id=\"run-now\""))

        // Data, then a run started from the page's form and worked by a real worker.
        try await f.add(perTopic: 30, prefix: "a")
        #expect(try await Self.submit(viewer, "/clusters/runs", from: "/clusters", [("clusters", "3")]).status == 403)
        #expect(try await Self.submit(reviewer, "/clusters/runs", from: "/clusters", [("clusters", "1")]).status == 303)
        #expect(try await Self.flash(reviewer, "/clusters")?.kind == "error")
        let started = try await Self.submit(reviewer, "/clusters/runs", from: "/clusters", [("clusters", "3")])
        #expect(started.status == 303 && started.location == "/clusters")
        let job = try #require(try await dashboard.pool.query("""
            SELECT id FROM jobs WHERE kind = 'cluster' AND project_id = \(dashboard.app.projectID) AND payload->>'clusters' = '3'
            """).first?.decode(0, as: Int.self))
        let banner = try await reviewer.send("GET", "/clusters")
        #expect(banner.body.contains("Clustering run queued"))
        #expect(banner.body.contains("data-job-id=\"\(job)\""))
        #expect(try await Self.submit(reviewer, "/clusters/runs", from: "/clusters", []).status == 303)
        #expect(try await Self.flash(reviewer, "/clusters")?.text.contains("already under way") == true)
        #expect(try await dashboard.app.finish(job: job).status == "succeeded")

        // The overview: map with a bubble per cluster, hierarchy, table, latest run.
        let page = try await admin.send("GET", "/clusters")
        #expect(page.status == 200)
        #expect(page.body.contains("<svg class=\"cluster-map\""))
        #expect(page.body.components(separatedBy: "<circle class=\"bubble ").count - 1 == 3)
        #expect(page.body.components(separatedBy: "class=\"map-dot ").count > 10)
        #expect(page.body.contains("class=\"cluster-tree\""))
        #expect(page.body.contains("3 clusters</strong> over 90 conversations"))
        let rows = Self.tableRows(page.body)
        #expect(rows.count == 3)
        let leaves = ClusterTests.leaves(try await f.tree())
        let card = try #require(ClusterTests.leaf(named: "card", in: leaves)).0
        let bread = try #require(ClusterTests.leaf(named: "bread", in: leaves)).0
        let weather = try #require(ClusterTests.leaf(named: "weather", in: leaves)).0
        #expect(Set(rows) == [card, bread, weather])
        for path in ["/clusters?sort=name&order=asc", "/clusters?sort=growth", "/clusters?sort=trend&order=asc",
                     "/clusters?sort=feedback", "/clusters?sort=nonsense&order=sideways"] {
            let sorted = try await admin.send("GET", path)
            #expect(sorted.status == 200, "\(path)")
            #expect(Set(Self.tableRows(sorted.body)) == Set(rows), "\(path)")
        }
        #expect(try await admin.send("GET", "/clusters?sort=name&order=asc").body.contains("aria-sort=\"ascending\""))

        // Rename with markup in the name: stored as given, printed as text everywhere.
        let hostile = "<script>alert(1)</script> Cards"
        #expect(try await Self.submit(admin, "/clusters/\(card)/rename", from: "/clusters/\(card)", [("name", hostile)])
            .location == "/clusters/\(card)")
        #expect(try await Self.flash(admin, "/clusters/\(card)")?.kind == "success")
        for path in ["/clusters", "/clusters/\(card)", "/clusters?sort=name"] {
            let body = try await admin.send("GET", path).body
            #expect(!body.contains("<script>alert(1)"), "\(path)")
            #expect(body.contains("&lt;script&gt;alert(1)&lt;/script&gt; Cards"), "\(path)")
            let scripts = body.components(separatedBy: "<script").dropFirst()
            #expect(!scripts.isEmpty && scripts.allSatisfy { $0.hasPrefix(" src=\"/static/") }, "\(path): only the site's own scripts")
        }
        let custom = try await dashboard.pool.query("SELECT custom_name FROM clusters WHERE id = \(card)").first!
            .decode(0, as: String?.self)
        #expect(custom == hostile)

        // The cluster page: trend, breakdowns, examples linking to conversations, members, history.
        let detail = try await admin.send("GET", "/clusters/\(card)")
        #expect(detail.status == 200)
        #expect(detail.body.contains("class=\"chart chart-bars\""))
        #expect(detail.body.contains("model-a") && detail.body.contains("model-b"))
        #expect(detail.body.contains("href=\"/conversations/"))
        #expect(detail.body.contains("declined"))
        #expect(detail.body.contains("Renamed to “&lt;script&gt;"))
        #expect(detail.body.contains("admin@example.com"))
        #expect(detail.body.contains("id=\"rename-form\""))
        // Members: 25 per page, then the rest through the cursor.
        let firstMembers = detail.body.components(separatedBy: "<a class=\"row-link\" href=\"/conversations/").count - 1
        #expect(firstMembers == 25)
        let next = try #require(DashboardPageTests.link("next-members", in: detail.body))
        let second = try await admin.send("GET", next)
        #expect(second.body.components(separatedBy: "<a class=\"row-link\" href=\"/conversations/").count - 1 == 5)
        #expect(second.body.contains("id=\"first-members\""))
        #expect(try await admin.send("GET", "/clusters/\(card)?after=garbage").status == 200)
        // An empty name goes back to the automatic one.
        #expect(try await Self.submit(reviewer, "/clusters/\(card)/rename", from: "/clusters/\(card)", [("name", "  ")])
            .status == 303)
        #expect(try await dashboard.pool.query("SELECT custom_name FROM clusters WHERE id = \(card)").first!
            .decode(0, as: String?.self) == nil)
        #expect(try await Self.submit(reviewer, "/clusters/\(card)/rename", from: "/clusters/\(card)",
                                      [("name", String(repeating: "x", count: 201))]).status == 303)
        #expect(try await Self.flash(reviewer, "/clusters/\(card)")?.kind == "error")

        // Pin and unpin.
        #expect(try await Self.submit(reviewer, "/clusters/\(card)/pin", from: "/clusters/\(card)", [("pinned", "1")]).status == 303)
        #expect(try await dashboard.pool.query("SELECT pinned FROM clusters WHERE id = \(card)").first!.decode(0, as: Bool.self))
        #expect(try await reviewer.send("GET", "/clusters/\(card)").body.contains("<span class=\"badge pinned\""))

        // Forms need the session's token and a reviewer.
        #expect(try await reviewer.send("POST", "/clusters/\(card)/rename", form: [("name", "x")]).status == 403)
        #expect(try await reviewer.send("POST", "/clusters/\(card)/rename", form: [("_csrf", "forged"), ("name", "x")])
            .status == 403)
        for (path, fields) in [("rename", [("name", "x")]), ("pin", [("pinned", "0")]),
                               ("merge", [("other", "\(bread)")]), ("split", [("parts", "2")])] {
            #expect(try await Self.submit(viewer, "/clusters/\(card)/\(path)", from: "/clusters", fields).status == 403,
                    "viewer \(path)")
        }
        let viewerDetail = try await viewer.send("GET", "/clusters/\(card)")
        #expect(viewerDetail.status == 404, "30 conversations are below the viewers' minimum of \(Self.viewerMinimum)")

        // Merge: bread into card. The select offers the other clusters.
        #expect(detail.body.contains("<option value=\"\(bread)\">"))
        #expect(try await Self.submit(reviewer, "/clusters/\(card)/merge", from: "/clusters/\(card)",
                                      [("other", "\(bread)")]).location == "/clusters/\(card)")
        #expect(try await Self.flash(reviewer, "/clusters/\(card)")?.text.contains("Merged #\(bread)") == true)
        #expect(try await admin.send("GET", "/clusters/\(bread)").status == 404)
        // Merging a cluster that is gone is a message, not an error page.
        #expect(try await Self.submit(reviewer, "/clusters/\(card)/merge", from: "/clusters/\(card)",
                                      [("other", "\(bread)")]).status == 303)
        #expect(try await Self.flash(reviewer, "/clusters/\(card)")?.kind == "error")

        // Viewers: the merged cluster (60) is big enough, weather (30) is not.
        let viewerPage = try await viewer.send("GET", "/clusters")
        #expect(Self.tableRows(viewerPage.body) == [card])
        #expect(!Self.clusterLinks(viewerPage.body).contains(weather))
        #expect(viewerPage.body.components(separatedBy: "<circle class=\"bubble ").count - 1 == 1)
        #expect(!viewerPage.body.contains("id=\"run-now\""))
        #expect(try await viewer.send("GET", "/clusters/\(weather)").status == 404)
        // Personal data in a member: reviewers see it, viewers see a placeholder.
        try await f.app.database.pool.query("""
            UPDATE conversations SET messages = jsonb_set(messages, '{0,content}',
                to_jsonb('Card declined, write to jane.doe@example.com'::text))
            WHERE id = (SELECT conversation_id FROM cluster_members WHERE cluster_id = \(card)
                        ORDER BY similarity DESC, conversation_id LIMIT 1)
            """)
        #expect(try await reviewer.send("GET", "/clusters/\(card)").body.contains("jane.doe@example.com"))
        let viewerCard = try await viewer.send("GET", "/clusters/\(card)")
        #expect(viewerCard.status == 200)
        #expect(!viewerCard.body.contains("jane.doe@example.com"))
        #expect(viewerCard.body.contains("[EMAIL]"))
        #expect(!viewerCard.body.contains("/clusters/\(card)/rename"))

        // Split: refused when too small (a message), then into two halves.
        #expect(try await Self.submit(reviewer, "/clusters/\(weather)/split", from: "/clusters/\(weather)",
                                      [("parts", "20")]).status == 303)
        let refused = try #require(try await Self.flash(reviewer, "/clusters/\(weather)"))
        #expect(refused.kind == "error" && refused.text.contains("too few members"))
        #expect(try await Self.submit(reviewer, "/clusters/\(card)/split", from: "/clusters/\(card)", [("parts", "many")])
            .status == 303)
        #expect(try await Self.flash(reviewer, "/clusters/\(card)")?.kind == "error")
        #expect(try await Self.submit(reviewer, "/clusters/\(card)/split", from: "/clusters/\(card)", [("parts", "2")])
            .status == 303)
        #expect(try await Self.flash(reviewer, "/clusters/\(card)")?.text.contains("Split into 2 clusters") == true)
        let sizes = try await dashboard.pool.query("""
            SELECT size FROM clusters WHERE project_id = \(dashboard.app.projectID) AND status = 'active' AND level = 0
            ORDER BY size
            """).map { try $0.decode(0, as: Int.self) }
        #expect(sizes == [30, 30, 30])
        #expect(try await admin.send("GET", "/clusters/\(card)").body.contains("Split into 2 parts"))
        // Now no cluster is big enough for viewers.
        #expect(try await viewer.send("GET", "/clusters").body.contains("No cluster is large enough to show"))

        // Unknown clusters and ids that are not numbers are 404 pages.
        #expect(try await admin.send("GET", "/clusters/999999").status == 404)
        #expect(try await admin.send("GET", "/clusters/abc").status == 404)
        #expect(try await Self.submit(admin, "/clusters/999999/rename", from: "/clusters", [("name", "x")]).location
            == "/clusters")
    }

    @Test func jobsPageShowsProgressErrorsAndCancels() async throws {
        let dashboard = try await DashboardApp.start { $0.clusters.automatic = false }
        defer { Task { await dashboard.stop() } }
        let pool = dashboard.pool
        let project = dashboard.app.projectID
        let other = try await ProjectStore(pool: pool).ensure(slug: "other")
        let queue = JobQueue(pool: pool)
        let queued = try #require(try await queue.enqueue(kind: "embed", projectID: project))
        let running = try #require(try await ClusterRunJob.enqueue(projectID: project, reason: "test", on: queue))
        try await pool.query("""
            UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'w1', started_at = now() - interval '5 seconds',
                progress = 42, progress_message = 'clustering <b>90</b> conversations'
            WHERE id = \(running)
            """)
        let dead = try #require(try await queue.enqueue(kind: "search_index", projectID: project))
        try await pool.query("""
            UPDATE jobs SET status = 'dead', attempts = 5, error = '<script>boom()</script>', finished_at = now()
            WHERE id = \(dead)
            """)
        let foreign = try #require(try await queue.enqueue(kind: "embed", projectID: other))

        let viewer = try await dashboard.signedIn("jobs-viewer@example.com", role: .viewer)
        let reviewer = try await dashboard.signedIn("jobs-reviewer@example.com", role: .reviewer)
        let page = try await viewer.send("GET", "/jobs")
        #expect(page.status == 200)
        #expect(page.body.contains("<progress class=\"job-progress\" max=\"100\" value=\"42\""))
        #expect(page.body.contains("clustering &lt;b&gt;90&lt;/b&gt; conversations"))
        #expect(page.body.contains("&lt;script&gt;boom()&lt;/script&gt;"))
        #expect(!page.body.contains("<script>boom"))
        #expect(page.body.contains("data-job-id=\"\(queued)\" data-job-status=\"queued\""))
        #expect(page.body.contains(">failed</span>"))
        #expect(!page.body.contains("data-job-id=\"\(foreign)\""), "another project's job")
        #expect(!page.body.contains("/jobs/\(queued)/cancel"), "viewers cannot cancel")
        #expect(page.body.contains("aria-current=\"page\""))

        // The JSON twin for the page's script: same session, same project.
        let json = try await viewer.send("GET", "/jobs.json")
        #expect(json.status == 200)
        #expect(json.headers["content-type"] == "application/json")
        let snapshot = try #require(try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: Any])
        #expect(snapshot["active"] as? Int == 2)
        let jobs = snapshot["jobs"] as? [[String: Any]] ?? []
        #expect(Set(jobs.compactMap { $0["id"] as? Int }) == [queued, running, dead])
        #expect(jobs.first { $0["id"] as? Int == running }?["progress"] as? Int == 42)
        #expect(try await dashboard.client.send("GET", "/jobs.json").status == 303, "no session: sign in first")

        // The clusters page shows the running run with its progress.
        let clusters = try await viewer.send("GET", "/clusters")
        #expect(clusters.body.contains("Clustering in progress"))
        #expect(clusters.body.contains("data-job-id=\"\(running)\" data-job-status=\"running\""))

        // Cancel: reviewers only, with the token; a queued job at once, a running one at its next heartbeat.
        #expect(try await Self.submit(viewer, "/jobs/\(queued)/cancel", from: "/jobs", []).status == 403)
        let reviewerPage = try await reviewer.send("GET", "/jobs").body
        #expect(reviewerPage.contains("action=\"/jobs/\(queued)/cancel\""))
        #expect(!reviewerPage.contains("action=\"/jobs/\(dead)/cancel\""))
        #expect(try await reviewer.send("POST", "/jobs/\(queued)/cancel", form: []).status == 403)
        #expect(try await Self.submit(reviewer, "/jobs/\(queued)/cancel", from: "/jobs", []).location == "/jobs")
        #expect(try await Self.flash(reviewer, "/jobs")?.kind == "success")
        #expect(try await Self.submit(reviewer, "/jobs/\(running)/cancel", from: "/jobs", []).status == 303)
        let states = try await pool.query("""
            SELECT id, status, cancel_requested FROM jobs WHERE id = ANY(\([queued, running, foreign])) ORDER BY id
            """).map { try $0.decode((Int, String, Bool).self) }
        #expect(states.map(\.1) == ["cancelled", "running", "queued"])
        #expect(states.map(\.2) == [true, true, false])
        #expect(try await reviewer.send("GET", "/jobs").body.contains("Cancelling…"))
        // Nothing to cancel: finished, or another project's.
        for id in [queued, foreign] {
            #expect(try await Self.submit(reviewer, "/jobs/\(id)/cancel", from: "/jobs", []).status == 303)
            #expect(try await Self.flash(reviewer, "/jobs")?.kind == "error")
        }
        #expect(try await pool.query("SELECT status FROM jobs WHERE id = \(foreign)").first!.decode(0, as: String.self)
            == "queued")
    }

    @Test func presenterSortsFormatsAndDrawsSafely() {
        func node(_ id: Int, _ name: String, size: Int, last7: Int, previous7: Int, up: Int = 0, down: Int = 0,
                  trend: String = "steady") -> ClusterQueries.Node {
            var node = ClusterQueries.Node(id: id, name: name, autoName: name, customName: nil, pinned: false, level: 0,
                                           parentID: nil, keywords: [], x: Float(id) / 10, y: 0.5)
            node.size = size
            node.last7d = last7
            node.previous7d = previous7
            node.thumbsUp = up
            node.thumbsDown = down
            node.finish(total: 100)
            node.trend = trend
            return node
        }
        let leaves = [node(1, "beta", size: 10, last7: 6, previous7: 3, up: 1, down: 3, trend: "rising"),
                      node(2, "Alpha", size: 50, last7: 5, previous7: 10, up: 9, down: 1, trend: "fading"),
                      node(3, "gamma", size: 40, last7: 0, previous7: 0)]
            .map { ClusterPresenter.Leaf(node: $0, group: 0) }
        func order(_ key: ClusterPresenter.SortKey, _ descending: Bool) -> [Int] {
            ClusterPresenter.sorted(leaves, by: key, descending: descending).map(\.node.id)
        }
        #expect(order(.size, true) == [2, 3, 1])
        #expect(order(.name, false) == [2, 1, 3])
        #expect(order(.growth, true) == [1, 2, 3], "no growth figure goes last")
        #expect(order(.growth, false) == [2, 1, 3], "no growth figure goes last either way")
        #expect(order(.trend, true) == [1, 3, 2])
        #expect(order(.feedback, true) == [2, 1, 3])
        #expect(ClusterPresenter.sort(query: ("name", nil)) == (.name, false))
        #expect(ClusterPresenter.sort(query: ("bogus", "asc")) == (.size, false))
        #expect(ClusterPresenter.growth(leaves[0].node).text == "+100%")
        #expect(ClusterPresenter.growth(leaves[1].node).text == "−50%")
        #expect(ClusterPresenter.feedback(leaves[1].node)?.text == "90% positive")
        #expect(ClusterPresenter.feedback(leaves[2].node) == nil)
        #expect(ClusterPresenter.percent(0.004) == "<1%")
        #expect(ClusterPresenter.dayLabel("2026-03-07") == "Mar 7")

        // A single cluster, or all at one spot, is centred without NaN; names are escaped in titles and labels.
        let one = ClusterMap.svg(bubbles: [.init(id: 7, name: "<b>x</b>", size: 3, share: "100%", group: 0, groupName: nil,
                                                 x: 0.5, y: 0.5)], dots: [.init(group: 0, x: 0.5, y: 0.5)]).markup
        #expect(!one.contains("nan") && !one.contains("inf"))
        #expect(one.contains("cx=\"360\" cy=\"280\""), "the middle of the 720 × 560 map")
        #expect(one.contains("Map of 1 cluster:"))
        #expect(one.contains("&lt;b&gt;x&lt;/b&gt;") && !one.contains("<b>"))
        #expect(one.contains("<a href=\"/clusters/7\""))
        let hierarchy = ClusterPresenter.hierarchy(leaves.map(\.node)).markup
        #expect(hierarchy.contains("<a href=\"/clusters/2\">Alpha</a>"))
    }
}
