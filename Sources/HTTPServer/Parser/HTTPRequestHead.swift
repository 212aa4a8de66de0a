/// The parsed request line and header section of one request (RFC 9112 §3, §5).
public struct HTTPRequestHead: Sendable, Equatable {
    /// How the request's content is delimited (RFC 9112 §6.3).
    public enum Framing: Sendable, Equatable {
        /// No content.
        case none
        /// Exactly this many bytes follow the head.
        case length(Int)
        /// The chunked transfer coding (RFC 9112 §7.1).
        case chunked
    }

    /// The request method.
    public var method: HTTPMethod
    /// The request target exactly as sent (origin-form, absolute-form or `*`).
    public var target: String
    /// The minor version of HTTP/1.x.
    public var minorVersion: Int
    /// The header fields in the order received.
    public var headers: HTTPHeaders
    /// How the content is delimited.
    public var framing: Framing

    /// Creates a head; used by the parser and by tests.
    public init(method: HTTPMethod, target: String, minorVersion: Int = 1, headers: HTTPHeaders, framing: Framing) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.headers = headers
        self.framing = framing
    }

    public static func == (lhs: HTTPRequestHead, rhs: HTTPRequestHead) -> Bool {
        lhs.method == rhs.method && lhs.target == rhs.target && lhs.minorVersion == rhs.minorVersion
            && lhs.framing == rhs.framing && Array(lhs.headers).elementsEqual(Array(rhs.headers), by: ==)
    }

    /// Whether the client allows the connection to persist after this request.
    ///
    /// RFC 9112 §9.3: HTTP/1.1 persists unless `Connection: close`; HTTP/1.0 only with `keep-alive`.
    public var clientWantsKeepAlive: Bool {
        if minorVersion >= 1 { return !headers.containsToken("close", in: "Connection") }
        return headers.containsToken("keep-alive", in: "Connection")
    }

    /// Whether the client asked for `100 Continue` before sending content (RFC 9110 §10.1.1).
    public var expectsContinue: Bool {
        guard let expect = headers["Expect"] else { return false }
        return HTTPHeaders.equalsIgnoringCase(HTTPHeaders.trimmed(expect.utf8), "100-continue".utf8)
    }

    /// The path component of the target, without the query (still percent-encoded).
    public var path: Substring {
        let utf8 = target.utf8
        var start = utf8.startIndex
        // RFC 9112 §3.2.2: absolute-form; the authority is ignored in favour of the path.
        if utf8.first != UInt8(ascii: "/"), let scheme = target.firstRange(of: "://") {
            start = utf8[scheme.upperBound...].firstIndex(of: UInt8(ascii: "/")) ?? utf8.endIndex
            if start == utf8.endIndex { return "/" }
        }
        let end = utf8[start...].firstIndex(of: UInt8(ascii: "?")) ?? utf8.endIndex
        return target[start..<end]
    }

    /// The query component of the target after `?`, or an empty string.
    public var query: Substring {
        let utf8 = target.utf8
        guard let question = utf8.firstIndex(of: UInt8(ascii: "?")) else { return "" }
        return target[utf8.index(after: question)...]
    }
}
