import Foundation
import HTTPServer

/// Sign-in, sign-out and the project switcher.
///
/// The sign-in form has no session yet, so its CSRF token is a double-submit value: a random token in an
/// HttpOnly, SameSite=Strict cookie scoped to `/login` and the same token in a hidden field (OWASP CSRF
/// cheat sheet, "login CSRF"). A successful sign-in always starts a new session with a new id.
enum SignInPages {
    static func register(on router: inout Router, dashboard: Dashboard) {
        router.get("/login") { request in
            if let token = request.cookies[Dashboard.sessionCookie],
               try await dashboard.sessions.session(token: token) != nil {
                return Response.redirect(to: destination(request.query["next"]))
            }
            return signInForm(dashboard, request: request, email: "", next: request.query["next"], error: nil,
                              notice: request.query["signed_out"] != nil ? "You have been signed out." : nil)
        }

        router.post("/login", bodyLimit: 16 << 10) { request in
            let form = try await request.formFields()
            guard let sent = form[Dashboard.csrfField], let expected = request.cookies[Dashboard.signInCookie],
                  constantTimeEquals(Array(sent.utf8), Array(expected.utf8)) else {
                throw WebError.invalidCSRFToken
            }
            let email = (form["email"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let password = form["password"] ?? ""
            let ip = dashboard.clientAddress(request)
            guard !email.isEmpty, !password.isEmpty else {
                return signInForm(dashboard, request: request, email: email, next: form["next"],
                                  error: "Enter your email and password.")
            }
            if let wait = try await dashboard.throttle.retryAfter(email: email, ip: ip) {
                var response = signInForm(
                    dashboard, request: request, email: email, next: form["next"], status: .tooManyRequests,
                    error: "Too many failed attempts. Try again in \(minutes(wait)), or ask an admin to reset your password.")
                response.headers.add(name: "Retry-After", value: String(wait))
                return response
            }
            guard password.utf8.count <= 1024,
                  let user = try await dashboard.accounts.authenticate(email: email, password: password) else {
                try await dashboard.throttle.recordFailure(email: email, ip: ip)
                return signInForm(dashboard, request: request, email: email, next: form["next"],
                                  error: "That email and password do not match.")
            }
            try await dashboard.throttle.recordSuccess(email: email, ip: ip)
            // Sign-in is rare and sessions are few: a good moment to forget expired ones.
            try await dashboard.sessions.purgeExpired()
            let memberships = try await dashboard.accounts.memberships(userID: user.id)
            let token = try await dashboard.sessions.create(
                userID: user.id, projectID: memberships.first?.projectID, ip: ip,
                userAgent: request.headers["User-Agent"], replacing: request.cookies[Dashboard.sessionCookie])
            var response = Response.redirect(to: destination(form["next"]))
            response.setCookie(dashboard.sessionCookie(token, for: request))
            response.setCookie(Cookie(name: Dashboard.signInCookie, value: "", path: "/login", maxAge: 0,
                                      secure: dashboard.usesHTTPS(request), httpOnly: true, sameSite: .strict))
            return response
        }

        router.post("/logout", bodyLimit: 16 << 10) { request in
            var response = Response.redirect(to: "/login?signed_out=1")
            guard let token = request.cookies[Dashboard.sessionCookie],
                  let session = try await dashboard.sessions.session(token: token) else { return response }
            let form = try await request.formFields()
            guard let sent = form[Dashboard.csrfField], constantTimeEquals(Array(sent.utf8), Array(session.csrfToken.utf8))
            else { throw WebError.invalidCSRFToken }
            try await dashboard.sessions.delete(token: token)
            response.setCookie(dashboard.expiredSessionCookie(for: request))
            return response
        }

        router.page(post: "/session/project", minimum: .viewer, in: dashboard) { page in
            guard let id = page.form.get("project", as: Int.self),
                  let chosen = page.session.memberships.first(where: { $0.projectID == id }) else {
                throw WebError.notFound("project")
            }
            try await page.dashboard.sessions.selectProject(sessionID: page.session.id, projectID: chosen.projectID)
            return try await page.redirect(to: "/", flash: .init("info", "Now showing project \(chosen.projectName)."))
        }
    }

    /// The sign-in page, with a fresh double-submit token (or the browser's current one, for several tabs).
    static func signInForm(_ dashboard: Dashboard, request: Request, email: String, next: String?,
                           status: HTTPStatus = .ok, error: String?, notice: String? = nil) -> Response {
        let existing = request.cookies[Dashboard.signInCookie].flatMap { SessionStore.isWellFormed($0) ? $0 : nil }
        let token = existing ?? SessionStore.randomToken()
        var values: [String: Any] = [
            "csrf": token, "assets": dashboard.assets.templateValues,
            "next": next.flatMap { Dashboard.isLocalPath($0) ? $0 : nil } ?? "",
        ]
        if !email.isEmpty { values["email"] = email }
        if let error { values["error"] = error }
        if let notice { values["notice"] = notice }
        let html: String
        do {
            html = try dashboard.views.render("login", values)
        } catch {
            return WebErrorMiddleware(dashboard: dashboard).page(for: error, request: request)
        }
        var response = Views.response(html, status: status)
        response.setCookie(Cookie(name: Dashboard.signInCookie, value: token, path: "/login", maxAge: 3600,
                                  secure: dashboard.usesHTTPS(request), httpOnly: true, sameSite: .strict))
        return response
    }

    /// Where to go after signing in: a local path from `next`, else the overview.
    static func destination(_ next: String?) -> String {
        guard let next, !next.isEmpty, Dashboard.isLocalPath(next) else { return "/" }
        return next
    }

    static func minutes(_ seconds: Int) -> String {
        seconds < 90 ? "\(seconds) seconds" : "\((seconds + 59) / 60) minutes"
    }
}
