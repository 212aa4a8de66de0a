import Embeddings
import Foundation
import Insights
import Postgres

/// Incremental assignment: a conversation joins its nearest active cluster right after it is embedded, or is
/// stored as unassigned (`cluster_id` NULL) when it lies beyond that cluster's radius.
///
/// Each project's centroids are cached and reloaded when its active clusters change (a run, a merge or a split,
/// by this or another instance): a cheap version query per batch decides.
public actor ClusterAssignments {
    struct Entry {
        var version: String
        var assigner: NearestCentroidAssigner
        var clusterIDs: [Int]
    }

    private var entries: [Int: Entry] = [:]

    public init() {}

    /// Forgets a project's centroids (after this process changed its clusters).
    func invalidate(projectID: Int) {
        entries[projectID] = nil
    }

    /// The assigner of a project's active clusters, or nil when it has none (no run yet).
    private func entry(projectID: Int, dimension: Int, connection: PostgresConnection) async throws -> Entry? {
        let version = try await connection.query("""
            SELECT count(*)::text || '/' || coalesce(max(updated_at)::text, '') FROM clusters
            WHERE project_id = \(projectID) AND level = 0 AND status = 'active'
            """).first!.decode(0, as: String.self)
        if let entry = entries[projectID], entry.version == version { return entry }
        var centroids: [Float] = [], radii: [Float] = [], ids: [Int] = []
        for row in try await connection.query("""
            SELECT id, centroid, coalesce(radius, 1) FROM clusters
            WHERE project_id = \(projectID) AND level = 0 AND status = 'active' AND centroid IS NOT NULL ORDER BY id
            """) {
            let (id, centroid, radius) = try row.decode((Int, Data, Float).self)
            guard VectorCodec.decode(centroid, dimension: dimension, into: &centroids) else { continue }
            ids.append(id)
            radii.append(radius)
        }
        guard !ids.isEmpty else {
            entries[projectID] = nil
            return nil
        }
        let entry = Entry(version: version, assigner: NearestCentroidAssigner(centroids: centroids, dimension: dimension, radii: radii),
                          clusterIDs: ids)
        entries[projectID] = entry
        return entry
    }

    /// Assigns conversations that have no cluster row yet; returns how many were stored. Cheap enough for the
    /// embedding job's batches (one small `sgemm`); larger sets go through `assignMissing`.
    @discardableResult
    func assign(projectID: Int, conversations ids: [Int], vectors: [Float], dimension: Int,
                connection: PostgresConnection) async throws -> Int {
        guard !ids.isEmpty, let entry = try await entry(projectID: projectID, dimension: dimension, connection: connection)
        else { return 0 }
        let results = entry.assigner.assign(vectors, count: ids.count)
        let clusters: [Int?] = results.map { $0.cluster.map { entry.clusterIDs[$0] } }
        let similarities = results.map(\.similarity)
        let stored = try await connection.query("""
            INSERT INTO cluster_members (conversation_id, project_id, cluster_id, similarity, started_at)
            SELECT t.id, \(projectID), t.cluster, t.similarity, c.started_at
            FROM unnest(\(ids), \(clusters), \(similarities)) AS t(id, cluster, similarity)
            JOIN conversations c ON c.id = t.id
            ON CONFLICT (conversation_id) DO NOTHING
            RETURNING conversation_id
            """).map { try $0.decode(0, as: Int.self) }
        if !stored.isEmpty { try await ClusterStatistics.add(conversations: stored, connection: connection) }
        return stored.count
    }

    /// Assigns every embedded conversation of the project that has no cluster row (after a run, for those
    /// embedded while it ran); returns how many were stored. One pass in conversation id order, a page at a time,
    /// so each page reads only its own rows.
    @discardableResult
    nonisolated func assignMissing(projectID: Int, model: String, pool: PostgresPool, pageSize: Int = 20_000) async throws -> Int {
        var total = 0
        var after = 0
        while true {
            let start = after
            let page = try await pool.withTransaction { @Sendable connection -> (last: Int, stored: Int)? in
                let rows = try await connection.query("""
                    SELECT e.conversation_id, e.vector FROM conversation_embeddings e
                    WHERE e.project_id = \(projectID) AND e.model = \(model) AND e.conversation_id > \(start)
                      AND NOT EXISTS (SELECT 1 FROM cluster_members m WHERE m.conversation_id = e.conversation_id)
                    ORDER BY e.conversation_id LIMIT \(pageSize)
                    """)
                guard let first = rows.first else { return nil }
                let dimension = try first.decode(1, as: Data.self).count / 4
                var ids: [Int] = [], vectors: [Float] = []
                var last = start
                for row in rows {
                    let (id, data) = try row.decode((Int, Data).self)
                    last = id
                    if VectorCodec.decode(data, dimension: dimension, into: &vectors) { ids.append(id) }
                }
                let stored = try await self.assign(projectID: projectID, conversations: ids, vectors: vectors,
                                                   dimension: dimension, connection: connection)
                return (last, stored)
            }
            guard let page else { break }
            total += page.stored
            // No clusters to join (no run yet): nothing more to do.
            if page.stored == 0 && total == 0 && page.last > after {
                let hasClusters = try await pool.query("""
                    SELECT EXISTS (SELECT 1 FROM clusters WHERE project_id = \(projectID) AND level = 0 AND status = 'active')
                    """).first!.decode(0, as: Bool.self)
                if !hasClusters { break }
            }
            after = page.last
        }
        return total
    }
}
