/// An HTTP request as handlers see it.
public struct Request: Sendable {
    /// The request method.
    public var method: HTTPMethod
    /// The request target as sent, e.g. `/api/v1/items?limit=10`.
    public var target: String
    /// The path of the target, still percent-encoded, without the query.
    public var path: String
    /// The raw query string after `?`, or empty.
    public var queryString: String
    /// The header fields.
    public var headers: HTTPHeaders
    /// Path parameters captured by the route, percent-decoded: `:id` in `/items/:id`.
    public var parameters: [String: String]
    /// The content.
    public var body: RequestBody
    /// The request id: the client's `X-Request-Id` when it is sane, otherwise a generated one.
    public var id: String
    /// The minor version of HTTP/1.x.
    public var minorVersion: Int
    /// The peer's IP address (the TCP peer; behind a proxy, see `X-Forwarded-For`).
    public var remoteAddress: String?
    /// The route the request was matched to when the head arrived.
    var match: RouteMatch?

    /// Creates a request; the server builds them from the wire, tests may build them by hand.
    public init(
        method: HTTPMethod, target: String, headers: HTTPHeaders = HTTPHeaders(), body: RequestBody = .empty,
        id: String = "test", minorVersion: Int = 1
    ) {
        self.method = method
        self.target = target
        let head = HTTPRequestHead(method: method, target: target, headers: headers, framing: .none)
        self.path = String(head.path)
        self.queryString = String(head.query)
        self.headers = headers
        self.parameters = [:]
        self.body = body
        self.id = id
        self.minorVersion = minorVersion
        self.remoteAddress = nil
        self.match = nil
    }

    /// Builds the request for a parsed head.
    init(head: HTTPRequestHead, body: RequestBody, id: String, match: RouteMatch) {
        method = head.method
        target = head.target
        path = String(head.path)
        queryString = String(head.query)
        headers = head.headers
        parameters = [:]
        self.body = body
        self.id = id
        minorVersion = head.minorVersion
        remoteAddress = nil
        self.match = match
    }

    /// The parsed query string.
    public var query: QueryParameters { QueryParameters(queryString) }

    /// The path parameter `name` converted to `T`, e.g. `try request.parameter("id", as: Int.self)`.
    /// - Throws: `HTTPError` 400 when it is missing or does not convert.
    public func parameter<T: LosslessStringConvertible>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let text = parameters[name], let value = T(text) else {
            throw HTTPError(.badRequest, message: "Invalid path parameter \(name)")
        }
        return value
    }

    /// Whether the client accepts a gzip-coded response (RFC 9110 §12.5.3; `q=0` refuses, and an explicit
    /// `gzip` entry wins over `*`).
    public var acceptsGzip: Bool {
        guard let accept = headers["Accept-Encoding"] else { return false }
        var wildcard: Bool?
        for element in accept.split(separator: ",") {
            let parts = element.split(separator: ";")
            guard let coding = parts.first?.trimmingASCIIWhitespace().lowercased() else { continue }
            let refused = parts.dropFirst().contains { parameter in
                let trimmed = parameter.trimmingASCIIWhitespace().lowercased()
                return trimmed == "q=0" || trimmed == "q=0.0" || trimmed == "q=0.00" || trimmed == "q=0.000"
            }
            if coding == "gzip" || coding == "x-gzip" { return !refused }
            if coding == "*" { wildcard = !refused }
        }
        return wildcard ?? false
    }

    /// The media type of the content without parameters, lowercased, e.g. `application/json`.
    public var contentType: String? {
        guard let value = headers["Content-Type"] else { return nil }
        return value.split(separator: ";").first.map { $0.trimmingASCIIWhitespace().lowercased() }
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs.
    func trimmingASCIIWhitespace() -> String {
        String(decoding: HTTPHeaders.trimmed(Array(utf8)), as: UTF8.self)
    }
}
