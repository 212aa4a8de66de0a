import Embeddings
import Foundation
import HTTPServer
import Postgres

/// The flag rules API:
/// - `GET /api/v1/rules`, `GET /api/v1/rules/{id}` (scope `read`): rules with their flag counts;
/// - `POST /api/v1/rules` (`write`): `{name, description?, severity?, enabled?, condition}` → 201, and a job that
///   evaluates the rule on every conversation of the project (`job_id`);
/// - `PATCH /api/v1/rules/{id}` (`write`): any of those fields → re-evaluated when it changed;
/// - `DELETE /api/v1/rules/{id}` (`write`): the rule and its flags (triage items stay) → 204;
/// - `POST /api/v1/rules/dry-run` (`read`): a rule body → how many of the project's last 10,000 conversations
///   (`?limit=` fewer) it would flag, and 20 examples with their spans; nothing is stored;
/// - `GET /api/v1/detectors` (`read`): the built-in detectors and their kinds.
enum RuleRoutes {
    static func register(on router: inout Router, context: AppContext) {
        let registry = DetectorRegistry.standard
        let store = FlagRuleStore(pool: context.pool, registry: registry)
        let queue = JobQueue(pool: context.pool)

        router.get("/api/v1/rules") { request in
            let principal = try await context.principal(request, scope: "read")
            return json(try await store.list(projectID: principal.projectID))
        }
        router.get("/api/v1/detectors") { request in
            _ = try await context.principal(request, scope: "read")
            var detectors: [JSONValue] = registry.textDetectors.values.sorted { $0.name < $1.name }.map { detector in
                .object(["name": .string(detector.name), "input": .string("text"),
                         "kinds": .array(detector.kinds.map(JSONValue.string)),
                         "default_roles": detector.defaultRoles.map { .array($0.sorted().map(JSONValue.string)) } ?? .null])
            }
            detectors += registry.embeddingDetectors.values.sorted { $0.name < $1.name }.map { detector in
                .object(["name": .string(detector.name), "input": .string("embedding"),
                         "default_threshold": .number(String(detector.defaultThreshold))])
            }
            return json(JSONValue.object(["detectors": .array(detectors)]).serialized())
        }
        router.post("/api/v1/rules") { request in
            let principal = try await context.principal(request, scope: "write")
            let input = try await parse(request, creating: true, registry: registry)
            let id = try await store.create(projectID: principal.projectID, input: input, actor: principal.actor)
            let job = try await FlagJobs.enqueueRule(id, projectID: principal.projectID, on: queue)
            return json(try await withJob(store.show(projectID: principal.projectID, ruleID: id), job), status: .created)
        }
        router.post("/api/v1/rules/dry-run") { request in
            let principal = try await context.principal(request, scope: "read")
            var object = try await JSONBody.object(request)
            if object["name"] == nil { object["name"] = .string("dry run") }
            let input = try await parse(object, creating: true, registry: registry)
            let limit = min(max(request.query.get("limit", as: Int.self) ?? 10_000, 1), 10_000)
            let model = try? EmbedderConfiguration(modelName: context.configuration.embedder).model.modelID
            let result = try await RuleDryRun(pool: context.pool, registry: registry)
                .run(projectID: principal.projectID, input: input, limit: limit, embeddingModel: model)
            return json(result.serialized())
        }
        router.get("/api/v1/rules/:id") { request in
            let principal = try await context.principal(request, scope: "read")
            let id = try JSONBody.id(request, notFound: notFound)
            guard let rule = try await store.show(projectID: principal.projectID, ruleID: id) else { throw notFound(String(id)) }
            return json(rule)
        }
        router.patch("/api/v1/rules/:id") { request in
            let principal = try await context.principal(request, scope: "write")
            let id = try JSONBody.id(request, notFound: notFound)
            let input = try await parse(request, creating: false, registry: registry)
            guard let changed = try await store.update(projectID: principal.projectID, ruleID: id, input: input,
                                                       actor: principal.actor) else { throw notFound(String(id)) }
            let job = changed ? try await FlagJobs.enqueueRule(id, projectID: principal.projectID, on: queue) : nil
            return json(try await withJob(store.show(projectID: principal.projectID, ruleID: id), job))
        }
        router.delete("/api/v1/rules/:id") { request in
            let principal = try await context.principal(request, scope: "write")
            let id = try JSONBody.id(request, notFound: notFound)
            guard try await store.delete(projectID: principal.projectID, ruleID: id, actor: principal.actor) else {
                throw notFound(String(id))
            }
            return Response(status: .noContent)
        }
    }

    static func notFound(_ id: String) -> Problem {
        Problem(.notFound, title: "Rule not found", detail: "No rule \(id) in this project.")
    }

    static func json(_ text: String, status: HTTPStatus = .ok) -> Response {
        Response(status: status, headers: ["Content-Type": "application/json"], body: .bytes(Array(text.utf8)))
    }

    /// The rule's JSON with `"job_id"` added (the re-evaluation job, or null when none was queued).
    private static func withJob(_ rule: String?, _ job: Int?) throws -> String {
        guard let rule, rule.hasSuffix("}") else { throw Problem(.internalServerError) }
        return String(rule.dropLast()) + ",\"job_id\":\(job.map(String.init) ?? "null")}"
    }

    private static func parse(_ request: Request, creating: Bool, registry: DetectorRegistry) async throws -> FlagRuleStore.Input {
        try await parse(try await JSONBody.object(request), creating: creating, registry: registry)
    }

    /// Validates off the cooperative pool: regular expressions are probed against adversarial inputs.
    private static func parse(_ object: [String: JSONValue], creating: Bool,
                              registry: DetectorRegistry) async throws -> FlagRuleStore.Input {
        try await offThread { try FlagRuleStore.Input.parse(object, creating: creating, registry: registry) }
    }
}
