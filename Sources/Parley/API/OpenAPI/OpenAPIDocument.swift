import Foundation

/// The OpenAPI 3.1 document of the JSON API, served at `GET /api/openapi.json`.
///
/// Each feature describes its own routes in an `OpenAPIDocument+Feature.swift` file as a list of `APIOperation`s
/// and adds that list to `operations` below. `OpenAPITests` checks that every `/api` and `/v1` route the router
/// knows is described here and that nothing described is missing from the router.
public enum OpenAPIDocument {
    /// Every described operation.
    static var operations: [APIOperation] {
        health + ingest + conversations + jobs + clusters + rules + intents + triage + exports + versions + replays
            + administration
    }

    /// The document as JSON text (built once).
    public static let json: String = document().serialized()

    static func document() -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for operation in operations {
            var item = paths[operation.openAPIPath]?.objectValue ?? [:]
            item[operation.method.lowercased()] = operation.json
            paths[operation.openAPIPath] = .object(item)
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Parley API",
                "version": "1",
                "description": """
                    Conversation insights for LLM applications: ingest conversation logs, browse clusters and \
                    intents, triage flagged conversations, compare model versions and export training data. \
                    Authenticate with an API key (`parley apikey create`, or Settings → API keys) as \
                    `Authorization: Bearer <key>`; each key has scopes (`ingest`, `read`, `write`). Errors are \
                    RFC 9457 problem details (`application/problem+json`). Lists are keyset-paginated: pass the \
                    `next_cursor` of one page as `cursor` to get the next.
                    """,
            ],
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "servers": [["url": "/"]],
            "paths": .object(paths),
            "components": [
                "securitySchemes": ["apiKey": ["type": "http", "scheme": "bearer", "description": "A Parley API key."]],
                "schemas": .object(schemas),
                "responses": [
                    "Problem": ["description": "An error (RFC 9457).",
                                "content": ["application/problem+json": ["schema": Schema.ref("Problem")]]],
                ],
            ],
        ]
    }

    /// Shared schemas, referenced as `Schema.ref(name)`.
    static var schemas: [String: JSONValue] {
        var all: [String: JSONValue] = [
            "Problem": Schema.object([
                "type": Schema.string, "title": Schema.string, "status": Schema.integer, "detail": Schema.string,
                "instance": Schema.string, "requestId": Schema.string,
                "errors": Schema.array(Schema.object(["path": Schema.string, "message": Schema.string],
                                                     required: ["path", "message"])),
            ], required: ["title", "status"], additional: true),
        ]
        for (name, schema) in sharedSchemas { all[name] = schema }
        return all
    }
}

/// One documented route.
struct APIOperation: Sendable {
    /// `GET`, `POST`, …
    var method: String
    /// The router's pattern, e.g. `/api/v1/clusters/:id`.
    var path: String
    var summary: String
    /// The group it is listed under.
    var tag: String
    /// The API key scope needed, or nil for routes without authentication.
    var scope: String?
    var description: String? = nil
    /// Query parameters.
    var query: [APIParameter] = []
    /// Path parameters that are not integers (all others are documented as integers).
    var stringPathParameters: [String] = []
    /// The JSON schema of the request body, if any, and its media type.
    var body: JSONValue? = nil
    var bodyType = "application/json"
    var bodyRequired = true
    /// The success status, its media type and schema.
    var status = 200
    var responseType = "application/json"
    var response: JSONValue? = nil
    /// Further success statuses with their schemas (same media type), e.g. 200 for a duplicate besides 201;
    /// a 204 has no content (its schema is ignored).
    var otherResponses: [Int: JSONValue] = [:]
    /// Error statuses besides 401/403 (added when `scope` is set) and 400/404 (when there is a body or path id).
    var errors: [Int] = []

    init(_ method: String, _ path: String, _ summary: String, tag: String, scope: String?,
         description: String? = nil, query: [APIParameter] = [], stringPathParameters: [String] = [],
         body: JSONValue? = nil, bodyType: String = "application/json", bodyRequired: Bool = true,
         status: Int = 200, responseType: String = "application/json", response: JSONValue? = nil,
         otherResponses: [Int: JSONValue] = [:], errors: [Int] = []) {
        self.method = method
        self.path = path
        self.summary = summary
        self.tag = tag
        self.scope = scope
        self.description = description
        self.query = query
        self.stringPathParameters = stringPathParameters
        self.body = body
        self.bodyType = bodyType
        self.bodyRequired = bodyRequired
        self.status = status
        self.responseType = responseType
        self.response = response
        self.otherResponses = otherResponses
        self.errors = errors
    }

    /// `/api/v1/clusters/{id}`.
    var openAPIPath: String {
        "/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .joined(separator: "/")
    }

    var pathParameterNames: [String] {
        path.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) }
    }

    var json: JSONValue {
        var parameters: [JSONValue] = pathParameterNames.map { name in
            ["name": .string(name), "in": "path", "required": true,
             "schema": stringPathParameters.contains(name) ? Schema.string : Schema.id]
        }
        parameters += query.map(\.json)
        var operation: [String: JSONValue] = [
            "summary": .string(summary),
            "tags": [.string(tag)],
            "operationId": .string(operationID),
        ]
        if let description { operation["description"] = .string(description) }
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        if let scope {
            operation["security"] = [["apiKey": []]]
            operation["x-scope"] = .string(scope)
        } else {
            operation["security"] = []
        }
        if let body {
            operation["requestBody"] = ["required": .bool(bodyRequired),
                                        "content": .object([bodyType: ["schema": body]])]
        }
        var responses: [String: JSONValue] = [:]
        var success: [String: JSONValue] = ["description": "Success."]
        if status != 204 {
            success["content"] = .object([responseType: ["schema": response ?? Schema.anyObject]])
        }
        responses[String(status)] = .object(success)
        for (code, schema) in otherResponses {
            responses[String(code)] = code == 204 ? ["description": "Success, no content."]
                : ["description": "Success.", "content": .object([responseType: ["schema": schema]])]
        }
        var errorStatuses = Set(errors)
        if scope != nil { errorStatuses.formUnion([401, 403]) }
        // 400 for a malformed request, 422 for well-formed values that are not acceptable (query filters included).
        if body != nil || !query.isEmpty { errorStatuses.formUnion([400, 422]) }
        if !pathParameterNames.isEmpty { errorStatuses.insert(404) }
        if body != nil { errorStatuses.formUnion([413, 415]) }
        errorStatuses.insert(500)
        errorStatuses.insert(503)
        for code in errorStatuses.sorted() { responses[String(code)] = ["$ref": "#/components/responses/Problem"] }
        operation["responses"] = .object(responses)
        return .object(operation)
    }

    /// `getApiV1ClustersId`-style unique name.
    var operationID: String {
        let words = path.split(separator: "/").map { part -> String in
            let word = part.hasPrefix(":") ? "by-" + part.dropFirst() : String(part)
            return word.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
                .map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        }
        return method.lowercased() + words.joined()
    }
}

/// A query parameter.
struct APIParameter: Sendable {
    var name: String
    var schema: JSONValue
    var description: String
    var required = false

    init(_ name: String, _ schema: JSONValue, _ description: String, required: Bool = false) {
        self.name = name
        self.schema = schema
        self.description = description
        self.required = required
    }

    var json: JSONValue {
        ["name": .string(name), "in": "query", "required": .bool(required), "schema": schema,
         "description": .string(description)]
    }

    /// `limit` (1…max) and `cursor`, the keyset pagination of every list.
    static func page(maximum: Int = 500, defaultLimit: Int = 50) -> [APIParameter] {
        [APIParameter("limit", ["type": "integer", "minimum": 1, "maximum": .number(String(maximum)),
                                "default": .number(String(defaultLimit))], "Most items in one page."),
         APIParameter("cursor", Schema.string, "The `next_cursor` of the previous page.")]
    }
}

/// Schema building blocks (JSON Schema 2020-12, as OpenAPI 3.1 uses).
enum Schema {
    static func object(_ properties: [String: JSONValue], required: [String] = [], additional: Bool = true) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { schema["required"] = .array(required.sorted().map { .string($0) }) }
        if !additional { schema["additionalProperties"] = false }
        return .object(schema)
    }

    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }
    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    /// `schema` or null.
    static func nullable(_ schema: JSONValue) -> JSONValue { ["anyOf": [schema, ["type": "null"]]] }
    static func enumeration(_ values: [String]) -> JSONValue { ["type": "string", "enum": .array(values.map { .string($0) })] }

    static let string: JSONValue = ["type": "string"]
    static let integer: JSONValue = ["type": "integer"]
    static let number: JSONValue = ["type": "number"]
    static let boolean: JSONValue = ["type": "boolean"]
    static let dateTime: JSONValue = ["type": "string", "format": "date-time"]
    static let id: JSONValue = ["type": "integer", "minimum": 1]
    /// Any JSON object (for answers not described in detail).
    static let anyObject: JSONValue = ["type": "object"]
    /// Any JSON value.
    static let any: JSONValue = [:]
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
}
