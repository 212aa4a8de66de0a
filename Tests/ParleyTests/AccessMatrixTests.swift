import Foundation
import HTTPServer
@testable import Parley
import Postgres
import TestSupport
import Testing

/// The authorisation matrix: every route the router knows × (anonymous, viewer, reviewer, admin; API keys with
/// each scope) × (own project, another project).
///
/// - Dashboard routes: the minimum role of each is written down in `pages` below (a route missing there fails
///   the test, so a new page cannot slip in unreviewed). Anonymous → sign-in redirect; a role below the minimum →
///   403, for GET and for form posts alike; at or above → the page (GET).
/// - API routes: the scope of each comes from the OpenAPI document. No key → 401; a key without the scope → 403;
///   a key with it → neither.
/// - Across projects: every route with an id, given the id of an object of another project, answers 404 (or
///   another 4xx for writes), never a 2xx, to every role and every key; and the object is unchanged.
/// - CSRF: every form post (sign-in and sign-out included), sent by an admin (who may post every form) without
///   the session's token, with a forged one, or with another session's valid token, is refused with 403 and
///   changes nothing.
///
/// The test prints one `access-matrix:` line with its counts (read by scripts/reliability/55-access.sh).
@Suite(.serialized) struct AccessMatrixTests {
    /// Minimum role of every dashboard route; nil for routes open to everyone (sign-in).
    static let pages: [String: Role?] = [
        "GET /login": nil,
        "POST /login": nil,
        "POST /logout": nil,
        "GET /": .viewer,
        "GET /clusters": .viewer,
        "GET /clusters/:id": .viewer,
        "GET /clusters/:id/export.jsonl": .viewer,
        "GET /compare": .viewer,
        "GET /compare/drift": .viewer,
        "GET /conversations": .viewer,
        "GET /conversations/:id": .viewer,
        "GET /import": .reviewer,
        "GET /import/:id": .reviewer,
        "GET /intents": .viewer,
        "GET /intents/:id": .viewer,
        "GET /intents/confusion": .viewer,
        "GET /intents/label": .reviewer,
        "GET /jobs": .viewer,
        "GET /jobs.json": .viewer,
        "GET /replays": .viewer,
        "GET /replays/:id": .viewer,
        "GET /replays/:id/dpo.jsonl": .viewer,
        "GET /replays/:id/inputs.jsonl": .viewer,
        "GET /replays/:id/review": .reviewer,
        "GET /settings": .admin,
        "GET /settings/keys": .admin,
        "GET /settings/rules": .admin,
        "GET /settings/rules/:id": .admin,
        "GET /settings/rules/new": .admin,
        "GET /settings/users": .admin,
        "GET /triage": .viewer,
        "GET /triage/:id": .viewer,
        "POST /clusters/:id/merge": .reviewer,
        "POST /clusters/:id/pin": .reviewer,
        "POST /clusters/:id/promote": .reviewer,
        "POST /clusters/:id/rename": .reviewer,
        "POST /clusters/:id/split": .reviewer,
        "POST /clusters/runs": .reviewer,
        "POST /compare/drift/:id/acknowledge": .reviewer,
        "POST /compare/drift/run": .reviewer,
        "POST /import": .reviewer,
        "POST /intents": .reviewer,
        "POST /intents/:id/delete": .reviewer,
        "POST /intents/:id/edit": .reviewer,
        "POST /intents/:id/examples": .reviewer,
        "POST /intents/:id/examples/:example/delete": .reviewer,
        "POST /intents/import": .reviewer,
        "POST /intents/label": .reviewer,
        "POST /intents/train": .reviewer,
        "POST /jobs/:id/cancel": .reviewer,
        "POST /replays": .reviewer,
        "POST /replays/:id/results": .reviewer,
        "POST /replays/:id/review": .reviewer,
        "POST /replays/:id/run": .reviewer,
        "POST /session/project": .viewer,
        "POST /settings/keys": .admin,
        "POST /settings/keys/:id/revoke": .admin,
        "POST /settings/project": .admin,
        "POST /settings/rules": .admin,
        "POST /settings/rules/:id": .admin,
        "POST /settings/rules/:id/delete": .admin,
        "POST /settings/rules/:id/enabled": .admin,
        "POST /settings/users": .admin,
        "POST /settings/users/:id/remove": .admin,
        "POST /settings/users/:id/role": .admin,
        "POST /triage/:id/assign": .reviewer,
        "POST /triage/:id/comments": .reviewer,
        "POST /triage/:id/correction": .reviewer,
        "POST /triage/:id/labels": .reviewer,
        "POST /triage/:id/priority": .reviewer,
        "POST /triage/:id/rate": .reviewer,
        "POST /triage/:id/status": .reviewer,
        "POST /triage/bulk": .reviewer,
        "POST /triage/next": .reviewer,
    ]

    /// Routes that are not dashboard pages nor API: health checks, the OpenAPI document, static files.
    static func isInfrastructure(_ path: String) -> Bool {
        ["/healthz", "/readyz", "/api/openapi.json"].contains(path) || path.hasPrefix("/static")
    }

    static func isAPI(_ path: String) -> Bool { path.hasPrefix("/api/") || path.hasPrefix("/v1/") }

    /// Ids of one object of each kind in a project, by the path segment that precedes the id in a route.
    struct Objects {
        var ids: [String: Int] = [:]
        static let kinds = ["examples": "example", "items": "triage", "alerts": "drift", "drift": "drift"]

        /// `path` with each `:name` replaced by the id of the collection before it; nil when one is unknown.
        func fill(_ path: String) -> String? {
            let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            var parts: [String] = []
            for (index, segment) in segments.enumerated() {
                guard segment.hasPrefix(":") else {
                    parts.append(segment)
                    continue
                }
                let collection = index > 0 ? segments[index - 1] : ""
                guard let id = ids[Self.kinds[collection] ?? collection] else { return nil }
                parts.append(String(id))
            }
            return parts.joined(separator: "/")
        }
    }

    /// Creates one object of each kind in `projectID` (whose key with every scope is `key`).
    static func objects(_ dashboard: DashboardApp, projectID: Int, key: String, tag: String) async throws -> Objects {
        let app = dashboard.app
        var objects = Objects()
        let conversation = try await app.post("/api/v1/conversations", json: [
            "id": "matrix-\(tag)", "model": "model-\(tag)",
            "messages": [["role": "user", "content": "this did not work for \(tag)"],
                         ["role": "assistant", "content": "Sorry about that."]]], key: key)
        objects.ids["conversations"] = try #require(conversation.json["parley_id"] as? Int, "\(conversation.text)")
        let intent = try await app.post("/api/v1/intents", json: ["name": "Matrix intent \(tag)"], key: key)
        objects.ids["intents"] = try #require(intent.json["id"] as? Int, "\(intent.text)")
        let examples = try await app.post("/api/v1/intents/\(objects.ids["intents"]!)/examples",
                                          json: ["texts": ["an example for \(tag)"]], key: key)
        objects.ids["example"] = try #require((examples.json["ids"] as? [Int])?.first, "\(examples.text)")
        let rule = try await app.post("/api/v1/rules", json: [
            "name": "Matrix rule \(tag)", "severity": "high",
            "condition": ["type": "keywords", "words": ["did not work"]]], key: key)
        objects.ids["rules"] = try #require(rule.json["id"] as? Int, "\(rule.text)")
        let replay = try await app.post("/api/v1/replays", json: ["name": "Matrix replay \(tag)"], key: key)
        objects.ids["replays"] = try #require(replay.json["id"] as? Int, "\(replay.text)")
        let pool = app.database.pool
        objects.ids["clusters"] = try #require(try await pool.query("""
            INSERT INTO clusters (project_id, auto_name, size) VALUES (\(projectID), 'matrix', 50) RETURNING id
            """).first?.decode(0, as: Int.self))
        objects.ids["triage"] = try #require(try await pool.query("""
            INSERT INTO triage_items (project_id, conversation_id, priority)
            VALUES (\(projectID), \(objects.ids["conversations"]!), 3) RETURNING id
            """).first?.decode(0, as: Int.self))
        objects.ids["drift"] = try #require(try await pool.query("""
            INSERT INTO drift_alerts (project_id, model, metric, day, direction, before_value, after_value, before_count,
                                      after_count, p_value, effect)
            VALUES (\(projectID), \("model-" + tag), 'flag_rate', current_date, 'up', 0.1, 0.3, 100, 100, 0.001, 0.2)
            RETURNING id
            """).first?.decode(0, as: Int.self))
        objects.ids["import"] = try #require(try await pool.query("""
            INSERT INTO imports (project_id, file_name, stored_name, size_bytes, status, uploaded_by)
            VALUES (\(projectID), 'matrix.jsonl', \("matrix-" + tag), 10, 'completed', 'matrix') RETURNING id
            """).first?.decode(0, as: Int.self))
        objects.ids["jobs"] = try #require(try await JobQueue(pool: pool).enqueue(
            kind: "matrix_noop", projectID: projectID, runAfter: Date().addingTimeInterval(86_400)))
        objects.ids["keys"] = try await app.context.apiKeys.create(projectID: projectID, name: "matrix \(tag)").id
        objects.ids["users"] = try await dashboard.user("member-\(tag)@example.com", role: .viewer, projectID: projectID).id
        return objects
    }

    /// A digest of everything stored for `projectID` (to prove that nothing there changed).
    static func snapshot(_ pool: PostgresPool, projectID: Int) async throws -> String {
        let p = projectID
        return try await pool.query("""
            SELECT coalesce(md5(string_agg(x, ',' ORDER BY x)), '') FROM (
                SELECT 'c' || t::text AS x FROM conversations t WHERE project_id = \(p)
                UNION ALL SELECT 'k' || t::text FROM clusters t WHERE project_id = \(p)
                UNION ALL SELECT 'i' || t::text FROM intents t WHERE project_id = \(p)
                UNION ALL SELECT 'e' || e::text FROM intent_examples e JOIN intents i ON i.id = e.intent_id
                          WHERE i.project_id = \(p)
                UNION ALL SELECT 'r' || t::text FROM flag_rules t WHERE project_id = \(p)
                UNION ALL SELECT 't' || t::text FROM triage_items t WHERE project_id = \(p)
                UNION ALL SELECT 's' || t::text FROM replay_sets t WHERE project_id = \(p)
                UNION ALL SELECT 'd' || t::text FROM drift_alerts t WHERE project_id = \(p)
                UNION ALL SELECT 'm' || t::text FROM imports t WHERE project_id = \(p)
                UNION ALL SELECT 'a' || (t.id, t.name, t.scopes, t.revoked_at)::text FROM api_keys t WHERE project_id = \(p)
                UNION ALL SELECT 'u' || t::text FROM project_memberships t WHERE project_id = \(p)
                UNION ALL SELECT 'p' || t::text FROM projects t WHERE id = \(p)) everything
            """).first?.decode(0, as: String.self) ?? ""
    }

    @Test func everyRouteIsInTheMatrixAndEveryRoleAndProjectIsKeptInItsPlace() async throws {
        let dashboard = try await DashboardApp.start { $0.clusters.automatic = false }
        defer { Task { await dashboard.stop() } }
        let app = dashboard.app
        let routes = ParleyService.makeRouter(context: app.context).registeredRoutes
            .filter { !Self.isInfrastructure($0.path) }
        let pageRoutes = routes.filter { !Self.isAPI($0.path) }.map { "\($0.method) \($0.path)" }

        // The table and the router agree.
        let unlisted = pageRoutes.filter { Self.pages[$0] == nil }
        let stale = Self.pages.keys.filter { !pageRoutes.contains($0) }
        #expect(unlisted.isEmpty, "dashboard routes missing from AccessMatrixTests.pages: \(unlisted.sorted())")
        #expect(stale.isEmpty, "AccessMatrixTests.pages lists routes the router does not have: \(stale.sorted())")

        let other = try await ProjectStore(pool: dashboard.pool).ensure(slug: "other")
        let ownKey = try await app.context.apiKeys.create(projectID: app.projectID, scopes: APIKeyStore.scopes).key
        let otherKey = try await app.context.apiKeys.create(projectID: other, scopes: APIKeyStore.scopes).key
        let own = try await Self.objects(dashboard, projectID: app.projectID, key: ownKey, tag: "own")
        let theirs = try await Self.objects(dashboard, projectID: other, key: otherKey, tag: "theirs")
        var clients: [Role: DashboardClient] = [:]
        for role in [Role.viewer, .reviewer, .admin] {
            clients[role] = try await dashboard.signedIn("\(role.rawValue)@example.com", role: role)
        }
        let anonymous = dashboard.client
        let theirsBefore = try await Self.snapshot(dashboard.pool, projectID: other)
        var checked = 0
        var crossProject = 0

        // 1. Pages: anonymous → sign in; below the minimum → 403; at or above → the page; other project's ids → 404.
        for route in pageRoutes.sorted() {
            guard let entry = Self.pages[route], let minimum = entry else { continue }
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            let (method, pattern) = (parts[0], parts[1])
            let path = try #require(own.fill(pattern), "no object for the ids of \(pattern)")
            let signIn = try await anonymous.send(method, path, form: method == "POST" ? [] : nil)
            #expect(signIn.status == 303 && signIn.location?.hasPrefix("/login") == true,
                    "anonymous \(route): \(signIn.status)")
            for (role, client) in clients.sorted(by: { $0.key < $1.key }) {
                let csrf = DashboardClient.csrfToken(in: try await client.send("GET", "/").body) ?? ""
                if !role.allows(minimum) {
                    let reply = try await client.send(method, path, form: method == "POST" ? [("_csrf", csrf)] : nil)
                    #expect(reply.status == 403, "\(role) \(route) → \(reply.status), expected 403")
                } else if method == "GET" {
                    let reply = try await client.send("GET", path)
                    // The fixture's cluster has no members from a run, so its size is unknown and viewers do not see
                    // it (404, as for any cluster below their minimum size).
                    let hidden = role == .viewer && pattern.hasPrefix("/clusters/:id") && reply.status == 404
                    #expect([200, 303].contains(reply.status) || hidden,
                            "\(role) \(route) → \(reply.status): \(reply.body.prefix(200))")
                }
                checked += 1
                if pattern.contains(":"), role.allows(minimum), let foreign = theirs.fill(pattern) {
                    let reply = try await client.send(method, foreign, form: method == "POST" ? [("_csrf", csrf)] : nil)
                    let ok = method == "GET" ? [403, 404].contains(reply.status)
                                             : (400..<500).contains(reply.status) || reply.status == 303
                    #expect(ok, "\(role) \(method) \(foreign) (another project's id) → \(reply.status)")
                    crossProject += 1
                }
            }
        }
        #expect(try await Self.snapshot(dashboard.pool, projectID: other) == theirsBefore,
                "a form post with another project's ids changed that project")

        // 2. API: no key → 401; a key without the route's scope → 403; another project's ids → 404 / 4xx.
        var keys: [String: String] = [:]
        for scope in APIKeyStore.scopes {
            keys[scope] = try await app.context.apiKeys.create(projectID: app.projectID, scopes: [scope]).key
        }
        let operations = OpenAPIDocument.operations.filter { $0.scope != nil }
        for operation in operations {
            let route = "\(operation.method) \(operation.path)"
            let path = try #require(own.fill(operation.path), "no object for the ids of \(operation.path)")
            let body = operation.body == nil ? nil : Data("{}".utf8)
            let none = try await app.send(operation.method, path, body: body, key: "")
            #expect(none.status == 401, "no key: \(route) → \(none.status)")
            for (scope, key) in keys where scope != operation.scope {
                let reply = try await app.send(operation.method, path, body: body, key: key)
                #expect(reply.status == 403, "scope \(scope): \(route) → \(reply.status), expected 403")
            }
            if operation.path.contains(":"), let foreign = theirs.fill(operation.path) {
                let reply = try await app.send(operation.method, foreign, body: body, key: ownKey)
                let ok = operation.method == "GET" ? reply.status == 404 : (400..<500).contains(reply.status)
                #expect(ok, "\(operation.method) \(foreign) (another project's id) → \(reply.status)")
                crossProject += 1
            }
            checked += 1
        }
        #expect(try await Self.snapshot(dashboard.pool, projectID: other) == theirsBefore,
                "an API call with another project's ids changed that project")
        #expect(checked > 100)

        // 3. CSRF: every form post without the session's token → 403, and nothing changes.
        let formPosts = pageRoutes.filter { $0.hasPrefix("POST ") }.sorted()
        let csrfChecks = try await Self.formsRefuseMissingCSRF(dashboard, formPosts, own: own, admin: clients[.admin]!,
                                                               reviewer: clients[.reviewer]!)
        #expect(csrfChecks >= formPosts.count * 3)

        print("""
            access-matrix: \(pageRoutes.count) dashboard routes × 4 roles, \(operations.count) API routes × \
            \(APIKeyStore.scopes.count + 1) keys (none and one per scope), \(crossProject) cross-project checks, \
            \(formPosts.count) form posts × 3 CSRF cases
            """)
    }

    /// Sends every form post in `routes` as `admin` (allowed everywhere) without a CSRF token, with a forged one and
    /// with `reviewer`'s valid token: each must be the 403 "form has expired" page and leave the project as it was.
    /// Sign-in is checked from a fresh browser (its token is a double-submit cookie). Returns the requests sent.
    static func formsRefuseMissingCSRF(_ dashboard: DashboardApp, _ routes: [String], own: Objects,
                                       admin: DashboardClient, reviewer: DashboardClient) async throws -> Int {
        let pool = dashboard.pool, project = dashboard.app.projectID
        let before = try await snapshot(pool, projectID: project)
        let reviewerToken = try #require(DashboardClient.csrfToken(in: try await reviewer.send("GET", "/").body))
        let adminToken = try #require(DashboardClient.csrfToken(in: try await admin.send("GET", "/").body))
        #expect(reviewerToken != adminToken, "two sessions share a CSRF token")
        var sent = 0
        for route in routes {
            let path = try #require(own.fill(String(route.dropFirst("POST ".count))), "no object for \(route)")
            let client = path == "/login" ? dashboard.client : admin
            if path == "/login" { _ = try await client.send("GET", "/login") }  // its double-submit cookie
            let fields = [("email", "admin@example.com"), ("password", DashboardApp.password), ("project", "\(project)"),
                          ("name", "csrf"), ("role", "viewer"), ("status", "resolved")]
            for (label, token) in [("no token", nil), ("a forged token", "forged"), ("another session's token", reviewerToken)] {
                let form = fields + (token.map { [("_csrf", $0)] } ?? [])
                let reply = try await client.send("POST", path, form: form)
                #expect(reply.status == 403 && reply.body.contains("This form has expired"),
                        "\(route) with \(label) → \(reply.status), expected the 403 CSRF page")
                sent += 1
            }
        }
        // The admin is still signed in and nothing was changed.
        #expect(try await admin.send("GET", "/settings").status == 200)
        #expect(try await snapshot(pool, projectID: project) == before, "a form post without its CSRF token changed data")
        return sent
    }
}
