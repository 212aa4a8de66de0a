import Embeddings
import Foundation
import Postgres

extension ConversationBrowser {
    /// One conversation with everything its page shows.
    struct Detail: Sendable {
        var id: Int
        var externalID: String
        var model: String?
        var promptVersion: String?
        var endUserID: String?
        var sessionID: String?
        var startedAt: Date
        var ingestedAt: Date
        var updatedAt: Date
        var messageCount: Int
        var messages: JSONValue
        var metadata: JSONValue
        var tags: [String]
        var thumb: Int?
        var rating: Int?
        var comment: String?
    }

    /// A conversation of this project, or nil (absent, or another project's: the same to the caller).
    func conversation(id: Int, projectID: Int) async throws -> Detail? {
        guard let row = try await pool.query("""
            SELECT id, external_id, model, prompt_version, end_user_id, session_id, started_at, ingested_at, updated_at,
                   message_count, messages::text, metadata::text, tags, feedback_thumb, feedback_rating, feedback_comment
            FROM conversations WHERE id = \(id) AND project_id = \(projectID)
            """).first else { return nil }
        let (id, external, model, prompt, user, session, started, ingested, updated, count, messages, metadata, tags,
             thumb, rating, comment) = try row.decode(
                (Int, String, String?, String?, String?, String?, Date, Date, Date, Int, String, String, [String], Int?,
                 Int?, String?).self)
        return Detail(id: id, externalID: external, model: model, promptVersion: prompt, endUserID: user,
                      sessionID: session, startedAt: started, ingestedAt: ingested, updatedAt: updated, messageCount: count,
                      messages: (try? JSONParser.parse(messages)) ?? .array([]),
                      metadata: (try? JSONParser.parse(metadata)) ?? .object([:]), tags: tags, thumb: thumb,
                      rating: rating, comment: comment)
    }

    /// A neighbour in embedding space.
    struct Neighbour: Sendable {
        var id: Int
        var externalID: String
        var score: Float
        var startedAt: Date
        var preview: String
    }

    /// Why similar conversations cannot be shown yet, when they cannot.
    enum SimilarityState: Sendable {
        case found([Neighbour])
        /// The conversation has no vector of the configured model yet (the embed job is behind).
        case notEmbedded
    }

    /// The `k` nearest conversations of the same project by cosine similarity, from the in-memory index.
    func similar(to id: Int, projectID: Int, model: EmbeddingModel, cache: SimilarityIndexCache, k: Int = 6)
        async throws -> SimilarityState
    {
        guard let row = try await pool.query("""
            SELECT vector FROM conversation_embeddings WHERE conversation_id = \(id) AND model = \(model.modelID)
            """).first else { return .notEmbedded }
        var query: [Float] = []
        guard VectorCodec.decode(try row.decode(0, as: Data.self), dimension: model.dimension, into: &query) else {
            return .notEmbedded
        }
        let matches = try await cache.nearest(projectID: projectID, model: model.modelID, dimension: model.dimension,
                                              query: query, k: k, excluding: id)
        let wanted = matches.map(\.id)
        var details: [Int: (String, Date, String)] = [:]
        for row in try await pool.query("""
            SELECT c.id, c.external_id, c.started_at,
                   left(coalesce((SELECT \(Self.messageText) FROM jsonb_array_elements(c.messages) m
                                  WHERE m->>'role' = 'user' LIMIT 1), ''), 160)
            FROM conversations c WHERE c.id = ANY(\(wanted)) AND c.project_id = \(projectID)
            """) {
            let (nid, external, started, preview) = try row.decode((Int, String, Date, String).self)
            details[nid] = (external, started, preview)
        }
        return .found(matches.compactMap { match in
            let nid = match.id
            guard let (external, started, preview) = details[nid] else { return nil }
            return Neighbour(id: nid, externalID: external, score: match.score, startedAt: started, preview: preview)
        })
    }
}
