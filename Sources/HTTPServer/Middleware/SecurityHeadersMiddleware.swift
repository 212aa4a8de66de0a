/// Adds defensive response headers unless the handler set them already.
///
/// Defaults: a same-origin Content-Security-Policy that forbids framing, `X-Content-Type-Options: nosniff`,
/// `Referrer-Policy: strict-origin-when-cross-origin`, `X-Frame-Options: DENY` (for old browsers) and
/// `Cross-Origin-Opener-Policy: same-origin`. Errors that render themselves get the headers too.
public struct SecurityHeadersMiddleware: Middleware {
    /// The default policy: everything from this origin only, no plugins, no framing.
    public static let defaultContentSecurityPolicy =
        "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"

    private let headers: HTTPHeaders

    /// Creates the middleware; pass `nil` to leave a header out.
    public init(
        contentSecurityPolicy: String? = SecurityHeadersMiddleware.defaultContentSecurityPolicy,
        referrerPolicy: String? = "strict-origin-when-cross-origin",
        frameOptions: String? = "DENY",
        crossOriginOpenerPolicy: String? = "same-origin",
        strictTransportSecurity: String? = nil
    ) {
        var headers: HTTPHeaders = ["X-Content-Type-Options": "nosniff"]
        if let contentSecurityPolicy { headers.add(name: "Content-Security-Policy", value: contentSecurityPolicy) }
        if let referrerPolicy { headers.add(name: "Referrer-Policy", value: referrerPolicy) }
        if let frameOptions { headers.add(name: "X-Frame-Options", value: frameOptions) }
        if let crossOriginOpenerPolicy { headers.add(name: "Cross-Origin-Opener-Policy", value: crossOriginOpenerPolicy) }
        if let strictTransportSecurity { headers.add(name: "Strict-Transport-Security", value: strictTransportSecurity) }
        self.headers = headers
    }

    public func handle(_ request: Request, next: Responder) async throws -> Response {
        var response: Response
        do {
            response = try await next(request)
        } catch let error as any HTTPResponseError {
            response = error.response(for: request)
        }
        for field in headers where !response.headers.contains(field.name) {
            response.headers.add(name: field.name, value: field.value)
        }
        return response
    }
}
