import HTTPServer

/// An error a dashboard page shows to a person: rendered as an HTML error page by `WebErrorMiddleware`.
public struct WebError: HTTPResponseError, Sendable, CustomStringConvertible {
    /// The response status.
    public var status: HTTPStatus
    /// The heading (defaults to a friendly one per status).
    public var title: String
    /// What happened and what to do, in a sentence or two.
    public var message: String
    /// Extra headers (`Retry-After` on a 429).
    public var headers: HTTPHeaders

    public init(_ status: HTTPStatus, title: String? = nil, message: String, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.title = title ?? Self.defaultTitle(status)
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(title): \(message)" }

    /// Plain text, for the rare path where no HTML renderer is around.
    public func response(for request: Request) -> Response {
        var response = Response(status: status, text: "\(title)\n\(message)\n")
        for field in headers { response.headers.add(name: field.name, value: field.value) }
        return response
    }

    /// 403: the signed-in user's role is below what the page needs.
    public static func forbidden(needs role: Role) -> WebError {
        WebError(.forbidden, message: "This page needs the \(role) role in this project. Ask a project admin for access.")
    }

    /// 403: a form arrived without the session's CSRF token (or with another one).
    public static var invalidCSRFToken: WebError {
        WebError(.forbidden, title: "This form has expired",
                 message: "The form was not sent from a current Parley page. Go back, reload the page and try again.")
    }

    /// 404 for a record that is absent or belongs to another project (the two look the same on purpose).
    public static func notFound(_ what: String) -> WebError {
        WebError(.notFound, message: "There is no \(what) here. It may have been deleted, or belong to another project.")
    }

    static func defaultTitle(_ status: HTTPStatus) -> String {
        switch status.code {
        case 400: "That request did not make sense"
        case 403: "You don't have access to this"
        case 404: "Page not found"
        case 405: "That action is not available here"
        case 413: "That upload is too large"
        case 415: "That kind of content is not accepted here"
        case 429: "Too many attempts"
        case 503: "Parley is temporarily unavailable"
        case 500...: "Something went wrong"
        default: status.reasonPhrase
        }
    }
}
