import Embeddings
import Foundation
import HTTPServer
import Postgres

/// `GET /api/v1/conversations/{id}/similar?k=10`: the nearest conversations by cosine similarity.
enum SimilarRoutes {
    struct Neighbour: Encodable {
        var id: String
        var parleyID: Int
        var score: Float
        var preview: String
        enum CodingKeys: String, CodingKey {
            case id, parleyID = "parley_id", score, preview
        }
    }

    static func register(on router: inout Router, context: AppContext) {
        router.get("/api/v1/conversations/:id/similar") { request in
            let principal = try await context.principal(request, scope: "read")
            let externalID = try request.parameter("id", as: String.self)
            let k = min(max(request.query.get("k", as: Int.self) ?? 10, 1), 100)
            let embedder = try await context.embedders.embedder()
            let row = try await context.pool.query("""
                SELECT c.id, e.vector FROM conversations c
                LEFT JOIN conversation_embeddings e ON e.conversation_id = c.id AND e.model = \(embedder.modelID)
                WHERE c.project_id = \(principal.projectID) AND c.external_id = \(externalID)
                """).first
            guard let row else { throw Problem.notFound(conversation: externalID) }
            let (id, data) = try row.decode((Int, Data?).self)
            var query: [Float] = []
            guard let data, VectorCodec.decode(data, dimension: embedder.dimension, into: &query) else {
                throw Problem(.conflict, title: "Not embedded yet",
                              detail: "This conversation has no embedding yet; background workers add it shortly.",
                              headers: ["Retry-After": "5"])
            }
            let matches = try await context.similarity.nearest(
                projectID: principal.projectID, model: embedder.modelID, dimension: embedder.dimension, query: query,
                k: k, excluding: id)
            let neighbourIDs = matches.map(\.id)
            var details: [Int: (String, String)] = [:]
            for r in try await context.pool.query("""
                SELECT id, external_id, messages::text FROM conversations WHERE id = ANY(\(neighbourIDs))
                """) {
                let (nid, ext, messages) = try r.decode((Int, String, String).self)
                let text = EmbeddingText.of(messages: (try? JSONParser.parse(messages))?.arrayValue ?? [])
                details[nid] = (ext, String(text.prefix(200)))
            }
            let neighbours = matches.compactMap { m -> Neighbour? in
                let nid = m.id
                guard let (ext, preview) = details[nid] else { return nil }
                return Neighbour(id: ext, parleyID: nid, score: m.score, preview: preview)
            }
            return try Response.json(["similar": neighbours])
        }
    }
}
