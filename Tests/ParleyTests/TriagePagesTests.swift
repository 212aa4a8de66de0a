import Foundation
@testable import Parley
import Postgres
import TestSupport
import Testing

/// The triage pages over HTTP against the real database: the queue with its tabs, filters and keyset pages,
/// take-next claimed once under concurrency, every action as a plain form (and as the page script sends it),
/// viewers refused, another project's items invisible, and bulk actions on a selection and on a filter.
@Suite struct TriagePagesTests {
    struct Fixture {
        let dashboard: DashboardApp
        let rules: [String: Int]
        var app: TestApp { dashboard.app }
        var pool: PostgresPool { dashboard.pool }

        func itemID(_ externalID: String) async throws -> Int {
            try #require(try await pool.query("""
                SELECT t.id FROM triage_items t JOIN conversations c ON c.id = t.conversation_id
                WHERE c.external_id = \(externalID)
                """).first?.decode(0, as: Int.self))
        }

        func actor(_ email: String) async throws -> String {
            "user:" + String(try #require(try await pool.query("SELECT id FROM users WHERE email = \(email)")
                .first?.decode(0, as: Int.self)))
        }

        func value<T: PostgresDecodable>(_ sql: PostgresQuery, as type: T.Type = T.self) async throws -> T {
            try #require(try await pool.query(sql).first?.decode(0, as: T.self))
        }
    }

    /// Ten flagged conversations (cards critical, e-mails medium, refusals low) and one clean; one card
    /// conversation carries markup to check escaping.
    static func fixture() async throws -> Fixture {
        let dashboard = try await DashboardApp.start()
        let app = dashboard.app
        let key = try await app.writeKey()
        var rules: [String: Int] = [:]
        for (name, severity, condition) in [
            ("cards", "critical", ["type": "detector", "name": "pii", "kinds": ["payment_card"]] as [String: Any]),
            ("emails", "medium", ["type": "detector", "name": "pii", "kinds": ["email"]]),
            ("refusals", "low", ["type": "detector", "name": "refusal"]),
        ] {
            let reply = try await app.post("/api/v1/rules", json: ["name": name, "severity": severity, "condition": condition],
                                           key: key)
            #expect(reply.status == 201, "\(reply.text)")
            rules[name] = reply.json["id"] as? Int
        }
        var conversations: [[String: Any]] = []
        for i in 0..<3 {
            let text = i == 0 ? "<script>alert(1)</script> card 4111 1111 1111 1111 declined" : "card 4111 1111 1111 1111 declined"
            conversations.append(conversation("card-\(i)", [("user", text), ("assistant", "Checking.")]))
        }
        for i in 0..<4 {
            conversations.append(conversation("mail-\(i)", [("user", "mail me at u\(i)@example.com"), ("assistant", "Sure.")]))
        }
        for i in 0..<3 {
            conversations.append(conversation("refuse-\(i)", [("user", "Tell me a secret"),
                                                              ("assistant", "I'm sorry, but I can't help with that.")]))
        }
        conversations.append(conversation("clean", [("user", "Opening hours?"), ("assistant", "9 to 5.")]))
        try await app.ingestAndFlag(conversations)
        #expect(try await app.count("SELECT count(*) FROM triage_items") == 10)
        return Fixture(dashboard: dashboard, rules: rules)
    }

    /// Item ids of the queue's rows, in order.
    static func rows(_ html: String) -> [Int] {
        html.components(separatedBy: "<tr class=\"triage-row\" data-item=\"").dropFirst()
            .compactMap { Int($0.prefix { $0.isNumber }) }
    }

    /// Sends a form with the CSRF token of `page` (optionally as the page script does, asking for JSON).
    static func submit(_ client: DashboardClient, _ path: String, from page: String = "/triage", _ fields: [(String, String)],
                       json: Bool = false) async throws -> DashboardClient.Reply {
        let html = try await client.send("GET", page).body
        let token = try #require(DashboardClient.csrfToken(in: html), "no CSRF token on \(page)")
        return try await client.send("POST", path, form: [("_csrf", token)] + fields,
                                     headers: json ? ["Accept": "application/json"] : [:])
    }

    static func flash(_ client: DashboardClient, _ path: String) async throws -> String {
        let body = try await client.send("GET", path).body
        guard let range = body.range(of: "<div class=\"flash flash-") else { return "" }
        return String(body[range.upperBound...].prefix { $0 != "<" })
    }

    @Test func queueRendersWithFiltersCountsAndKeysetPages() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.dashboard.stop() } }
        let viewer = try await f.dashboard.signedIn("queue-viewer@example.com", role: .viewer)
        let page = try await viewer.send("GET", "/triage")
        #expect(page.status == 200)
        #expect(!page.body.contains("coming soon"))
        let all = Self.rows(page.body)
        #expect(all.count == 10)
        // Highest priority first: the three card conversations lead.
        let cards = [try await f.itemID("card-0"), try await f.itemID("card-1"), try await f.itemID("card-2")]
        #expect(Set(all.prefix(3)) == Set(cards))
        #expect(page.body.contains("Active <span class=\"tab-count\">10</span>"))
        #expect(page.body.contains("Resolved <span class=\"tab-count\">0</span>"))
        #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!page.body.contains("<script>alert(1)"))
        #expect(page.body.contains("<strong>cards</strong>"))
        // Viewers see the queue but none of its actions.
        #expect(!page.body.contains("formaction="))
        #expect(!page.body.contains("id=\"take-next\""))
        #expect(!page.body.contains("id=\"bulk-apply\""))

        // Filters: severity, rule, detector, assignee; an impossible combination shows the empty state.
        #expect(Self.rows(try await viewer.send("GET", "/triage?severity=critical").body).count == 3)
        let emails = try #require(f.rules["emails"])
        let byRule = try await viewer.send("GET", "/triage?rule=\(emails)")
        #expect(Self.rows(byRule.body).count == 4)
        #expect(byRule.body.contains("<option value=\"\(emails)\" selected>emails</option>"))
        #expect(Self.rows(try await viewer.send("GET", "/triage?detector=refusal").body).count == 3)
        #expect(Self.rows(try await viewer.send("GET", "/triage?assignee=none").body).count == 10)
        #expect(Self.rows(try await viewer.send("GET", "/triage?assignee=me").body).isEmpty)
        let none = try await viewer.send("GET", "/triage?status=resolved&severity=critical")
        #expect(Self.rows(none.body).isEmpty)
        #expect(none.body.contains("No items match these filters"))
        #expect(try await viewer.send("GET", "/triage?rule=abc").status == 400)

        // Keyset pages of 4 walk every item once, in the order of one page.
        var walked: [Int] = []
        var path: String? = "/triage?limit=4"
        while let next = path {
            let body = try await viewer.send("GET", next).body
            walked += Self.rows(body)
            path = body.components(separatedBy: "href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
                .first { $0.hasPrefix("/triage?") && $0.contains("cursor=") }?.replacingOccurrences(of: "&amp;", with: "&")
            #expect(walked.count <= 10)
        }
        #expect(walked == all)
    }

    @Test func takeNextClaimsEachItemOnce() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.dashboard.stop() } }
        let ana = try await f.dashboard.signedIn("ana@example.com", role: .reviewer)
        let bo = try await f.dashboard.signedIn("bo@example.com", role: .reviewer)
        let first = try await Self.submit(ana, "/triage/next", [("severity", "critical")])
        #expect(first.status == 303)
        let claimed = try #require(first.location.flatMap { Int($0.dropFirst("/triage/".count).prefix { $0.isNumber }) })
        #expect(first.location == "/triage/\(claimed)?severity=critical")
        #expect(try await f.value("SELECT status FROM triage_items WHERE id = \(claimed)", as: String.self) == "in_review")
        #expect(try await f.value("SELECT assignee FROM triage_items WHERE id = \(claimed)", as: String.self)
            == (try await f.actor("ana@example.com")))

        // Two reviewers racing for the other nine: every item goes to exactly one of them.
        let anaToken = try #require(DashboardClient.csrfToken(in: try await ana.send("GET", "/triage").body))
        let boToken = try #require(DashboardClient.csrfToken(in: try await bo.send("GET", "/triage").body))
        let locations = try await withThrowingTaskGroup(of: String?.self) { group in
            for i in 0..<12 {
                let (client, token) = i % 2 == 0 ? (ana, anaToken) : (bo, boToken)
                group.addTask { try await client.send("POST", "/triage/next", form: [("_csrf", token)]).location }
            }
            var all: [String?] = []
            for try await location in group { all.append(location) }
            return all
        }
        let ids = locations.compactMap { $0 }.compactMap { location -> Int? in
            location.hasPrefix("/triage/") ? Int(location.dropFirst("/triage/".count).prefix { $0.isNumber }) : nil
        }
        #expect(ids.count == 9)
        #expect(Set(ids).count == 9)
        #expect(!ids.contains(claimed))
        #expect(locations.filter { $0 == "/triage" }.count == 3)
        #expect(try await f.app.count("SELECT count(*) FROM triage_items WHERE status = 'in_review'") == 10)
        #expect(try await f.app.count("SELECT count(*) FROM audit_log WHERE action = 'triage.take'") == 10)
        _ = try await Self.submit(ana, "/triage/next", [])
        #expect(try await Self.flash(ana, "/triage").contains("Nothing left to take"))
    }

    @Test func everyActionWorksAsAPlainForm() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.dashboard.stop() } }
        let reviewer = try await f.dashboard.signedIn("rev@example.com", role: .reviewer)
        let me = try await f.actor("rev@example.com")
        let id = try await f.itemID("card-0")
        let page = try await reviewer.send("GET", "/triage/\(id)")
        #expect(page.status == 200)
        // The card number is marked where the detector found it; the markup around it stays escaped text.
        #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt; card <mark class=\"flag-span severity-critical\""))
        #expect(page.body.contains(">4111 1111 1111 1111</mark> declined"))
        #expect(page.body.contains("id=\"resolve\""))

        func post(_ action: String, _ fields: [(String, String)], json: Bool = false) async throws -> DashboardClient.Reply {
            try await Self.submit(reviewer, "/triage/\(id)/\(action)", from: "/triage/\(id)",
                                  fields + [("return", "/triage/\(id)")], json: json)
        }
        var reply = try await post("assign", [("to", "me")])
        #expect(reply.status == 303 && reply.location == "/triage/\(id)")
        #expect(try await f.value("SELECT assignee FROM triage_items WHERE id = \(id)", as: String.self) == me)
        reply = try await post("status", [("to", "in_review")])
        #expect(try await f.value("SELECT status FROM triage_items WHERE id = \(id)", as: String.self) == "in_review")
        reply = try await post("priority", [("to", "2")])
        #expect(try await f.value("SELECT priority FROM triage_items WHERE id = \(id)", as: Int.self) == 2)
        reply = try await post("rate", [("score.helpfulness", "4"), ("score.safety", "2")])
        #expect(reply.status == 303)
        #expect(try await f.app.count("SELECT count(*) FROM triage_ratings WHERE item_id = \(id) AND reviewer = \(me)") == 2)
        reply = try await post("rate", [("score.nonsense", "4")])
        #expect(try await Self.flash(reviewer, "/triage/\(id)").contains("is not in the rubric"))
        reply = try await post("labels", [("add", "billing, urgent")])
        #expect(try await f.value("SELECT labels FROM triage_items WHERE id = \(id)", as: [String].self) == ["billing", "urgent"])
        reply = try await post("labels", [("remove", "urgent")])
        #expect(try await f.value("SELECT labels FROM triage_items WHERE id = \(id)", as: [String].self) == ["billing"])
        reply = try await post("comments", [("body", "Card number <b>pasted</b> by the user")])
        #expect(try await f.app.count("SELECT count(*) FROM triage_comments WHERE item_id = \(id) AND author = \(me)") == 1)
        reply = try await post("correction", [("corrected_answer", "Please never share card numbers here.")])
        #expect(try await f.value("SELECT corrected_answer FROM triage_items WHERE id = \(id)", as: String.self)
            == "Please never share card numbers here.")
        let shown = try await reviewer.send("GET", "/triage/\(id)").body
        #expect(shown.contains("Card number &lt;b&gt;pasted&lt;/b&gt; by the user"))
        #expect(shown.contains("<input type=\"radio\" name=\"score.helpfulness\" value=\"4\" checked>"))

        // Resolving with "then next" goes on to the next item of the view.
        reply = try await post("status", [("to", "resolved"), ("resolution", "Redacted"), ("then", "next")])
        #expect(reply.status == 303)
        #expect(reply.location?.hasPrefix("/triage/") == true && reply.location != "/triage/\(id)")
        #expect(try await f.value("SELECT status FROM triage_items WHERE id = \(id)", as: String.self) == "resolved")
        #expect(try await f.value("SELECT resolution FROM triage_items WHERE id = \(id)", as: String.self) == "Redacted")
        // A move the life cycle does not allow is refused with a message, as a page and as JSON.
        reply = try await post("status", [("to", "in_review")])
        #expect(reply.status == 303)
        #expect(try await Self.flash(reviewer, "/triage/\(id)").hasPrefix("error\""))
        reply = try await post("status", [("to", "in_review")], json: true)
        #expect(reply.status == 409)
        #expect(reply.body.contains("\"ok\":false"))
        reply = try await post("status", [("to", "open")], json: true)
        #expect(reply.status == 200)
        #expect(reply.body.contains("\"ok\":true"))
        #expect(try await f.value("SELECT status FROM triage_items WHERE id = \(id)", as: String.self) == "open")
        // Every change is in the audit log under the reviewer's name.
        #expect(try await f.app.count("SELECT count(*) FROM audit_log WHERE entity_id = \(id) AND actor = \(me)") >= 9)
        // A form without the session's CSRF token is refused.
        #expect(try await reviewer.send("POST", "/triage/\(id)/assign", form: [("to", "none")]).status == 403)
    }

    @Test func viewersCannotActAndOtherProjectsAreInvisible() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.dashboard.stop() } }
        let id = try await f.itemID("mail-0")
        let viewer = try await f.dashboard.signedIn("just-looking@example.com", role: .viewer)
        #expect(try await viewer.send("GET", "/triage/\(id)").status == 200)
        for (action, fields) in [("status", [("to", "resolved")]), ("assign", [("to", "me")]), ("priority", [("to", "4")]),
                                 ("rate", [("score.helpfulness", "5")]), ("labels", [("add", "x")]),
                                 ("comments", [("body", "hi")]), ("correction", [("corrected_answer", "x")])] {
            let reply = try await Self.submit(viewer, "/triage/\(id)/\(action)", fields)
            #expect(reply.status == 403, "\(action)")
        }
        #expect(try await Self.submit(viewer, "/triage/next", []).status == 403)
        #expect(try await Self.submit(viewer, "/triage/bulk", [("action", "dismiss"), ("scope", "filter")]).status == 403)
        #expect(try await f.app.count("SELECT count(*) FROM triage_items WHERE status <> 'open' OR assignee IS NOT NULL") == 0)

        // Another project's item: absent to this project's reviewers, for pages and for every action.
        let other = try await ProjectStore(pool: f.pool).ensure(slug: "elsewhere")
        let otherKey = try await f.app.context.apiKeys.create(projectID: other, scopes: APIKeyStore.scopes).key
        #expect(try await f.app.post("/api/v1/rules", json: ["name": "mails", "severity": "high",
                                                             "condition": ["type": "detector", "name": "pii", "kinds": ["email"]]],
                                     key: otherKey).status == 201)
        #expect(try await f.app.post("/api/v1/conversations", json: ["conversations": [
            conversation("theirs", [("user", "write to secret@example.com"), ("assistant", "ok")])]], key: otherKey).status == 200)
        try await FlagJobs.enqueue(projectID: other, on: JobQueue(pool: f.pool))
        try await f.app.work()
        let foreign = try await f.itemID("theirs")
        let reviewer = try await f.dashboard.signedIn("nosy@example.com", role: .reviewer)
        #expect(try await reviewer.send("GET", "/triage/\(foreign)").status == 404)
        #expect(try await reviewer.send("GET", "/triage/nope").status == 404)
        for (action, fields) in [("status", [("to", "resolved")]), ("assign", [("to", "me")]), ("priority", [("to", "1")]),
                                 ("rate", [("score.helpfulness", "5")]), ("labels", [("add", "x")]),
                                 ("comments", [("body", "hi")]), ("correction", [("corrected_answer", "x")])] {
            #expect(try await Self.submit(reviewer, "/triage/\(foreign)/\(action)", fields).status == 404, "\(action)")
        }
        let bulk = try await Self.submit(reviewer, "/triage/bulk", [("action", "dismiss"), ("item", String(foreign))])
        #expect(bulk.status == 303)
        #expect(try await f.value("SELECT status FROM triage_items WHERE id = \(foreign)", as: String.self) == "open")
        #expect(try await f.value("SELECT priority FROM triage_items WHERE id = \(foreign)", as: Int.self) == 3)
        #expect(!(try await reviewer.send("GET", "/triage?status=all").body).contains("data-item=\"\(foreign)\""))
    }

    @Test func bulkActionsOnASelectionAndOnAFilter() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.dashboard.stop() } }
        let reviewer = try await f.dashboard.signedIn("bulk@example.com", role: .reviewer)
        let me = try await f.actor("bulk@example.com")
        let picked = [try await f.itemID("refuse-0"), try await f.itemID("refuse-1")]

        // The checked items only.
        var reply = try await Self.submit(reviewer, "/triage/bulk", [("action", "dismiss"), ("scope", "selected")]
            + picked.map { ("item", String($0)) } + [("item", String(picked[0]))])
        #expect(reply.status == 303 && reply.location == "/triage")
        #expect(try await f.app.count("SELECT count(*) FROM triage_items WHERE status = 'dismissed'") == 2)
        #expect(try await f.app.count("SELECT count(*) FROM audit_log WHERE action = 'triage.bulk'") == 2)
        #expect(try await Self.flash(reviewer, "/triage").contains("2 items dismissed"))
        reply = try await Self.submit(reviewer, "/triage/bulk", [("action", "resolve")])
        #expect(try await Self.flash(reviewer, "/triage").contains("Select items first"))

        // Every item the filter selects (the medium ones), each changed once, however many pages it spans.
        reply = try await Self.submit(reviewer, "/triage/bulk", [("action", "assign_me"), ("scope", "filter"),
                                                                 ("severity", "medium"), ("limit", "2")])
        #expect(try await f.app.count("SELECT count(*) FROM triage_items WHERE assignee = \(me)") == 4)
        reply = try await Self.submit(reviewer, "/triage/bulk", [("action", "resolve"), ("scope", "filter"),
                                                                 ("severity", "medium")])
        #expect(reply.location == "/triage?severity=medium")
        #expect(try await f.app.count("SELECT count(*) FROM triage_items WHERE status = 'resolved'") == 4)
        #expect(try await f.app.count("SELECT count(*) FROM audit_log WHERE action = 'triage.bulk'") == 10)
        // Repeating it changes nothing and writes no audit rows.
        reply = try await Self.submit(reviewer, "/triage/bulk", [("action", "resolve"), ("scope", "filter"),
                                                                 ("severity", "medium"), ("status", "all")])
        #expect(try await Self.flash(reviewer, "/triage").contains("0 items resolved"))
        #expect(try await f.app.count("SELECT count(*) FROM audit_log WHERE action = 'triage.bulk'") == 10)
        // Priority on a filter; the active tab excludes the closed items.
        reply = try await Self.submit(reviewer, "/triage/bulk", [("action", "priority"), ("priority", "3"), ("scope", "filter"),
                                                                 ("detector", "refusal")])
        #expect(try await f.app.count("SELECT count(*) FROM triage_items WHERE priority = 3") == 1)
        let queue = try await reviewer.send("GET", "/triage")
        #expect(Self.rows(queue.body).count == 4)
        #expect(queue.body.contains("Resolved <span class=\"tab-count\">4</span>"))
        #expect(queue.body.contains("Done today"))
    }
}
