import Embeddings
import Foundation
import Insights
import Postgres

/// What humans do to clusters: rename, pin, merge, split. Every change is recorded in `cluster_events`
/// with its actor; statistics of the touched clusters are recomputed in the same transaction.
public struct ClusterEdits: Sendable {
    let pool: PostgresPool
    let assignments: ClusterAssignments

    public init(pool: PostgresPool, assignments: ClusterAssignments) {
        self.pool = pool
        self.assignments = assignments
    }

    public enum EditError: Error, Equatable, Sendable {
        case notFound(Int)
        case notACluster(Int)
        case invalid(String)
    }

    /// Sets or clears (nil) the human name and/or the pin; throws `notFound` when there is no such active node.
    public func update(projectID: Int, clusterID: Int, name: String??, pinned: Bool?, actor: String) async throws {
        try await pool.withTransaction { connection in
            guard let row = try await connection.query("""
                SELECT custom_name, pinned FROM clusters
                WHERE id = \(clusterID) AND project_id = \(projectID) AND status = 'active' FOR UPDATE
                """).first else { throw EditError.notFound(clusterID) }
            let (oldName, oldPinned) = try row.decode((String?, Bool).self)
            if let name, name != oldName {
                try await connection.query("""
                    UPDATE clusters SET custom_name = \(name), updated_at = now() WHERE id = \(clusterID)
                    """)
                try await ClusterEvent.record(projectID: projectID, "renamed", clusterID, actor: actor,
                                detail: ["from": oldName.map(JSONValue.string) ?? .null, "to": name.map(JSONValue.string) ?? .null],
                                connection: connection)
            }
            if let pinned, pinned != oldPinned {
                try await connection.query("UPDATE clusters SET pinned = \(pinned), updated_at = now() WHERE id = \(clusterID)")
                try await ClusterEvent.record(projectID: projectID, pinned ? "pinned" : "unpinned", clusterID, actor: actor, connection: connection)
            }
        }
    }

    /// Moves every member of `others` into `target`; the others are marked merged. The target's centroid becomes
    /// the size-weighted mean, so new conversations keep landing in it.
    public func merge(projectID: Int, into target: Int, others: [Int], actor: String) async throws {
        let others = Array(Set(others).subtracting([target])).sorted()
        guard !others.isEmpty else { throw EditError.invalid("name at least one other cluster to merge") }
        try await pool.withTransaction { connection in
            var centroid: [Float] = []
            var weights: [Float] = []
            var radius: Float = 0
            var dimension = 0
            let all = [target] + others
            let rows = try await connection.query("""
                SELECT id, level, centroid, coalesce(radius, 0), size FROM clusters
                WHERE id = ANY(\(all)) AND project_id = \(projectID) AND status = 'active' ORDER BY id FOR UPDATE
                """)
            var found = Set<Int>()
            var vectors: [Float] = []
            for row in rows {
                let (id, level, data, r, size) = try row.decode((Int, Int, Data?, Float, Int).self)
                guard level == 0, let data else { throw EditError.notACluster(id) }
                dimension = data.count / 4
                _ = VectorCodec.decode(data, dimension: dimension, into: &vectors)
                weights.append(Float(max(1, size)))
                radius = max(radius, r)
                found.insert(id)
            }
            if let missing = all.first(where: { !found.contains($0) }) { throw EditError.notFound(missing) }
            centroid = [Float](repeating: 0, count: dimension)
            for (i, weight) in weights.enumerated() {
                for j in 0..<dimension { centroid[j] += weight * vectors[i * dimension + j] }
            }
            let norm = centroid.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 { centroid = centroid.map { $0 / norm } }
            try await connection.query("""
                UPDATE cluster_members SET cluster_id = \(target) WHERE cluster_id = ANY(\(others))
                """)
            try await connection.query("""
                UPDATE clusters SET status = 'merged', merged_into = \(target), size = 0, updated_at = now()
                WHERE id = ANY(\(others))
                """)
            try await connection.query("""
                UPDATE clusters SET centroid = \(VectorCodec.encode(centroid)), radius = \(radius),
                    size = (SELECT count(*) FROM cluster_members WHERE cluster_id = \(target)), updated_at = now()
                WHERE id = \(target)
                """)
            try await ClusterStatistics.rebuild(clusters: all, connection: connection)
            try await ClusterEvent.record(projectID: projectID, "merged_by_user", target, related: others, actor: actor, connection: connection)
        }
        await assignments.invalidate(projectID: projectID)
    }

    /// Splits a cluster into `parts` by k-means over its members' vectors (current model). The largest part
    /// keeps the id (and name); the others become new clusters under the same parent. Returns the ids.
    public func split(projectID: Int, clusterID: Int, parts: Int, model: String, actor: String,
                      maximumMembers: Int = 200_000) async throws -> [Int] {
        guard (2...20).contains(parts) else { throw EditError.invalid("parts must be from 2 to 20") }
        guard let row = try await pool.query("""
            SELECT level, parent_id FROM clusters
            WHERE id = \(clusterID) AND project_id = \(projectID) AND status = 'active'
            """).first else { throw EditError.notFound(clusterID) }
        let (level, parent) = try row.decode((Int, Int?).self)
        guard level == 0 else { throw EditError.notACluster(clusterID) }
        var ids: [Int] = []
        var vectors: [Float] = []
        var dimension = 0
        for row in try await pool.query("""
            SELECT m.conversation_id, e.vector FROM cluster_members m
            JOIN conversation_embeddings e ON e.conversation_id = m.conversation_id AND e.model = \(model)
            WHERE m.cluster_id = \(clusterID) ORDER BY m.conversation_id LIMIT \(maximumMembers + 1)
            """) {
            let (id, data) = try row.decode((Int, Data).self)
            if dimension == 0 { dimension = data.count / 4 }
            if VectorCodec.decode(data, dimension: dimension, into: &vectors) { ids.append(id) }
        }
        guard ids.count <= maximumMembers else {
            throw EditError.invalid("the cluster has more than \(maximumMembers) members; start a new run with more clusters instead")
        }
        guard ids.count >= parts * 2 else { throw EditError.invalid("too few members (\(ids.count)) to split into \(parts)") }
        let snapshot = vectors, n = ids.count, d = dimension
        let (result, similarities) = try await offThread {
            var options = ClusteringOptions(clusterCount: .fixed(parts), seed: 1)
            options.minClusterSize = 1
            let result = ClusteringPipeline.run(vectors: snapshot, count: n, dimension: d, options: options)
            return (result, result.similaritiesToCentroids(snapshot))
        }
        let naming = try await ClusterRunJob.naming(result: result, ids: ids, sample: 60, pool: pool)
        let newIDs = try await pool.withTransaction { connection -> [Int] in
            var partIDs = [clusterID]
            for part in 0..<result.clusterCount {
                let label = naming.clusters[part]
                let values: (name: String, keywords: String, representatives: [Int], centroid: Data, radius: Float, size: Int) = (
                    label.name, ClusterRunWriter.keywords(label), result.representatives[part].map { ids[$0] },
                    VectorCodec.encode(result.centroid(part)), result.radii[part], result.sizes[part])
                if part == 0 {
                    try await connection.query("""
                        UPDATE clusters SET auto_name = CASE WHEN pinned THEN auto_name ELSE \(values.name) END,
                            keywords = \(values.keywords)::jsonb, representatives = \(values.representatives),
                            centroid = \(values.centroid), radius = \(values.radius), size = \(values.size), updated_at = now()
                        WHERE id = \(clusterID)
                        """)
                } else {
                    partIDs.append(try await connection.query("""
                        INSERT INTO clusters (project_id, level, parent_id, auto_name, keywords, representatives, centroid,
                                              radius, size, x, y, first_run_id, last_run_id)
                        SELECT project_id, 0, parent_id, \(values.name), \(values.keywords)::jsonb, \(values.representatives),
                               \(values.centroid), \(values.radius), \(values.size), x, y, last_run_id, last_run_id
                        FROM clusters WHERE id = \(clusterID)
                        RETURNING id
                        """).first!.decode(0, as: Int.self))
                }
            }
            let clusters = result.assignments.map { partIDs[$0] }
            try await connection.query("""
                UPDATE cluster_members m SET cluster_id = t.cluster, similarity = t.similarity, is_outlier = t.outlier
                FROM unnest(\(ids), \(clusters), \(similarities), \(result.isOutlier)) AS t(id, cluster, similarity, outlier)
                WHERE m.conversation_id = t.id
                """)
            try await ClusterStatistics.rebuild(clusters: partIDs, connection: connection)
            try await ClusterEvent.record(projectID: projectID, "split_by_user", clusterID, related: Array(partIDs.dropFirst()), actor: actor,
                            detail: ["parts": .number(String(parts)), "parent": parent.map { .number(String($0)) } ?? .null],
                            connection: connection)
            return partIDs
        }
        await assignments.invalidate(projectID: projectID)
        return newIDs
    }
}
