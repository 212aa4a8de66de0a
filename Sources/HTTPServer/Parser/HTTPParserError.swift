/// A request the parser rejects, with the status the server answers before closing the connection.
public struct HTTPParserError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why the request was rejected.
    public enum Code: Sendable, Hashable {
        case badRequest
        case uriTooLong
        case headerFieldsTooLarge
        case contentTooLarge
        case notImplemented
        case versionNotSupported
    }

    /// The category of the rejection.
    public let code: Code
    /// A short fixed explanation for logs; never includes request bytes.
    public let reason: String

    init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The response status for this rejection.
    public var status: HTTPStatus {
        switch code {
        case .badRequest: .badRequest
        case .uriTooLong: .uriTooLong
        case .headerFieldsTooLarge: .requestHeaderFieldsTooLarge
        case .contentTooLarge: .contentTooLarge
        case .notImplemented: .notImplemented
        case .versionNotSupported: .httpVersionNotSupported
        }
    }

    public var description: String { "\(status): \(reason)" }

    static func bad(_ reason: String) -> HTTPParserError { HTTPParserError(.badRequest, reason) }
}
