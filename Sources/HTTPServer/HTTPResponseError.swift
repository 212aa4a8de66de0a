/// An error that knows how to render itself as an HTTP response.
///
/// Conform application errors to it to choose their status and body (for example an RFC 9457
/// `application/problem+json` document). Any thrown error that does not conform becomes a
/// `500 Internal Server Error` carrying only the request id.
public protocol HTTPResponseError: Error {
    /// The response status.
    var status: HTTPStatus { get }
    /// Renders the error for `request`; the default is a short `text/plain` body.
    func response(for request: Request) -> Response
}

extension HTTPResponseError {
    /// A `text/plain` body with the status line text.
    public func response(for request: Request) -> Response {
        Response(status: status, text: "\(status.code) \(status.reasonPhrase)\n")
    }
}

/// A generic error with a status, a public message and optional extra response headers.
///
/// Thrown by the server for routing (404, 405 with `Allow`), limits (413) and malformed content (400).
public struct HTTPError: HTTPResponseError, Sendable, CustomStringConvertible {
    /// The response status.
    public var status: HTTPStatus
    /// A message safe to show to the client.
    public var message: String
    /// Extra headers for the response, such as `Allow`.
    public var headers: HTTPHeaders

    /// Creates an error; `message` is shown to the client, so keep internals out of it.
    public init(_ status: HTTPStatus, message: String? = nil, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.message = message ?? status.reasonPhrase
        self.headers = headers
    }

    public var description: String { "\(status): \(message)" }

    /// A `text/plain` body with the message, plus the error's headers.
    public func response(for request: Request) -> Response {
        var response = Response(status: status, text: message + "\n")
        for field in headers { response.headers.add(name: field.name, value: field.value) }
        return response
    }
}
