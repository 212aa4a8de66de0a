import Foundation
import HTTPServer
@testable import Parley
import Postgres
import TestSupport
import Testing

/// Sign-in, sessions, CSRF, rate limiting and roles, end to end over HTTP against a real database.
@Suite struct DashboardAuthTests {
    @Test func signInRotatesTheSessionAndLogoutEndsIt() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        try await dashboard.user("Ada@Example.com", role: .viewer)
        let client = dashboard.client

        // Without a session every page sends the browser to sign in, remembering where it was going.
        let anonymous = try await client.send("GET", "/conversations?q=card")
        #expect(anonymous.status == 303)
        #expect(anonymous.location == "/login?next=/conversations%3Fq%3Dcard")

        // A token planted before sign-in (session fixation) is never adopted.
        client.cookies[Dashboard.sessionCookie] = SessionStore.randomToken()
        let planted = client.cookies[Dashboard.sessionCookie]
        let first = try await client.signIn(email: "ada@example.com", password: DashboardApp.password, next: "/conversations")
        #expect(first.status == 303)
        #expect(first.location == "/conversations")
        let tokenA = try #require(client.cookies[Dashboard.sessionCookie])
        #expect(tokenA != planted)
        #expect(try await client.send("GET", "/").status == 200)

        // Signing in again replaces the session: the old token stops working.
        try await client.signIn(email: "ADA@example.com", password: DashboardApp.password)
        let tokenB = try #require(client.cookies[Dashboard.sessionCookie])
        #expect(tokenB != tokenA)
        #expect(try await dashboard.status(of: "/", token: tokenA) == 303)
        #expect(try await dashboard.app.count("SELECT count(*) FROM sessions") == 1)
        // Only a digest of the token is stored.
        let stored = try await dashboard.pool.query("SELECT token_hash FROM sessions").first?.decode(0, as: Data.self)
        #expect(stored == SessionStore.digest(tokenB))

        let overview = try await client.send("GET", "/")
        let csrf = try #require(DashboardClient.csrfToken(in: overview.body))
        let logout = try await client.send("POST", "/logout", form: [("_csrf", csrf)])
        #expect(logout.status == 303)
        #expect(logout.location == "/login?signed_out=1")
        #expect(logout.setCookies.contains { $0.hasPrefix("parley_session=;") && $0.contains("Max-Age=0") })
        #expect(try await dashboard.app.count("SELECT count(*) FROM sessions") == 0)
        #expect(try await dashboard.status(of: "/", token: tokenB) == 303)
    }

    /// Session fixation with a real session: an attacker plants their own valid session token in the victim's
    /// browser; when the victim signs in they get a new token, and the planted one never carries the victim's rights.
    @Test func aPlantedValidSessionIsNotAdoptedAtSignIn() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        let attacker = try await dashboard.signedIn("mallory@example.com", role: .viewer)
        let planted = try #require(attacker.cookies[Dashboard.sessionCookie])
        try await dashboard.user("victim@example.com", role: .admin)

        let victim = dashboard.client
        victim.cookies[Dashboard.sessionCookie] = planted
        #expect(try await victim.send("GET", "/settings").status == 403, "the planted session is the attacker's viewer")
        let signIn = try await victim.signIn(email: "victim@example.com", password: DashboardApp.password)
        #expect(signIn.status == 303)
        let issued = try #require(victim.cookies[Dashboard.sessionCookie])
        #expect(issued != planted)
        #expect(signIn.setCookies.contains { $0.hasPrefix("\(Dashboard.sessionCookie)=\(issued);") })
        #expect(try await victim.send("GET", "/settings").status == 200)
        // The attacker's token does not reach the victim's admin pages: it was ended at sign-in or is still theirs.
        #expect([303, 403].contains(try await dashboard.status(of: "/settings", token: planted)))
        #expect(try await dashboard.app.count("""
            SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'victim@example.com'
            """) == 1)
    }

    @Test func wrongPasswordsUnknownUsersAndOpenRedirects() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        try await dashboard.user("bo@example.com", role: .viewer)
        let client = dashboard.client
        for (email, password) in [("bo@example.com", "wrong password"), ("nobody@example.com", DashboardApp.password)] {
            let reply = try await client.signIn(email: email, password: password)
            #expect(reply.status == 200)
            #expect(reply.body.contains("That email and password do not match."))
            #expect(client.cookies[Dashboard.sessionCookie] == nil)
        }
        // `next` may only name a path on this site.
        for next in ["//evil.example/x", "https://evil.example/", "/\\evil.example"] {
            let reply = try await client.signIn(email: "bo@example.com", password: DashboardApp.password, next: next)
            #expect(reply.status == 303)
            #expect(reply.location == "/", "\(next)")
        }
    }

    @Test func cookieFlags() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        try await dashboard.user("cy@example.com", role: .viewer)
        let plain = try await dashboard.client.signIn(email: "cy@example.com", password: DashboardApp.password)
        let cookie = try #require(plain.setCookies.first { $0.hasPrefix("parley_session=") })
        #expect(cookie.contains("; Path=/"))
        #expect(cookie.contains("; HttpOnly"))
        #expect(cookie.contains("; SameSite=Lax"))
        #expect(!cookie.contains("Secure"))
        // Behind a TLS-terminating proxy the cookie is Secure.
        let proxied = try await dashboard.client.signIn(email: "cy@example.com", password: DashboardApp.password,
                                                        headers: ["X-Forwarded-Proto": "https"])
        #expect(proxied.setCookies.contains { $0.hasPrefix("parley_session=") && $0.contains("; Secure") })
    }

    @Test func formsWithoutTheCSRFTokenAreRefused() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        let other = try await ProjectStore(pool: dashboard.pool).ensure(slug: "other")
        let user = try await dashboard.user("di@example.com", role: .admin)
        try await dashboard.accounts.grant(userID: user.id, projectID: other, role: .viewer)
        let client = dashboard.client
        try await client.signIn(email: "di@example.com", password: DashboardApp.password)
        let token = try #require(DashboardClient.csrfToken(in: try await client.send("GET", "/").body))

        for form in [[("project", "\(other)")], [("project", "\(other)"), ("_csrf", "forged")]] {
            let refused = try await client.send("POST", "/session/project", form: form)
            #expect(refused.status == 403)
            #expect(refused.headers["content-type"]?.hasPrefix("text/html") == true)
            #expect(refused.body.contains("This form has expired"))
        }
        #expect(try await client.send("POST", "/logout", form: []).status == 403)
        #expect(try await client.send("GET", "/").status == 200)

        // With the token the same forms work.
        let switched = try await client.send("POST", "/session/project", form: [("project", "\(other)"), ("_csrf", token)])
        #expect(switched.status == 303)
        let after = try await client.send("GET", "/")
        #expect(after.body.contains("Now showing project other."))
        #expect(after.body.contains("<option value=\"\(other)\" selected>"))

        // The sign-in form needs its double-submit cookie too (login CSRF).
        let bare = DashboardClient(baseURL: dashboard.app.baseURL)
        let forged = try await bare.send("POST", "/login", form: [("_csrf", "abc"), ("email", "di@example.com"),
                                                                  ("password", DashboardApp.password)])
        #expect(forged.status == 403)
        #expect(bare.cookies[Dashboard.sessionCookie] == nil)
    }

    @Test func signInIsRateLimitedPerEmailAndAddress() async throws {
        let dashboard = try await DashboardApp.start { $0.web.trustProxy = true; $0.web.loginAttemptsPerAddress = 8 }
        defer { Task { await dashboard.stop() } }
        try await dashboard.user("ed@example.com", role: .viewer)
        let client = dashboard.client
        let fromA = ["X-Forwarded-For": "203.0.113.7"]
        for _ in 0..<5 {
            #expect(try await client.signIn(email: "ed@example.com", password: "nope nope", headers: fromA).status == 200)
        }
        // Locked: even the right password is refused until the window passes.
        let locked = try await client.signIn(email: "ED@example.com", password: DashboardApp.password, headers: fromA)
        #expect(locked.status == 429)
        let retry = try #require(Int(locked.headers["retry-after"] ?? ""))
        #expect((1...900).contains(retry))
        #expect(locked.body.contains("Too many failed attempts"))
        #expect(client.cookies[Dashboard.sessionCookie] == nil)
        // Another address is not locked out with it, and a success clears that address's failures.
        let fromB = ["X-Forwarded-For": "198.51.100.4"]
        #expect(try await client.signIn(email: "ed@example.com", password: DashboardApp.password, headers: fromB).status == 303)
        // One address trying many emails hits the per-address limit (8 here).
        for number in 0..<3 {
            _ = try await client.signIn(email: "probe\(number)@example.com", password: "x-x-x-x-x", headers: fromA)
        }
        let spraying = try await client.signIn(email: "fresh@example.com", password: "x-x-x-x-x", headers: fromA)
        #expect(spraying.status == 429)
        #expect(try await dashboard.app.count("SELECT count(*) FROM login_attempts WHERE ip = '203.0.113.7'") == 8)
    }

    @Test func rolesAndProjectsAreEnforced() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        let viewer = try await dashboard.signedIn("viewer@example.com", role: .viewer)
        let reviewer = try await dashboard.signedIn("reviewer@example.com", role: .reviewer)
        let admin = try await dashboard.signedIn("admin@example.com", role: .admin)
        // Navigation minimums: Import needs reviewer, Settings admin.
        #expect(try await viewer.send("GET", "/import").status == 403)
        #expect(try await viewer.send("GET", "/settings").status == 403)
        #expect(try await reviewer.send("GET", "/import").status == 200)
        #expect(try await reviewer.send("GET", "/settings").status == 403)
        #expect(try await admin.send("GET", "/settings").status == 200)
        let viewerNav = try await viewer.send("GET", "/").body
        #expect(!viewerNav.contains("href=\"/settings\""))
        #expect(try await admin.send("GET", "/").body.contains("href=\"/settings\""))
        #expect(Role.viewer.maySeeCluster(size: 9, viewerMinimum: 10) == false)
        #expect(Role.viewer.maySeeCluster(size: 10, viewerMinimum: 10))
        #expect(Role.reviewer.maySeeCluster(size: 1, viewerMinimum: 10))

        // Another project's conversation is invisible: absent from the list, 404 by id, no switching to it.
        let other = try await ProjectStore(pool: dashboard.pool).ensure(slug: "secret")
        let otherKey = try await dashboard.app.context.apiKeys.create(projectID: other).key
        let stored = try await dashboard.app.post("/api/v1/conversations", json: sampleConversation(id: "hidden-one"),
                                                  key: otherKey)
        let hiddenID = try #require(stored.json["parley_id"] as? Int)
        #expect(try await admin.send("GET", "/conversations/\(hiddenID)").status == 404)
        #expect(!(try await admin.send("GET", "/conversations").body.contains("hidden-one")))
        let token = try #require(DashboardClient.csrfToken(in: try await admin.send("GET", "/").body))
        #expect(try await admin.send("POST", "/session/project", form: [("project", "\(other)"), ("_csrf", token)]).status == 404)

        // A user without any project signs in but sees a 403 page that says so.
        try await dashboard.accounts.createUser(email: "lonely@example.com", password: DashboardApp.password)
        let lonely = dashboard.client
        #expect(try await lonely.signIn(email: "lonely@example.com", password: DashboardApp.password).status == 303)
        let page = try await lonely.send("GET", "/")
        #expect(page.status == 403)
        #expect(page.body.contains("not a member of any project"))
    }

    @Test func sessionsExpireWhenIdleAndCarryOneFlash() async throws {
        let database = try await TestPostgres.freshDatabase()
        let accounts = AccountStore(pool: database.pool, hasher: PasswordHasher(iterations: 1_000))
        let user = try await accounts.createUser(email: "fi@example.com", password: DashboardApp.password)
        let store = SessionStore(pool: database.pool, idleTimeout: .seconds(3600), lifetime: .seconds(86_400))
        let token = try await store.create(userID: user.id, projectID: nil, ip: "127.0.0.1", userAgent: "test")
        let session = try #require(try await store.session(token: token))
        #expect(session.user.email == "fi@example.com")
        #expect(session.csrfToken.count == 43)

        try await store.setFlash(sessionID: session.id, .init("success", "Saved."))
        #expect(try await store.session(token: token)?.flash == .init("success", "Saved."))
        #expect(try await store.session(token: token)?.flash == nil)

        // Idle longer than the limit: gone, and purged.
        try await database.pool.query("UPDATE sessions SET last_seen_at = now() - interval '61 minutes'")
        #expect(try await store.session(token: token) == nil)
        #expect(try await store.purgeExpired() == 1)
        // Past the absolute end: gone even when active.
        let second = try await store.create(userID: user.id, projectID: nil, ip: nil, userAgent: nil)
        try await database.pool.query("UPDATE sessions SET expires_at = now() - interval '1 second'")
        #expect(try await store.session(token: second) == nil)
        // Malformed tokens never reach the database.
        #expect(try await store.session(token: "' OR 1=1 --") == nil)
        // A changed password ends every session of the user.
        let third = try await store.create(userID: user.id, projectID: nil, ip: nil, userAgent: nil)
        try await accounts.setPassword(userID: user.id, password: "another good password")
        #expect(try await store.session(token: third) == nil)
        #expect(try await accounts.authenticate(email: "FI@example.com", password: "another good password")?.id == user.id)
        await database.pool.shutdown()
    }

    @Test func accountValidationAndRehash() async throws {
        let database = try await TestPostgres.freshDatabase()
        let weak = AccountStore(pool: database.pool, hasher: PasswordHasher(iterations: 1_000))
        try await weak.createUser(email: "gil@example.com", password: "long enough")
        await #expect(throws: AccountError.self) { try await weak.createUser(email: "GIL@example.com", password: "long enough") }
        await #expect(throws: AccountError.self) { try await weak.createUser(email: "not an email", password: "long enough") }
        await #expect(throws: AccountError.self) { try await weak.createUser(email: "h@example.com", password: "short") }
        // A stronger setting re-hashes the stored password at the next successful sign-in.
        let strong = AccountStore(pool: database.pool, hasher: PasswordHasher(iterations: 2_000))
        #expect(try await strong.authenticate(email: "gil@example.com", password: "long enough") != nil)
        let hash = try await database.pool.query("SELECT password_hash FROM users").first?.decode(0, as: String.self)
        #expect(hash?.hasPrefix("$pbkdf2-sha256$i=2000$") == true)
        await database.pool.shutdown()
    }
}
