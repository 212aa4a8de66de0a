import Embeddings
import Foundation
import Postgres

/// Each project's vectors held in memory for exact cosine search, refreshed with new rows at most every
/// few seconds (vectors are only ever added; a conversation's vector never changes).
public actor SimilarityIndexCache {
    struct Entry {
        var index: VectorIndex
        var ids: [Int]
        var loadedAt: ContinuousClock.Instant
    }

    private let pool: PostgresPool
    private var entries: [String: Entry] = [:]
    let refreshInterval: Duration

    public init(pool: PostgresPool, refreshInterval: Duration = .seconds(5)) {
        self.pool = pool
        self.refreshInterval = refreshInterval
    }

    /// The index of a project and model, with conversation ids in row order.
    func index(projectID: Int, model: String, dimension: Int) async throws -> (VectorIndex, [Int]) {
        let key = "\(projectID)/\(model)"
        let now = ContinuousClock.now
        if let entry = entries[key], now - entry.loadedAt < refreshInterval { return (entry.index, entry.ids) }
        var ids = entries[key]?.ids ?? []
        let rows = try await pool.query("""
            SELECT conversation_id, vector FROM conversation_embeddings
            WHERE project_id = \(projectID) AND model = \(model) AND conversation_id > \(ids.last ?? 0)
            ORDER BY conversation_id
            """)
        // Nothing new: keep the built index (building one quantizes every vector, seconds at 1M rows).
        if rows.isEmpty, var entry = entries[key] {
            entry.loadedAt = now
            entries[key] = entry
            return (entry.index, entry.ids)
        }
        var added: [Float] = []
        added.reserveCapacity(rows.count * dimension)
        for row in rows {
            let (id, data) = try row.decode((Int, Data).self)
            if VectorCodec.decode(data, dimension: dimension, into: &added) { ids.append(id) }
        }
        // Only the new rows are quantized for the prefilter (the old codes are kept).
        let index = entries[key]?.index.appending(added) ?? VectorIndex(dimension: dimension, vectors: added)
        entries[key] = Entry(index: index, ids: ids, loadedAt: now)
        return (index, ids)
    }
}
