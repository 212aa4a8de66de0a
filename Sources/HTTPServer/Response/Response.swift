/// An HTTP response: status, headers and a body of bytes or a stream.
///
/// The server adds `Date`, `Content-Length` (or chunked framing for streams), `Connection` and `X-Request-Id`;
/// handlers set everything else.
public struct Response: Sendable {
    /// The status code.
    public var status: HTTPStatus
    /// Header fields set by the handler and middleware.
    public var headers: HTTPHeaders
    /// The content.
    public var body: ResponseBody

    /// Creates a response.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: ResponseBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response.
    public init(status: HTTPStatus = .ok, text: String) {
        self.init(
            status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: .bytes(Array(text.utf8)))
    }

    /// A `text/html; charset=utf-8` response.
    public static func html(_ html: String, status: HTTPStatus = .ok) -> Response {
        Response(status: status, headers: ["Content-Type": "text/html; charset=utf-8"], body: .bytes(Array(html.utf8)))
    }

    /// A streamed response: `produce` writes chunks with backpressure; sent with chunked framing (RFC 9112 §7.1).
    ///
    /// - Parameters:
    ///   - contentType: the `Content-Type` of the stream, e.g. `application/x-ndjson`.
    ///   - produce: writes the content; returning ends it, throwing aborts the connection.
    public static func stream(
        status: HTTPStatus = .ok, contentType: String,
        _ produce: @escaping @Sendable (ResponseBodyWriter) async throws -> Void
    ) -> Response {
        Response(status: status, headers: ["Content-Type": contentType], body: .stream(produce))
    }

    /// A redirect to `location` (303 by default, so a POST becomes a GET).
    public static func redirect(to location: String, status: HTTPStatus = .seeOther) -> Response {
        Response(status: status, headers: ["Location": location])
    }
}

/// The content of a response.
public enum ResponseBody: Sendable {
    /// Bytes known up front; sent with `Content-Length` in the same write as the head.
    case bytes([UInt8])
    /// Content produced asynchronously through a `ResponseBodyWriter`.
    case stream(@Sendable (ResponseBodyWriter) async throws -> Void)

    /// No content.
    public static var empty: ResponseBody { .bytes([]) }

    /// The bytes of a `.bytes` body, `nil` for a stream.
    public var bytes: [UInt8]? {
        if case .bytes(let bytes) = self { return bytes }
        return nil
    }
}

/// Where streamed content goes; the connection implements it.
protocol ResponseBodySink: Sendable {
    func write(_ bytes: [UInt8]) async throws
}

/// Writes the chunks of a streamed response; `write` suspends while the peer is slow (backpressure).
public struct ResponseBodyWriter: Sendable {
    let sink: any ResponseBodySink

    init(sink: any ResponseBodySink) {
        self.sink = sink
    }

    /// Sends `bytes` as the next chunk; returns once the connection can take more.
    /// - Throws: when the connection closed.
    public func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        try await sink.write(bytes)
    }

    /// Sends the UTF-8 bytes of `string`.
    public func write(_ string: String) async throws {
        try await write(Array(string.utf8))
    }
}
