import Foundation
import HTTPServer

extension Router {
    /// Registers a dashboard page for GET: signed-in users whose role includes `minimum` reach `handler`;
    /// others are sent to the sign-in page (no session) or get a 403 page (role too low).
    ///
    /// ```swift
    /// router.page(get: "/clusters/:id", minimum: .viewer, in: dashboard) { page in
    ///     let id = try page.request.parameter("id", as: Int.self)
    ///     return try page.render("cluster", ["cluster": try await store.cluster(id, project: page.projectID)])
    /// }
    /// ```
    public mutating func page(
        get path: String, minimum: Role, in dashboard: Dashboard, handler: @escaping @Sendable (Page) async throws -> Response
    ) {
        on(.get, path) { request in try await dashboard.servePage(request, minimum: minimum, handler) }
    }

    /// Registers a dashboard form action for POST: as `page(get:)`, and the form must carry the session's
    /// CSRF token in the `_csrf` field (or an `X-CSRF-Token` header), else 403. Answer with
    /// `page.redirect(to:flash:)` so a reload does not send the form again.
    public mutating func page(
        post path: String, minimum: Role, in dashboard: Dashboard, bodyLimit: Int? = nil,
        handler: @escaping @Sendable (Page) async throws -> Response
    ) {
        on(.post, path, bodyLimit: bodyLimit) { request in
            try await dashboard.servePage(request, minimum: minimum, handler)
        }
    }
}

extension Dashboard {
    /// The CSRF field name of every form.
    public static let csrfField = "_csrf"

    /// Resolves the session, checks role and CSRF token, then runs the page.
    func servePage(_ request: Request, minimum: Role, _ handler: @Sendable (Page) async throws -> Response)
        async throws -> Response
    {
        guard let token = request.cookies[Self.sessionCookie], let session = try await sessions.session(token: token) else {
            return signInRedirect(for: request)
        }
        guard let membership = session.membership else {
            throw WebError(.forbidden, title: "No project yet",
                           message: "Your account (\(session.user.email)) is not a member of any project. "
                               + "Ask an admin to add you, e.g. `parley user create --update --email … --project … --role viewer`.")
        }
        guard membership.role.allows(minimum) else { throw WebError.forbidden(needs: minimum) }
        var form = QueryParameters("")
        var parts: [MultipartPart] = []
        if request.method != .get && request.method != .head {
            var sent = request.headers["X-CSRF-Token"]
            switch request.contentType {
            case "application/x-www-form-urlencoded":
                form = try await request.formFields()
                sent = form[Self.csrfField] ?? sent
            case "multipart/form-data":
                parts = try await request.multipartParts()
                if let field = parts.first(where: { $0.name == Self.csrfField }) {
                    sent = String(decoding: field.body, as: UTF8.self)
                }
            default:
                break
            }
            guard let sent, constantTimeEquals(Array(sent.utf8), Array(session.csrfToken.utf8)) else {
                throw WebError.invalidCSRFToken
            }
        }
        let page = Page(request: request, session: session, membership: membership, form: form, parts: parts,
                        dashboard: self)
        return try await handler(page)
    }

    /// 303 to the sign-in page, remembering where a GET wanted to go; drops a stale session cookie.
    func signInRedirect(for request: Request) -> Response {
        var location = "/login"
        if request.method == .get, request.target != "/", Self.isLocalPath(request.target) {
            location += "?next=" + Self.percentEncode(request.target)
        }
        var response = Response.redirect(to: location)
        if request.cookies[Self.sessionCookie] != nil { response.setCookie(expiredSessionCookie(for: request)) }
        return response
    }

    /// Only paths on this site may be redirect targets (`/x`, never `//host` or `/\host`).
    static func isLocalPath(_ path: String) -> Bool {
        path.hasPrefix("/") && !path.hasPrefix("//") && !path.hasPrefix("/\\")
            && !path.unicodeScalars.contains { $0.value < 0x20 || $0 == "\\" }
    }

    /// Percent-encodes everything but unreserved characters (RFC 3986 §2.3) and `/`.
    static func percentEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"), UInt8(ascii: "/"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }
}
