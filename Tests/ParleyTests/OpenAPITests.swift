import Foundation
import HTTPServer
@testable import Parley
import Postgres
import TestSupport
import Testing

/// The OpenAPI document against the router and the real answers: every API route is described and nothing else,
/// the document is well formed (3.1, path parameters declared, unique operation ids, resolvable `$ref`s), it is
/// served as JSON, and the answers of GET routes on a database with data fit the documented schemas.
@Suite struct OpenAPITests {
    static func document() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        return try #require(object as? [String: Any], "the document is a JSON object")
    }

    /// `/api/v1/clusters/{id}` → `/api/v1/clusters/:id`.
    static func routerPath(_ openAPIPath: String) -> String {
        openAPIPath.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : String(part)
        }.joined(separator: "/")
    }

    static func isAPI(_ path: String) -> Bool {
        path.hasPrefix("/api/") || path.hasPrefix("/v1/") || path == "/healthz" || path == "/readyz"
    }

    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// Every documented operation as `METHOD /router/:path`.
    static func documented(_ document: [String: Any]) -> Set<String> {
        var operations: Set<String> = []
        for (path, item) in document["paths"] as? [String: Any] ?? [:] {
            for method in (item as? [String: Any] ?? [:]).keys where methods.contains(method) {
                operations.insert("\(method.uppercased()) \(routerPath(path))")
            }
        }
        return operations
    }

    @Test func everyAPIRouteIsDocumentedAndNothingElse() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let routes = Set(ParleyService.makeRouter(context: app.context).registeredRoutes
            .filter { Self.isAPI($0.path) }.map { "\($0.method.rawValue) \($0.path)" })
        let described = Self.documented(try Self.document())
        let missing = routes.subtracting(described).sorted()
        let extra = described.subtracting(routes).sorted()
        #expect(missing.isEmpty, "routes not described in the OpenAPI document:\n\(missing.joined(separator: "\n"))")
        #expect(extra.isEmpty, "described operations the router does not have:\n\(extra.joined(separator: "\n"))")
        #expect(routes.contains("GET /api/v1/conversations"))
    }

    @Test func documentIsWellFormed() throws {
        let document = try Self.document()
        let version = try #require(document["openapi"] as? String)
        #expect(version.hasPrefix("3.1."), "openapi is \(version)")
        #expect((document["info"] as? [String: Any])?["title"] is String)
        var operationIDs: [String: Int] = [:]
        var problems: [String] = []
        for (path, item) in document["paths"] as? [String: Any] ?? [:] {
            let names = path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }
                .map { String($0.dropFirst().dropLast()) }
            for (method, value) in item as? [String: Any] ?? [:] where Self.methods.contains(method) {
                let operation = value as? [String: Any] ?? [:]
                let parameters = operation["parameters"] as? [[String: Any]] ?? []
                let declared = Set(parameters.filter { $0["in"] as? String == "path" }.compactMap { $0["name"] as? String })
                if declared != Set(names) { problems.append("\(method) \(path): path parameters \(declared.sorted()) ≠ \(names)") }
                for parameter in parameters where parameter["in"] as? String == "path" && parameter["required"] as? Bool != true {
                    problems.append("\(method) \(path): path parameter \(parameter["name"] ?? "?") is not required")
                }
                if let id = operation["operationId"] as? String { operationIDs[id, default: 0] += 1 } else {
                    problems.append("\(method) \(path): no operationId")
                }
                if (operation["responses"] as? [String: Any])?.isEmpty != false {
                    problems.append("\(method) \(path): no responses")
                }
            }
        }
        for (id, count) in operationIDs where count > 1 { problems.append("operationId \(id) used \(count) times") }
        // Every $ref points at something that exists.
        func walk(_ value: Any, at pointer: String) {
            if let object = value as? [String: Any] {
                if let ref = object["$ref"] as? String, Self.resolve(ref, in: document) == nil {
                    problems.append("\(pointer): $ref \(ref) does not resolve")
                }
                for (key, child) in object { walk(child, at: pointer + "/" + key) }
            } else if let array = value as? [Any] {
                for (index, child) in array.enumerated() { walk(child, at: pointer + "/\(index)") }
            }
        }
        walk(document, at: "#")
        #expect(problems.isEmpty, "\(problems.sorted().joined(separator: "\n"))")
    }

    /// Resolves a local JSON pointer (`#/components/schemas/Problem`).
    static func resolve(_ ref: String, in document: [String: Any]) -> Any? {
        guard ref.hasPrefix("#/") else { return nil }
        var current: Any = document
        for token in ref.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let object = current as? [String: Any], let next = object[key] else { return nil }
            current = next
        }
        return current
    }

    @Test func documentIsServedAsJSON() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let reply = try await app.send("GET", "/api/openapi.json", key: "")
        #expect(reply.status == 200)
        #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true)
        #expect(reply.text == OpenAPIDocument.json)
        let served = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
        #expect((served["paths"] as? [String: Any])?["/api/v1/conversations"] != nil)
    }

    // MARK: - Answers against the documented schemas

    /// Stores data for the read routes: conversations, an intent model with predictions, clusters, flags, a job.
    static func seed(_ app: TestApp) async throws -> (conversation: String, cluster: Int) {
        for i in 0..<3 {
            var conversation = sampleConversation(id: "spot-\(i)")
            conversation["feedback"] = ["thumb": "down", "rating": 2, "comment": "meh"]
            #expect(try await app.post("/api/v1/conversations", json: conversation).status == 201)
        }
        let pool = app.database.pool, project = app.projectID
        let intent = try await pool.query("""
            INSERT INTO intents (project_id, name) VALUES (\(project), 'Card declined') RETURNING id
            """).first!.decode(0, as: Int.self)
        let model = try await pool.query("""
            INSERT INTO intent_models (project_id, version, kind, embedding_model, intent_ids, parameters, threshold, active)
            VALUES (\(project), 1, 'zero_shot', 'm', \([intent]), '\\x00', 0.5, true) RETURNING id
            """).first!.decode(0, as: Int.self)
        try await pool.query("""
            INSERT INTO conversation_intents (conversation_id, project_id, intent_id, confidence, model_id)
            SELECT id, project_id, CASE WHEN external_id = 'spot-2' THEN NULL ELSE \(intent) END, 0.75, \(model)
            FROM conversations
            """)
        try await pool.query("""
            INSERT INTO cluster_runs (project_id, model, status, conversation_count, cluster_count, outlier_count,
                                      seconds, finished_at)
            VALUES (\(project), 'm', 'completed', 3, 1, 0, 0.5, now())
            """)
        let cluster = try await pool.query("""
            INSERT INTO clusters (project_id, auto_name, size, keywords, x, y)
            VALUES (\(project), 'declined cards', 2, '[{"term": "card", "weight": 0.5}]', 0.1, 0.2) RETURNING id
            """).first!.decode(0, as: Int.self)
        try await pool.query("""
            INSERT INTO cluster_members (conversation_id, project_id, cluster_id, similarity)
            SELECT id, project_id, CASE WHEN external_id = 'spot-0' THEN NULL ELSE \(cluster) END, 0.9 FROM conversations
            """)
        let rule = try await pool.query("""
            INSERT INTO flag_rules (project_id, name, severity, condition, phase, created_by)
            VALUES (\(project), 'Declines', 'high', '{"type": "keywords", "words": ["declined"]}', 'ingest', 'test')
            RETURNING id
            """).first!.decode(0, as: Int.self)
        try await pool.query("""
            INSERT INTO flags (project_id, conversation_id, rule_id, severity, detectors, reason)
            SELECT project_id, id, \(rule), 'high', '{keywords}', 'declined' FROM conversations WHERE external_id = 'spot-1'
            """)
        try await pool.query("""
            INSERT INTO triage_items (project_id, conversation_id, priority)
            SELECT project_id, id, 3 FROM conversations WHERE external_id = 'spot-1'
            """)
        _ = try await JobQueue(pool: pool).enqueue(kind: "spot_check", projectID: project)
        return ("spot-1", cluster)
    }

    /// The documented schema of `method path`'s success answer and its status.
    static func successSchema(_ document: [String: Any], _ method: String, _ path: String) -> (Int, [String: Any])? {
        guard let operation = ((document["paths"] as? [String: Any])?[path] as? [String: Any])?[method] as? [String: Any],
              let responses = operation["responses"] as? [String: Any] else { return nil }
        for (code, value) in responses {
            guard let status = Int(code), (200..<300).contains(status),
                  let content = (value as? [String: Any])?["content"] as? [String: Any],
                  let json = content["application/json"] as? [String: Any],
                  let schema = json["schema"] as? [String: Any] else { continue }
            return (status, schema)
        }
        return nil
    }

    @Test func answersFitTheDocumentedSchemas() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let key = try await app.context.apiKeys.create(projectID: app.projectID, scopes: APIKeyStore.scopes).key
        let (conversation, cluster) = try await Self.seed(app)
        let document = try Self.document()
        let validator = SchemaValidator(document: document)
        // Every documented GET without path parameters, plus the ones with ids from the data above.
        var checks: [(String, String)] = []
        for (path, item) in document["paths"] as? [String: Any] ?? [:]
        where (item as? [String: Any])?["get"] != nil && !path.contains("{") {
            checks.append((path, path))
        }
        checks += [("/api/v1/conversations/{id}", "/api/v1/conversations/\(conversation)"),
                   ("/api/v1/clusters/{id}", "/api/v1/clusters/\(cluster)"),
                   ("/api/v1/conversations", "/api/v1/conversations?flag=any&limit=1"),
                   ("/api/v1/conversations", "/api/v1/conversations?q=declined&intent=none")]
        var problems: [String] = []
        var checked: [String] = []
        for (documentedPath, url) in checks.sorted(by: { $0.1 < $1.1 }) {
            guard let (status, schema) = Self.successSchema(document, "get", documentedPath) else { continue }
            let reply = try await app.send("GET", url, key: key)
            if reply.status >= 500 { problems.append("GET \(url): \(reply.status) \(reply.text.prefix(200))") }
            guard reply.status == status else { continue }
            guard let body = try? JSONSerialization.jsonObject(with: reply.body, options: [.fragmentsAllowed]) else {
                problems.append("GET \(url): the answer is not JSON")
                continue
            }
            checked.append(url)
            problems += validator.errors(body, schema, at: "GET \(url) ").prefix(10)
        }
        #expect(problems.isEmpty, "answers that do not fit the document:\n\(problems.joined(separator: "\n"))")
        for url in ["/api/v1/conversations", "/api/v1/conversations/spot-1", "/api/v1/clusters", "/api/v1/jobs"] {
            #expect(checked.contains(url), "\(url) was not checked (checked: \(checked))")
        }
    }

    @Test func validatorCatchesLies() throws {
        let validator = SchemaValidator(document: try Self.document())
        let schema: [String: Any] = ["type": "object", "required": ["a"], "properties": [
            "a": ["type": "integer"], "b": ["anyOf": [["type": "string"], ["type": "null"]]],
            "c": ["type": "array", "items": ["type": "string", "enum": ["x", "y"]]],
        ]]
        #expect(validator.errors(["a": 1, "b": NSNull(), "c": ["x"]], schema).isEmpty)
        #expect(validator.errors(["a": 1.5], schema).count == 1)
        #expect(validator.errors(["b": "s"], schema).count == 1)
        #expect(validator.errors(["a": 1, "b": 3], schema).count == 1)
        #expect(validator.errors(["a": 1, "c": ["z"]], schema).count == 1)
        #expect(validator.errors(["a": true], schema).count == 1)
        #expect(!validator.errors(["title": 3], ["$ref": "#/components/schemas/Problem"]).isEmpty)
    }
}

/// A JSON Schema subset (type, properties, required, additionalProperties: false, items, anyOf, enum, minimum,
/// maximum, `$ref` into the document): enough to tell a documented shape from a different one.
struct SchemaValidator {
    let document: [String: Any]

    func errors(_ value: Any, _ schema: [String: Any], at path: String = "") -> [String] {
        if let ref = schema["$ref"] as? String {
            guard let target = OpenAPITests.resolve(ref, in: document) as? [String: Any] else { return ["\(path): bad $ref \(ref)"] }
            return errors(value, target, at: path)
        }
        if let options = schema["anyOf"] as? [[String: Any]] {
            let failures = options.map { errors(value, $0, at: path) }
            if !failures.contains(where: \.isEmpty) {
                return ["\(path): fits none of anyOf (\(failures.map { $0.first ?? "" }.joined(separator: " | ")))"]
            }
        }
        if let type = schema["type"] as? String, !Self.fits(value, type) {
            return ["\(path): expected \(type), got \(Self.kind(value)) \(String(describing: value).prefix(60))"]
        }
        if let choices = schema["enum"] as? [Any], !choices.contains(where: { Self.same($0, value) }) {
            return ["\(path): \(value) is not one of \(choices)"]
        }
        var found: [String] = []
        if let number = value as? NSNumber, !Self.isBool(value) {
            if let minimum = (schema["minimum"] as? NSNumber)?.doubleValue, number.doubleValue < minimum {
                found.append("\(path): \(number) < minimum \(minimum)")
            }
            if let maximum = (schema["maximum"] as? NSNumber)?.doubleValue, number.doubleValue > maximum {
                found.append("\(path): \(number) > maximum \(maximum)")
            }
        }
        if let object = value as? [String: Any] {
            for name in schema["required"] as? [String] ?? [] where object[name] == nil {
                found.append("\(path).\(name): required but absent")
            }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (name, member) in object {
                if let property = properties[name] as? [String: Any] {
                    found += errors(member, property, at: "\(path).\(name)")
                } else if schema["additionalProperties"] as? Bool == false {
                    found.append("\(path).\(name): not documented and additionalProperties is false")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, item) in array.enumerated() { found += errors(item, items, at: "\(path)[\(index)]") }
        }
        return found
    }

    static func isBool(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        // JSONSerialization gives booleans as NSNumbers of ObjC type "c" (char); JSON numbers are never chars.
        return String(cString: number.objCType) == "c"
    }

    static func kind(_ value: Any) -> String {
        switch value {
        case is NSNull: "null"
        case is String: "string"
        case is [Any]: "array"
        case is [String: Any]: "object"
        case let number as NSNumber: isBool(number) ? "boolean" : "number"
        default: "unknown"
        }
    }

    static func fits(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "string": return value is String
        case "array": return value is [Any]
        case "object": return value is [String: Any]
        case "boolean": return isBool(value)
        case "number": return value is NSNumber && !isBool(value)
        case "integer":
            guard let number = value as? NSNumber, !isBool(value) else { return false }
            return number.doubleValue.rounded() == number.doubleValue
        default: return true
        }
    }

    static func same(_ a: Any, _ b: Any) -> Bool {
        if let a = a as? String, let b = b as? String { return a == b }
        if let a = a as? NSNumber, let b = b as? NSNumber { return isBool(a) == isBool(b) && a == b }
        return a is NSNull && b is NSNull
    }
}
