import HTTPServer

/// Reading JSON request bodies of the curation APIs (clusters, intents, rules, triage).
enum JSONBody {
    /// The body as a JSON object; an empty body is an empty object.
    /// - Throws: `Problem` 415 (not JSON), 400 (malformed) or 422 (not an object).
    static func object(_ request: Request, limit: Int = 1 << 20) async throws -> [String: JSONValue] {
        let bytes = try await request.body.collect(upTo: limit)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        let type = request.contentType?.lowercased() ?? ""
        guard type.hasPrefix("application/json") || type.hasPrefix("application/merge-patch+json") else {
            throw Problem(.unsupportedMediaType, detail: "Send the body as application/json.")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw Problem(.badRequest, title: "Malformed JSON", detail: error.description)
        }
        guard let object = value.objectValue else {
            throw Problem(.unprocessableContent, title: "Expected a JSON object", detail: "Send the fields as a JSON object.")
        }
        return object
    }

    /// A positive id from the path parameter `name`, else a 404 with `notFound`.
    static func id(_ request: Request, _ name: String = "id", notFound: (String) -> Problem) throws -> Int {
        let text = try request.parameter(name, as: String.self)
        guard let id = Int(text), id > 0 else { throw notFound(text) }
        return id
    }
}

extension Problem {
    /// 422 with field errors, for the curation APIs.
    static func invalidFields(_ errors: [FieldError], title: String = "Invalid request") -> Problem {
        Problem(.unprocessableContent, title: title,
                detail: "\(errors.count) problem\(errors.count == 1 ? "" : "s") found; nothing was changed.",
                errors: Array(errors.prefix(100)))
    }
}
