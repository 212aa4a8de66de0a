import Foundation
import HTTPServer

/// `GET /api/v1/conversations`: the conversations of the key's project, newest first, with the dashboard's filters
/// (`ConversationFilter`: `q`, `model`, `prompt`, `feedback`, `from`, `to`, `intent`, `cluster`, `flag`, `meta`) and
/// keyset pages (`limit`, `cursor` → `next_cursor`).
enum ConversationListRoutes {
    static let defaultLimit = 50
    static let maximumLimit = 200

    static func register(on router: inout Router, context: AppContext) {
        let browser = ConversationBrowser(pool: context.pool)
        router.get("/api/v1/conversations") { request in
            let principal = try await context.principal(request, scope: "read")
            let (filter, limit, cursor) = try parse(request.query)
            let listing = try await browser.list(projectID: principal.projectID, filter: filter, before: cursor,
                                                 limit: limit, previews: false)
            var page: [String: JSONValue] = [
                "conversations": .array(listing.rows.map(item)),
                "next_cursor": .null,
            ]
            if listing.hasOlder, let last = listing.rows.last { page["next_cursor"] = .string(last.cursor.text) }
            return Response(status: .ok, headers: ["Content-Type": "application/json"],
                            body: .bytes(Array(JSONValue.object(page).serialized().utf8)))
        }
    }

    /// The filters, page size and cursor of a request; every invalid parameter is reported at once (400).
    static func parse(_ query: QueryParameters) throws -> (ConversationFilter, Int, ConversationCursor?) {
        let (filter, parseErrors) = ConversationFilter.parse(query)
        var errors = parseErrors
        var limit = defaultLimit
        if let text = query["limit"] {
            if let value = Int(text), (1...maximumLimit).contains(value) {
                limit = value
            } else {
                errors.append(.init(path: "limit", message: "must be a whole number from 1 to \(maximumLimit)"))
            }
        }
        var cursor: ConversationCursor?
        if let text = query["cursor"], !text.isEmpty {
            cursor = ConversationCursor(text)
            if cursor == nil { errors.append(.init(path: "cursor", message: "must be the next_cursor of a previous page")) }
        }
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        return (filter, limit, cursor)
    }

    /// One conversation of the list as JSON.
    static func item(_ row: ConversationBrowser.Summary) -> JSONValue {
        func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func integer(_ value: Int?) -> JSONValue { value.map { .number(String($0)) } ?? .null }
        var intent = JSONValue.null
        if let prediction = row.intent {
            intent = ["id": integer(prediction.intentID), "name": string(prediction.name),
                      "confidence": .number(String(format: "%.4f", prediction.confidence))]
        }
        var cluster = JSONValue.null
        if let place = row.cluster {
            cluster = ["id": integer(place.clusterID), "name": string(place.name), "outlier": .bool(place.isOutlier)]
        }
        return [
            "parley_id": integer(row.id),
            "id": .string(row.externalID),
            "started_at": .string(timestamp(row.startedAt)),
            "ingested_at": .string(timestamp(row.ingestedAt)),
            "updated_at": .string(timestamp(row.updatedAt)),
            "model": string(row.model),
            "prompt_version": string(row.promptVersion),
            "user_id": string(row.endUserID),
            "message_count": integer(row.messageCount),
            "tags": .array(row.tags.map(JSONValue.string)),
            "feedback": ["thumb": integer(row.thumb), "rating": integer(row.rating), "comment": string(row.comment)],
            "intent": intent,
            "cluster": cluster,
            "flag_count": integer(row.flagCount),
            "worst_severity": string(row.severity),
            "triage_status": string(row.triageStatus),
        ]
    }

    /// RFC 3339 with milliseconds, UTC.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }
}
