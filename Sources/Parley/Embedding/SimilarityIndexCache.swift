import Embeddings
import Foundation
import Postgres

/// Each project's vectors held in memory for exact cosine search, refreshed with new rows at most every
/// few seconds (vectors are only ever added; a conversation's vector never changes).
public actor SimilarityIndexCache {
    struct Entry: Sendable {
        var index: VectorIndex
        /// The conversation of each row of `index` (always as many as its rows).
        var ids: [Int]
        var loadedAt: ContinuousClock.Instant
    }

    private let pool: PostgresPool
    private var entries: [String: Entry] = [:]
    /// The refresh under way per key: callers that come meanwhile wait for it instead of starting their own (two
    /// refreshes from the same entry would add the same new rows twice, and one built on the other's index would
    /// have more rows than ids).
    private var refreshing: [String: Task<Entry, any Error>] = [:]
    let refreshInterval: Duration

    public init(pool: PostgresPool, refreshInterval: Duration = .seconds(5)) {
        self.pool = pool
        self.refreshInterval = refreshInterval
    }

    /// The index of a project and model, with conversation ids in row order.
    func index(projectID: Int, model: String, dimension: Int) async throws -> (VectorIndex, [Int]) {
        let key = "\(projectID)/\(model)"
        if let entry = entries[key], ContinuousClock.now - entry.loadedAt < refreshInterval { return (entry.index, entry.ids) }
        let task: Task<Entry, any Error>
        if let running = refreshing[key] {
            task = running
        } else {
            let (pool, previous) = (self.pool, entries[key])
            task = Task { try await Self.refreshed(previous, projectID: projectID, model: model, dimension: dimension, pool: pool) }
            refreshing[key] = task
        }
        do {
            let entry = try await task.value
            if refreshing[key] == task {
                refreshing[key] = nil
                entries[key] = entry
            }
            return (entry.index, entry.ids)
        } catch {
            if refreshing[key] == task { refreshing[key] = nil }
            throw error
        }
    }

    /// `previous` with the vectors stored since it was loaded (all of them without one).
    private static func refreshed(_ previous: Entry?, projectID: Int, model: String, dimension: Int,
                                  pool: PostgresPool) async throws -> Entry {
        let now = ContinuousClock.now
        var ids = previous?.ids ?? []
        let rows = try await pool.query("""
            SELECT conversation_id, vector FROM conversation_embeddings
            WHERE project_id = \(projectID) AND model = \(model) AND conversation_id > \(ids.last ?? 0)
            ORDER BY conversation_id
            """)
        // Nothing new: keep the built index (building one quantizes every vector, seconds at 1M rows).
        if rows.isEmpty, var entry = previous {
            entry.loadedAt = now
            return entry
        }
        // Exactly as large as needed: appending to the ids, still shared with the previous entry, would double
        // their capacity (`VectorIndex.appending` does the same for the vectors).
        ids.reserveCapacity(ids.count + rows.count)
        var added: [Float] = []
        added.reserveCapacity(rows.count * dimension)
        for row in rows {
            let (id, data) = try row.decode((Int, Data).self)
            if VectorCodec.decode(data, dimension: dimension, into: &added) { ids.append(id) }
        }
        // Only the new rows are quantized for the prefilter (the old codes are kept); off the cooperative pool,
        // since re-centring after the index doubled takes seconds at 1M rows.
        let fresh = added
        let index = try await offThread {
            previous?.index.appending(fresh) ?? VectorIndex(dimension: dimension, vectors: fresh)
        }
        return Entry(index: index, ids: ids, loadedAt: now)
    }

    /// The `k` conversations most similar to `query` (exact cosine), `excluding` one id, with their scores; the
    /// scan (15–60 ms at 1M vectors) runs off the cooperative pool.
    public func nearest(projectID: Int, model: String, dimension: Int, query: [Float], k: Int, excluding: Int)
        async throws -> [(id: Int, score: Float)]
    {
        let (index, ids) = try await index(projectID: projectID, model: model, dimension: dimension)
        let matches = try await offThread { try index.search(query, k: k + 1) }
        return matches.filter { ids[$0.index] != excluding }.prefix(k).map { (ids[$0.index], $0.score) }
    }
}
