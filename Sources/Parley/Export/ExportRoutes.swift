import Foundation
import HTTPServer
import Postgres

/// Exports (scope `read`), streamed page by page with chunked encoding; filters in `ExportFilter`:
/// - `GET /api/v1/exports/finetune.jsonl`: `{"messages": […]}` per conversation in OpenAI's chat fine-tuning
///   format, the corrected answer as the last assistant turn when there is one; `balance_by=cluster|intent` with
///   `per_group=N` keeps at most N conversations per group;
/// - `GET /api/v1/exports/dpo.jsonl`: `{"prompt", "chosen", "rejected"}` (TRL's conversational format) from corrected
///   answers (chosen over the original) and from ratings (`PreferencePairs`; `sources=correction,rating`,
///   `min_margin`);
/// - `GET /api/v1/exports/conversations.csv`: RFC 4180, safe from formula injection (`CSVWriter`).
enum ExportRoutes {
    static func register(on router: inout Router, context: AppContext) {
        router.get("/api/v1/exports/finetune.jsonl") { request in
            let principal = try await context.principal(request, scope: "read")
            return fineTune(try await pager(request, context, principal), filename: "finetune.jsonl")
        }
        router.get("/api/v1/exports/dpo.jsonl") { request in
            let principal = try await context.principal(request, scope: "read")
            let query = request.query
            let filter = try ExportFilter(query: query, me: principal.actor)
            let sources = Set((query["sources"] ?? "correction,rating").split(separator: ",").map(String.init))
            guard !sources.isEmpty, sources.isSubset(of: ["correction", "rating"]) else {
                throw Problem.invalidFields([.init(path: "sources", message: "must be correction, rating or both")])
            }
            var margin = 1.0
            if let text = query["min_margin"] {
                guard let value = Double(text), value > 0, value <= 4 else {
                    throw Problem.invalidFields([.init(path: "min_margin", message: "must be a number above 0, at most 4")])
                }
                margin = value
            }
            let pool = context.pool
            let projectID = principal.projectID
            let minimumMargin = margin
            return stream("application/x-ndjson", "dpo.jsonl") { writer in
                if sources.contains("correction") {
                    var corrections = filter
                    corrections.corrected = true
                    try await ExportPager(pool: pool, projectID: projectID, filter: corrections).forEachPage { rows in
                        var out: [UInt8] = []
                        for row in rows {
                            guard let pair = TrainingExamples.correctionPair(row) else { continue }
                            pair.write(to: &out)
                            out.append(0x0A)
                        }
                        try await writer.write(out)
                    }
                }
                if sources.contains("rating") {
                    let pairs = PreferencePairs(pool: pool, projectID: projectID, filter: filter, minimumMargin: minimumMargin)
                    try await pairs.forEachPage { page in
                        var out: [UInt8] = []
                        for (chosen, rejected) in page {
                            guard let better = TrainingExamples.split(chosen.messages),
                                  let worse = TrainingExamples.split(rejected.messages) else { continue }
                            TrainingExamples.preference(prompt: better.prompt, chosen: better.response,
                                                        rejected: worse.response, source: "rating",
                                                        ids: [chosen.id, rejected.id]).write(to: &out)
                            out.append(0x0A)
                        }
                        try await writer.write(out)
                    }
                }
            }
        }
        router.get("/api/v1/exports/conversations.csv") { request in
            let principal = try await context.principal(request, scope: "read")
            let pager = try await pager(request, context, principal)
            return stream("text/csv; charset=utf-8", "conversations.csv") { writer in
                try await writer.write(CSVWriter.record(csvHeader))
                try await pager.forEachPage { rows in
                    try await writer.write(rows.map { CSVWriter.record(csvFields($0)) }.joined())
                }
            }
        }
    }

    static let csvHeader = ["parley_id", "id", "started_at", "model", "prompt_version", "user_id", "message_count",
                            "first_user_message", "last_assistant_message", "feedback_thumb", "feedback_rating",
                            "cluster_id", "flags", "severity", "triage_status", "assignee", "labels", "mean_rating",
                            "corrected_answer", "metadata"]

    static func csvFields(_ row: ExportRow) -> [String] {
        let formatter = ISO8601DateFormatter()
        func text(_ role: String, last: Bool) -> String {
            let message = last ? row.messages.last { $0["role"]?.stringValue == role } : row.messages.first { $0["role"]?.stringValue == role }
            return message.map(ConversationInput.text(of:)) ?? ""
        }
        return [
            String(row.id), row.externalID, formatter.string(from: row.startedAt), row.model ?? "", row.promptVersion ?? "",
            row.endUserID ?? "", String(row.messages.count), text("user", last: false), text("assistant", last: true),
            row.thumb.map(String.init) ?? "", row.rating.map(String.init) ?? "", row.clusterID.map(String.init) ?? "",
            row.flags.joined(separator: "; "), row.severity ?? "", row.status ?? "", row.assignee ?? "",
            row.labels.joined(separator: "; "), row.meanRating.map { String(format: "%.2f", $0) } ?? "",
            row.corrected ?? "", row.metadata,
        ]
    }

    /// The pager of a fine-tuning or CSV export: filters, limit and balancing from the query string.
    private static func pager(_ request: Request, _ context: AppContext, _ principal: APIKeyStore.Principal) async throws -> ExportPager {
        let query = request.query
        let filter = try ExportFilter(query: query, me: principal.actor)
        var pager = ExportPager(pool: context.pool, projectID: principal.projectID, filter: filter)
        if let by = query["balance_by"] {
            guard let perGroup = query.get("per_group", as: Int.self), perGroup > 0 else {
                throw Problem.invalidFields([.init(path: "per_group", message: "is required with balance_by: a positive number")])
            }
            switch by {
            case "cluster": pager.balance = .cluster(perGroup: perGroup)
            case "intent":
                guard try await ExportPager.intentsAvailable(pool: context.pool) else {
                    throw Problem.invalidFields([.init(path: "balance_by", message: "intents are not available yet; use cluster")])
                }
                pager.balance = .intent(perGroup: perGroup)
            default:
                throw Problem.invalidFields([.init(path: "balance_by", message: "must be cluster or intent")])
            }
        }
        return pager
    }

    /// The fine-tuning JSONL of every conversation `pager` reads, streamed as a download (the API route and the
    /// cluster page's export both answer with it).
    static func fineTune(_ pager: ExportPager, filename: String) -> Response {
        stream("application/x-ndjson", filename) { writer in
            try await pager.forEachPage { rows in
                var out: [UInt8] = []
                for row in rows {
                    guard let line = TrainingExamples.fineTuneLine(row) else { continue }
                    line.write(to: &out)
                    out.append(0x0A)
                }
                try await writer.write(out)
            }
        }
    }

    private static func stream(_ contentType: String, _ filename: String,
                               _ produce: @escaping @Sendable (ResponseBodyWriter) async throws -> Void) -> Response {
        var response = Response.stream(contentType: contentType, produce)
        response.headers.add(name: "Content-Disposition", value: "attachment; filename=\"\(filename)\"")
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }
}
