import Foundation

/// A JSON request body that could not be decoded; renders `400` (syntax) or `422` (shape) with a clear message.
public struct JSONBodyError: HTTPResponseError, Sendable, CustomStringConvertible {
    /// `400` for malformed JSON or a wrong content type, `422` for well-formed JSON of the wrong shape.
    public let status: HTTPStatus
    /// What is wrong, e.g. `expected Int at "items[0].count"`.
    public let message: String

    public var description: String { message }

    public func response(for request: Request) -> Response {
        Response(status: status, text: message + "\n")
    }

    init(status: HTTPStatus, message: String) {
        self.status = status
        self.message = message
    }

    init(_ error: DecodingError) {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : (text.isEmpty ? "(root)" : text)
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            self.init(status: .badRequest, message: "Malformed JSON")
        case .dataCorrupted(let context):
            self.init(status: .unprocessableContent, message: "Invalid value at \"\(path(context.codingPath))\"")
        case .keyNotFound(let key, let context):
            self.init(
                status: .unprocessableContent,
                message: "Missing key \"\(path(context.codingPath + [key]))\"")
        case .typeMismatch(let type, let context):
            self.init(
                status: .unprocessableContent, message: "Expected \(type) at \"\(path(context.codingPath))\"")
        case .valueNotFound(let type, let context):
            self.init(
                status: .unprocessableContent, message: "Expected \(type) at \"\(path(context.codingPath))\", found null")
        @unknown default:
            self.init(status: .badRequest, message: "Invalid JSON")
        }
    }
}

extension Request {
    /// Collects the body and decodes it as JSON.
    /// - Throws: `JSONBodyError` (400/415/422) with a message naming the offending path, or `HTTPError` 413.
    public func decode<T: Decodable>(_ type: T.Type = T.self, decoder: JSONDecoder = JSONDecoder()) async throws -> T {
        // RFC 9110 §15.5.16: declared content of another type is refused.
        if let contentType, !contentType.hasSuffix("json") {
            throw JSONBodyError(status: .unsupportedMediaType, message: "Expected application/json content")
        }
        let bytes = try await body.collect()
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw JSONBodyError(error)
        }
    }
}

extension Response {
    /// A JSON response (`application/json`) with `value` encoded.
    /// - Throws: `EncodingError` when the value cannot be encoded (a 500: it is the server's fault).
    public static func json<T: Encodable>(
        _ value: T, status: HTTPStatus = .ok, encoder: JSONEncoder = JSONEncoder()
    ) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: ["Content-Type": "application/json"], body: .bytes([UInt8](data)))
    }
}
