import Foundation
import HTTPServer
import Postgres

extension IngestRoutes {
    /// `POST /api/v1/conversations/{id}/feedback`: `{thumb, rating, comment}`; given fields replace stored ones.
    static func feedback(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try await context.principal(request, scope: "ingest")
        try requireJSON(request)
        let externalID = try request.parameter("id", as: String.self)
        let document = try await parseBody(request)
        var errors = FieldErrors(prefix: "")
        guard let feedback = context.validator.feedback(document, "", &errors), errors.isEmpty else {
            throw Problem.unprocessable(errors.items)
        }
        let row = try await context.pool.query("""
            UPDATE conversations SET
                feedback_thumb = coalesce(\(feedback.thumb.map(Int16.init)), feedback_thumb),
                feedback_rating = coalesce(\(feedback.rating.map(Int16.init)), feedback_rating),
                feedback_comment = coalesce(\(feedback.comment), feedback_comment),
                updated_at = now()
            WHERE project_id = \(principal.projectID) AND external_id = \(externalID)
            RETURNING id, feedback_thumb, feedback_rating, feedback_comment
            """).first
        guard let row else { throw Problem.notFound(conversation: externalID) }
        let (id, thumb, rating, comment) = try row.decode((Int, Int?, Int?, String?).self)
        // Rules on feedback and rating see the new values: the conversation goes through the flag rules again.
        try await context.pool.query("""
            INSERT INTO pending_work (kind, project_id, conversation_id) VALUES ('flag', \(principal.projectID), \(id))
            ON CONFLICT DO NOTHING
            """)
        try await FlagJobs.enqueue(projectID: principal.projectID, on: JobQueue(pool: context.pool))
        return try Response.json(FeedbackView(parleyID: id, id: externalID, thumb: thumb, rating: rating, comment: comment))
    }

    struct FeedbackView: Encodable {
        var parleyID: Int
        var id: String
        var thumb: Int?
        var rating: Int?
        var comment: String?
        enum CodingKeys: String, CodingKey {
            case parleyID = "parley_id", id, thumb, rating, comment
        }
    }

    /// `GET /api/v1/conversations/{id}`: the stored conversation, as JSON.
    static func show(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try await context.principal(request, scope: "read")
        let externalID = try request.parameter("id", as: String.self)
        let row = try await context.pool.query("""
            SELECT json_build_object(
                'parley_id', id, 'id', external_id, 'model', model, 'prompt_version', prompt_version,
                'user_id', end_user_id, 'session_id', session_id, 'started_at', started_at,
                'ingested_at', ingested_at, 'updated_at', updated_at, 'messages', messages, 'metadata', metadata,
                'tags', tags, 'feedback', json_build_object('thumb', feedback_thumb, 'rating', feedback_rating,
                'comment', feedback_comment),
                'intent', (SELECT CASE WHEN i.conversation_id IS NULL THEN NULL ELSE json_build_object('id', i.intent_id,
                    'name', t.name, 'confidence', i.confidence) END
                    FROM conversation_intents i LEFT JOIN intents t ON t.id = i.intent_id
                    WHERE i.conversation_id = conversations.id))::text
            FROM conversations WHERE project_id = \(principal.projectID) AND external_id = \(externalID)
            """).first
        guard let json = try row?.decode(0, as: String.self) else { throw Problem.notFound(conversation: externalID) }
        return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .bytes(Array(json.utf8)))
    }
}

extension Problem {
    static func notFound(conversation id: String) -> Problem {
        Problem(.notFound, title: "Conversation not found", detail: "No conversation with id \"\(id)\" in this project.")
    }
}
