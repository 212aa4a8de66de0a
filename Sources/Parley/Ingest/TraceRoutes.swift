import Foundation
import HTTPServer

/// `POST /v1/traces`: OTLP/HTTP JSON with OpenTelemetry GenAI spans, turned into conversations (docs/otlp.md).
enum TraceRoutes {
    static func register(on router: inout Router, context: AppContext) {
        router.post("/v1/traces", bodyLimit: 64 << 20) { request in
            try await traces(request, context)
        }
    }

    /// The OTLP `ExportTraceServiceResponse`, with `partialSuccess` when some conversations were not stored.
    struct ExportResponse: Encodable {
        struct PartialSuccess: Encodable {
            var rejectedSpans: Int
            var errorMessage: String
        }
        var partialSuccess: PartialSuccess?
        var conversations: [IngestOutcome]
    }

    static func traces(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try await context.principal(request, scope: "ingest")
        let type = request.contentType?.lowercased() ?? ""
        guard type.hasPrefix("application/json") else {
            throw Problem(.unsupportedMediaType,
                          detail: "Parley accepts OTLP/HTTP JSON: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json.")
        }
        let bytes = try await request.body.collect()
        let mapped: OTLPMappingResult
        do {
            mapped = try OTLPTraceMapper().map(json: bytes)
        } catch {
            throw Problem(.badRequest, title: "Malformed JSON", detail: error.description)
        }
        var items: [ConversationStore.Item] = []
        var problems: [String] = mapped.warnings.map(\.description)
        let now = Date()
        for conversation in mapped.conversations {
            switch context.validator.validate(conversation, now: now) {
            case .success(let input): items.append(.init(projectID: principal.projectID, input: input))
            case .failure(let errors):
                let id = conversation["id"]?.stringValue ?? "?"
                problems.append("\(id): " + errors.items.map { "\($0.path) \($0.message)" }.joined(separator: "; "))
            }
        }
        let outcomes = try await context.batcher.submit(items)
        let rejected = mapped.conversations.count - items.count + outcomes.filter { $0.status == .conflict }.count
        problems += outcomes.filter { $0.status == .conflict }.map { "\($0.externalID): conflicts with stored messages" }
        var response = ExportResponse(partialSuccess: nil, conversations: outcomes)
        if rejected > 0 || !problems.isEmpty {
            response.partialSuccess = .init(rejectedSpans: rejected, errorMessage: problems.prefix(20).joined(separator: "\n"))
        }
        return try Response.json(response)
    }
}
