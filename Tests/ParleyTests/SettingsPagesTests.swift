import Foundation
@testable import Parley
import Postgres
import TestSupport
import Testing

/// The Settings pages over HTTP against the real database: admins only; the project's name; flag rules with the
/// friendly editor, the JSON editor and the dry-run; members and roles (never without an admin); API keys that work
/// against the API once created and stop working once revoked.
@Suite struct SettingsPagesTests {
    static let sections = ["/settings", "/settings/rules", "/settings/rules/new", "/settings/users", "/settings/keys"]

    /// Sends a settings form with the CSRF token of `page`.
    static func submit(_ client: DashboardClient, _ path: String, from page: String = "/settings",
                       _ fields: [(String, String)]) async throws -> DashboardClient.Reply {
        try await ClusterPagesTests.submit(client, path, from: page, fields)
    }

    @Test func onlyAdminsReachSettings() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        let viewer = try await dashboard.signedIn("viewer@example.com", role: .viewer)
        let reviewer = try await dashboard.signedIn("reviewer@example.com", role: .reviewer)
        let admin = try await dashboard.signedIn("admin@example.com", role: .admin)
        for path in Self.sections {
            #expect(try await viewer.send("GET", path).status == 403, "\(path)")
            #expect(try await reviewer.send("GET", path).status == 403, "\(path)")
            let page = try await admin.send("GET", path)
            #expect(page.status == 200, "\(path)")
            #expect(page.body.contains("class=\"settings-tabs\""), "\(path)")
        }
        // Forms too, even with a valid token of the reviewer's own session.
        let token = try #require(DashboardClient.csrfToken(in: try await reviewer.send("GET", "/import").body))
        for path in ["/settings/project", "/settings/rules", "/settings/users", "/settings/keys", "/settings/keys/1/revoke",
                     "/settings/users/1/remove"] {
            #expect(try await reviewer.send("POST", path, form: [("_csrf", token), ("name", "x")]).status == 403, "\(path)")
        }

        // The project tab: renaming, audited; a bad name is refused.
        #expect(try await Self.submit(admin, "/settings/project", [("name", "Support bot <prod>")]).status == 303)
        #expect(try await ClusterPagesTests.flash(admin, "/settings")?.kind == "success")
        let name = try await dashboard.pool.query("SELECT name FROM projects WHERE id = \(dashboard.app.projectID)")
            .first?.decode(0, as: String.self)
        #expect(name == "Support bot <prod>")
        let page = try await admin.send("GET", "/settings").body
        #expect(page.contains("value=\"Support bot &lt;prod&gt;\""))
        #expect(try await dashboard.app.count("SELECT count(*) FROM audit_log WHERE action = 'project.rename'") == 1)
        #expect(try await Self.submit(admin, "/settings/project", [("name", "  ")]).status == 303)
        #expect(try await ClusterPagesTests.flash(admin, "/settings")?.kind == "error")
    }

    @Test func rulesAreDryRunThenSavedToggledAndDeleted() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        let app = dashboard.app
        let admin = try await dashboard.signedIn("admin@example.com", role: .admin)
        try await app.ingestAndFlag([
            conversation("r-1", [("user", "I want a refund for order 123456"), ("assistant", "Sure.")]),
            conversation("r-2", [("user", "Refund please"), ("assistant", "Done.")]),
            conversation("r-3", [("user", "What are your hours?"), ("assistant", "9 to 5, no refunds on Sundays.")]),
            conversation("r-4", [("user", "Email me at ana@example.org"), ("assistant", "Noted.")]),
        ])
        let empty = try await admin.send("GET", "/settings/rules").body
        #expect(empty.contains("No flag rules yet"))

        // Dry run of a keyword rule on user messages: two matches, nothing stored.
        let keywordRule: [(String, String)] = [
            ("name", "Refund requests"), ("severity", "high"), ("enabled", "1"), ("mode", "keywords"),
            ("keywords", "refund, chargeback"), ("keyword_role", "user"), ("whole_word", "1"), ("limit", "1000"),
        ]
        let dry = try await Self.submit(admin, "/settings/rules", from: "/settings/rules/new",
                                        keywordRule + [("action", "dry-run")])
        #expect(dry.status == 200)
        #expect(dry.body.contains("<span class=\"value\" id=\"dry-run-matched\">2</span>"), "\(dry.body.prefix(0))")
        #expect(dry.body.contains("of 4 conversations would be flagged"))
        #expect(dry.body.contains("r-1") && dry.body.contains("r-2") && !dry.body.contains(">r-3<"))
        #expect(dry.body.contains("value=\"Refund requests\""), "the form keeps what was typed")
        #expect(try await app.count("SELECT count(*) FROM flag_rules") == 0)

        // Saved: stored with the canonical condition, evaluated over the project by its job.
        let saved = try await Self.submit(admin, "/settings/rules", from: "/settings/rules/new",
                                          keywordRule + [("action", "save")])
        #expect(saved.status == 303 && saved.location == "/settings/rules")
        let rule = try #require(try await app.database.pool.query("""
            SELECT id, severity, enabled, condition::text, created_by FROM flag_rules
            """).first).decode((Int, String, Bool, String, String).self)
        #expect(rule.1 == "high" && rule.2)
        #expect(rule.3.contains("\"words\": [\"refund\", \"chargeback\"]") && rule.3.contains("\"role\": [\"user\"]"), "\(rule.3)")
        #expect(rule.4.hasPrefix("user:"))
        try await app.work()
        #expect(try await app.count("SELECT count(*) FROM flags WHERE rule_id = \(rule.0)") == 2)
        let list = try await admin.send("GET", "/settings/rules").body
        #expect(list.contains("Refund requests") && list.contains("severity-high") && list.contains("id=\"disable-\(rule.0)\""))

        // The editor opens a stored keyword rule in its friendly mode.
        let editor = try await admin.send("GET", "/settings/rules/\(rule.0)").body
        #expect(editor.contains("<option value=\"keywords\" selected>"))
        #expect(editor.contains("refund, chargeback"))

        // Invalid input: clear field errors, nothing changed.
        let badJSON = try await Self.submit(admin, "/settings/rules/\(rule.0)", from: "/settings/rules/\(rule.0)", [
            ("name", "Refund requests"), ("severity", "high"), ("mode", "json"), ("condition", "{\"type\": "),
            ("action", "save"),
        ])
        #expect(badJSON.status == 422)
        #expect(badJSON.body.contains("is not valid JSON"))
        let catastrophic = try await Self.submit(admin, "/settings/rules/\(rule.0)", from: "/settings/rules/\(rule.0)", [
            ("name", "Refund requests"), ("severity", "high"), ("mode", "regex"), ("pattern", "(a+)+$"),
            ("action", "dry-run"),
        ])
        #expect(catastrophic.status == 422 && catastrophic.body.contains("nested quantifiers"))

        // The JSON editor: any condition, here a detector combined with a keyword.
        let combined = try await Self.submit(admin, "/settings/rules/\(rule.0)", from: "/settings/rules/\(rule.0)", [
            ("name", "Refunds or emails"), ("severity", "critical"), ("enabled", "1"), ("mode", "json"),
            ("condition", #"{"any": [{"type": "keywords", "words": ["refund"]}, {"type": "detector", "name": "pii", "kinds": ["email"]}]}"#),
            ("action", "save"),
        ])
        #expect(combined.status == 303)
        try await app.work()
        // refund (any role, whole word: not "refunds") in r-1 and r-2, an email address in r-4.
        #expect(try await app.count("SELECT count(*) FROM flags WHERE rule_id = \(rule.0)") == 3)
        #expect(try await admin.send("GET", "/settings/rules/\(rule.0)").body.contains("<option value=\"json\" selected>"))

        // Disable, enable, delete.
        #expect(try await Self.submit(admin, "/settings/rules/\(rule.0)/enabled", from: "/settings/rules",
                                      [("enabled", "0")]).status == 303)
        #expect(try await app.database.pool.query("SELECT enabled FROM flag_rules").first?.decode(0, as: Bool.self) == false)
        #expect(try await admin.send("GET", "/settings/rules").body.contains("id=\"enable-\(rule.0)\""))
        #expect(try await Self.submit(admin, "/settings/rules/\(rule.0)/delete", from: "/settings/rules", []).status == 303)
        #expect(try await app.count("SELECT count(*) FROM flag_rules") == 0)
        #expect(try await app.count("""
            SELECT count(*) FROM audit_log WHERE entity = 'rule' AND actor LIKE 'user:%'
            """) >= 4)
        #expect(try await admin.send("GET", "/settings/rules/\(rule.0)").status == 404)
    }

    @Test func membersAreAddedChangedAndTheLastAdminStays() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        let admin = try await dashboard.signedIn("admin@example.com", role: .admin)
        let projectID = dashboard.app.projectID
        func role(_ email: String) async throws -> String? {
            try await dashboard.pool.query("""
                SELECT m.role FROM project_memberships m JOIN users u ON u.id = m.user_id
                WHERE lower(u.email) = lower(\(email)) AND m.project_id = \(projectID)
                """).first?.decode(0, as: String.self)
        }

        // A new account with an initial password, who can sign in at once.
        let added = try await Self.submit(admin, "/settings/users", from: "/settings/users", [
            ("email", "new.reviewer@example.com"), ("display_name", "New <Reviewer>"), ("role", "reviewer"),
            ("password", "initial password 1"),
        ])
        #expect(added.status == 303)
        #expect(try await role("new.reviewer@example.com") == "reviewer")
        let newcomer = dashboard.client
        #expect(try await newcomer.signIn(email: "new.reviewer@example.com", password: "initial password 1").status == 303)
        #expect(try await newcomer.send("GET", "/import").status == 200)

        // An existing account of another project keeps its password; a new one without a password is refused.
        let other = try await ProjectStore(pool: dashboard.pool).ensure(slug: "other")
        try await dashboard.user("elsewhere@example.com", role: .viewer, projectID: other)
        #expect(try await Self.submit(admin, "/settings/users", from: "/settings/users", [
            ("email", "Elsewhere@Example.com"), ("role", "viewer"),
        ]).status == 303)
        #expect(try await role("elsewhere@example.com") == "viewer")
        #expect(try await Self.submit(admin, "/settings/users", from: "/settings/users", [
            ("email", "nobody@example.com"), ("role", "viewer"),
        ]).status == 303)
        #expect(try await ClusterPagesTests.flash(admin, "/settings/users")?.text.contains("initial password") == true)
        #expect(try await dashboard.accounts.user(email: "nobody@example.com") == nil)

        let page = try await admin.send("GET", "/settings/users").body
        #expect(page.contains("New &lt;Reviewer&gt;") && page.contains("elsewhere@example.com"))
        let adminID = try #require(try await dashboard.accounts.user(email: "admin@example.com")?.id)
        let reviewerID = try #require(try await dashboard.accounts.user(email: "new.reviewer@example.com")?.id)
        #expect(!page.contains("id=\"remove-\(adminID)\""), "the last admin has no remove button")

        // The last admin can be neither demoted nor removed.
        #expect(try await Self.submit(admin, "/settings/users/\(adminID)/role", from: "/settings/users",
                                      [("role", "viewer")]).status == 303)
        #expect(try await ClusterPagesTests.flash(admin, "/settings/users")?.text.contains("last admin") == true)
        #expect(try await Self.submit(admin, "/settings/users/\(adminID)/remove", from: "/settings/users", []).status == 303)
        #expect(try await role("admin@example.com") == "admin")

        // Promote the reviewer; then the first admin may step down (and loses the settings pages).
        #expect(try await Self.submit(admin, "/settings/users/\(reviewerID)/role", from: "/settings/users",
                                      [("role", "admin")]).status == 303)
        #expect(try await role("new.reviewer@example.com") == "admin")
        let down = try await Self.submit(admin, "/settings/users/\(adminID)/role", from: "/settings/users", [("role", "reviewer")])
        #expect(down.status == 303 && down.location == "/")
        #expect(try await role("admin@example.com") == "reviewer")
        #expect(try await admin.send("GET", "/settings/users").status == 403)

        // Two admins demoting each other at the same moment: the lock lets exactly one through.
        try await dashboard.accounts.grant(userID: adminID, projectID: projectID, role: .admin)
        let accounts = dashboard.accounts
        async let first: Bool? = try? accounts.changeMembership(userID: adminID, projectID: projectID, to: .viewer)
        async let second: Bool? = try? accounts.changeMembership(userID: reviewerID, projectID: projectID, to: .viewer)
        let outcomes = await [first, second]
        #expect(outcomes.filter { $0 == true }.count == 1, "\(outcomes)")
        #expect(outcomes.filter { $0 == nil }.count == 1, "\(outcomes)")
        #expect(try await dashboard.app.count("""
            SELECT count(*) FROM project_memberships WHERE project_id = \(projectID) AND role = 'admin'
            """) == 1)

        // Removing a member takes only this project's membership.
        let remaining = try #require(try await dashboard.pool.query("""
            SELECT user_id FROM project_memberships WHERE project_id = \(projectID) AND role = 'admin'
            """).first?.decode(0, as: Int.self))
        let remover = remaining == adminID ? admin : newcomer
        let elsewhereID = try #require(try await dashboard.accounts.user(email: "elsewhere@example.com")?.id)
        #expect(try await Self.submit(remover, "/settings/users/\(elsewhereID)/remove", from: "/settings/users", []).status == 303)
        #expect(try await role("elsewhere@example.com") == nil)
        #expect(try await dashboard.accounts.memberships(userID: elsewhereID).map(\.projectID) == [other])
    }

    @Test func apiKeysWorkOnceCreatedAndStopOnceRevoked() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        let app = dashboard.app
        let admin = try await dashboard.signedIn("admin@example.com", role: .admin)

        let refused = try await Self.submit(admin, "/settings/keys", from: "/settings/keys", [("name", "no scopes")])
        #expect(refused.status == 422 && refused.body.contains("Choose at least one scope"))

        let created = try await Self.submit(admin, "/settings/keys", from: "/settings/keys", [
            ("name", "reporting <script>"), ("scope", "read"), ("scope", "ingest"),
        ])
        #expect(created.status == 200)
        #expect(created.headers["cache-control"] == "no-store")
        #expect(created.body.contains("shown only once"))
        #expect(created.body.contains("reporting &lt;script&gt;"))
        let start = try #require(created.body.range(of: "<code id=\"new-key-value\">"))
        let key = String(created.body[start.upperBound...].prefix { $0 != "<" })
        #expect(key.hasPrefix("prl_") && key.split(separator: "_").count == 3)

        // The key works against the API with its scopes, and only those.
        #expect(try await app.send("GET", "/api/v1/rules", key: key).status == 200)
        #expect(try await app.post("/api/v1/conversations", json: sampleConversation(id: "via-new-key"), key: key).status == 201)
        #expect(try await app.post("/api/v1/rules", json: ["name": "x", "condition": ["type": "detector", "name": "pii"]],
                                   key: key).status == 403)

        // Listed without its secret, with its scopes and its last use.
        let list = try await admin.send("GET", "/settings/keys").body
        #expect(!list.contains(key))
        let id = try #require(try await app.database.pool.query("SELECT id FROM api_keys WHERE name = 'reporting <script>'")
            .first?.decode(0, as: Int.self))
        #expect(list.contains("id=\"revoke-\(id)\""))
        #expect(try await app.database.pool.query("SELECT last_used_at IS NOT NULL FROM api_keys WHERE id = \(id)")
            .first?.decode(0, as: Bool.self) == true)

        // Revoked: refused at once by this instance.
        #expect(try await Self.submit(admin, "/settings/keys/\(id)/revoke", from: "/settings/keys", []).status == 303)
        #expect(try await app.send("GET", "/api/v1/rules", key: key).status == 401)
        let after = try await admin.send("GET", "/settings/keys").body
        #expect(!after.contains("id=\"revoke-\(id)\"") && after.contains("Revoked keys"))
        #expect(try await Self.submit(admin, "/settings/keys/\(id)/revoke", from: "/settings/keys", []).status == 303)
        #expect(try await ClusterPagesTests.flash(admin, "/settings/keys")?.kind == "error")
        #expect(try await app.count("SELECT count(*) FROM audit_log WHERE entity = 'api_key'") == 2)

        // Keys of another project are out of reach.
        let other = try await ProjectStore(pool: dashboard.pool).ensure(slug: "other")
        let foreign = try await app.context.apiKeys.create(projectID: other)
        #expect(try await Self.submit(admin, "/settings/keys/\(foreign.id)/revoke", from: "/settings/keys", []).status == 303)
        #expect(try await app.send("GET", "/api/v1/rules", key: foreign.key).status == 200)
        #expect(!(try await admin.send("GET", "/settings/keys").body.contains(foreign.prefix)))
    }
}
