import Foundation
import HTTPServer

/// An RFC 9457 problem document (`application/problem+json`): every API error has this shape.
public struct Problem: HTTPResponseError, Sendable, CustomStringConvertible {
    /// One invalid field, named by its path in the request (`messages[3].role`).
    public struct FieldError: Codable, Sendable, Equatable {
        public var path: String
        public var message: String
        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }
    }

    public var status: HTTPStatus
    /// A short, human-readable summary of the problem type (RFC 9457 §3.1.3).
    public var title: String
    /// An explanation specific to this occurrence (§3.1.4).
    public var detail: String?
    /// Field-level errors (an extension member, §3.2).
    public var errors: [FieldError]
    /// Extra response headers (`Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPHeaders

    public init(_ status: HTTPStatus, title: String? = nil, detail: String? = nil, errors: [FieldError] = [],
                headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public var description: String { "\(status.code) \(title)" + (detail.map { ": \($0)" } ?? "") }

    public func response(for request: Request) -> Response {
        let document = Document(
            type: "about:blank", title: title, status: Int(status.code), detail: detail,
            instance: request.path, requestId: request.id, errors: errors.isEmpty ? nil : errors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(document)).map { [UInt8]($0) } ?? Array("{}".utf8)
        var response = Response(status: status, headers: ["Content-Type": "application/problem+json"], body: .bytes(body))
        for field in headers { response.headers.add(name: field.name, value: field.value) }
        return response
    }

    struct Document: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String?
        var instance: String
        var requestId: String
        var errors: [FieldError]?
    }
}

extension Problem {
    /// 400 with field errors.
    public static func invalid(_ errors: [FieldError], detail: String = "The request is not valid.") -> Problem {
        Problem(.badRequest, title: "Invalid request", detail: detail, errors: errors)
    }

    /// 503 with `Retry-After`: the database is unreachable for now.
    public static func unavailable(retryAfterSeconds: Int = 2) -> Problem {
        Problem(.serviceUnavailable, title: "Temporarily unavailable",
                detail: "The database cannot be reached right now. Nothing was stored; retry shortly.",
                headers: ["Retry-After": String(retryAfterSeconds)])
    }
}
