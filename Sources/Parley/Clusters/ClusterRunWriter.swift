import Embeddings
import Foundation
import Insights
import Postgres

/// Stores a clustering result as the project's current clusters, in one transaction.
///
/// Identity: the run's clusters are matched one-to-one to the previous run's active ones (and to pinned ones
/// that vanished earlier) by centroid similarity (`ClusterMatching`, Hungarian on 1 − cos, at least 0.8; a pinned
/// cluster needs only 0.6). A matched cluster keeps its id, human name, pin and history; the rest become new
/// clusters, and unmatched previous ones are marked vanished. Splits, merges, new, vanished and reappeared
/// clusters are written to `cluster_events`. Groups (levels 1 and 2) are matched the same way, level by level.
struct ClusterRunWriter {
    let projectID: Int
    let runID: Int
    let model: String
    /// Members written per statement.
    var chunk = 20_000

    struct Previous {
        var ids: [Int] = []
        var pinned: [Bool] = []
        var active: [Bool] = []
        var centroids: [Float] = []
    }

    /// Saves `result` (rows in `conversationIDs` order, `similarities` to their own centroid); returns a one-line
    /// summary of the matching for the job's progress message.
    func save(result: ClusteringResult, conversationIDs ids: [Int], similarities: [Float], naming: ClusterNaming,
              pool: PostgresPool, seconds: Double) async throws -> String {
        let d = result.dimension
        let k = result.clusterCount
        return try await pool.withTransaction { connection in
            // Leaf clusters.
            let previous = try await loadPrevious(level: 0, dimension: d, connection: connection)
            let (clusterIDs, counts) = try await matchAndWrite(
                level: 0, previous: previous, centroids: result.centroids, count: k, dimension: d,
                connection: connection
            ) { i in
                ClusterRow(
                    label: naming.clusters[i], representatives: result.representatives[i].map { ids[$0] },
                    centroid: result.centroid(i), radius: result.radii[i], size: result.sizes[i],
                    outliers: 0, position: result.layout.centroids.indices.contains(i) ? result.layout.centroids[i] : nil)
            }
            // Groups, bottom-up, each level matched to the previous run's groups of that level.
            let hierarchy = result.hierarchy
            var nodeIDs = [Int: Int]()
            for i in 0..<k { nodeIDs[i] = clusterIDs[i] }
            for level in Set(hierarchy.levels.filter { $0 > 0 }).sorted() {
                let nodes = hierarchy.levels.indices.filter { hierarchy.levels[$0] == level }
                var centroids = [Float](repeating: 0, count: nodes.count * d)
                var positions = [SIMD2<Float>](repeating: .zero, count: nodes.count)
                for (g, node) in nodes.enumerated() {
                    for cluster in 0..<k where top(of: cluster, at: level, in: hierarchy) == node {
                        let weight = Float(result.sizes[cluster])
                        for j in 0..<d { centroids[g * d + j] += weight * result.centroids[cluster * d + j] }
                        if result.layout.centroids.indices.contains(cluster) {
                            positions[g] += weight * result.layout.centroids[cluster]
                        }
                    }
                    var norm: Float = 0
                    for j in 0..<d { norm += centroids[g * d + j] * centroids[g * d + j] }
                    let scale = norm > 0 ? 1 / norm.squareRoot() : 0
                    for j in 0..<d { centroids[g * d + j] *= scale }
                    positions[g] /= Float(max(1, hierarchy.sizes[node]))
                }
                let previousGroups = try await loadPrevious(level: level, dimension: d, connection: connection)
                let (groupIDs, _) = try await matchAndWrite(
                    level: level, previous: previousGroups, centroids: centroids, count: nodes.count, dimension: d,
                    connection: connection
                ) { g in
                    ClusterRow(
                        label: naming.groups[nodes[g]] ?? ClusterKeywords.Label(keywords: [], name: ""),
                        representatives: [], centroid: Array(centroids[g * d..<(g + 1) * d]), radius: nil,
                        size: hierarchy.sizes[nodes[g]], outliers: 0, position: positions[g])
                }
                for (g, node) in nodes.enumerated() { nodeIDs[node] = groupIDs[g] }
            }
            // Parents (NULL for the top level).
            var children: [Int] = [], parents: [Int?] = []
            for node in hierarchy.parents.indices {
                guard let id = nodeIDs[node] else { continue }
                children.append(id)
                parents.append(hierarchy.parents[node].flatMap { nodeIDs[$0] })
            }
            try await connection.query("""
                UPDATE clusters SET parent_id = t.parent FROM unnest(\(children), \(parents)) AS t(id, parent)
                WHERE clusters.id = t.id
                """)

            // Members: the run's assignment replaces every earlier one (incremental ones included).
            try await connection.query("DELETE FROM cluster_members WHERE project_id = \(projectID)")
            var outliersPerCluster = [Int](repeating: 0, count: k)
            for start in stride(from: 0, to: ids.count, by: chunk) {
                let range = start..<min(ids.count, start + chunk)
                let members = Array(ids[range])
                let clusters = range.map { clusterIDs[result.assignments[$0]] }
                let outliers = range.map { result.isOutlier[$0] }
                for row in range where result.isOutlier[row] { outliersPerCluster[result.assignments[row]] += 1 }
                try await connection.query("""
                    INSERT INTO cluster_members (conversation_id, project_id, cluster_id, similarity, is_outlier, run_id,
                                                 started_at)
                    SELECT t.id, \(projectID), t.cluster, t.similarity, t.outlier, \(runID), c.started_at
                    FROM unnest(\(members), \(clusters), \(Array(similarities[range])), \(outliers))
                        AS t(id, cluster, similarity, outlier)
                    JOIN conversations c ON c.id = t.id
                    """)
            }
            try await connection.query("""
                UPDATE clusters SET outliers = t.outliers FROM unnest(\(clusterIDs), \(outliersPerCluster)) AS t(id, outliers)
                WHERE clusters.id = t.id
                """)

            // The map's sample of conversations.
            try await connection.query("DELETE FROM cluster_map_points WHERE project_id = \(projectID)")
            let layout = result.layout
            if !layout.pointIndices.isEmpty {
                try await connection.query("""
                    INSERT INTO cluster_map_points (project_id, conversation_id, cluster_id, x, y)
                    SELECT \(projectID), id, cluster, x, y
                    FROM unnest(\(layout.pointIndices.map { ids[$0] }), \(layout.pointIndices.map { clusterIDs[result.assignments[$0]] }),
                                \(layout.points.map(\.x)), \(layout.points.map(\.y))) AS t(id, cluster, x, y)
                    """)
            }
            try await ClusterStatistics.rebuild(projectID: projectID, connection: connection)

            let outliers = result.isOutlier.filter { $0 }.count
            let summary: JSONValue = .object(counts.mapValues { .number(String($0)) })
            try await connection.query("""
                UPDATE cluster_runs SET status = 'completed', conversation_count = \(ids.count), cluster_count = \(k),
                    outlier_count = \(outliers), summary = \(summary.serialized())::jsonb, seconds = \(seconds),
                    finished_at = now()
                WHERE id = \(runID)
                """)
            return counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }
    }

    /// The top-most ancestor of `cluster` at `level`.
    private func top(of cluster: Int, at level: Int, in hierarchy: ClusterHierarchy) -> Int {
        var node = cluster
        while hierarchy.levels[node] < level, let parent = hierarchy.parents[node] { node = parent }
        return node
    }

    /// What a run says about one cluster or group.
    struct ClusterRow {
        var label: ClusterKeywords.Label
        var representatives: [Int]
        var centroid: [Float]
        var radius: Float?
        var size: Int
        var outliers: Int
        var position: SIMD2<Float>?
    }

    private func loadPrevious(level: Int, dimension d: Int, connection: PostgresConnection) async throws -> Previous {
        var previous = Previous()
        for row in try await connection.query("""
            SELECT id, pinned, status = 'active', centroid FROM clusters
            WHERE project_id = \(projectID) AND level = \(level) AND centroid IS NOT NULL
              AND (status = 'active' OR (status = 'vanished' AND pinned))
            ORDER BY id
            """) {
            let (id, pinned, active, centroid) = try row.decode((Int, Bool, Bool, Data).self)
            guard VectorCodec.decode(centroid, dimension: d, into: &previous.centroids) else { continue }
            previous.ids.append(id)
            previous.pinned.append(pinned)
            previous.active.append(active)
        }
        return previous
    }

    /// Matches `count` current centroids to `previous`, updates matched rows, inserts new ones, marks the
    /// unmatched previous ones vanished and records events. Returns the id of every current cluster and counts.
    private func matchAndWrite(
        level: Int, previous: Previous, centroids: [Float], count: Int, dimension d: Int,
        connection: PostgresConnection, row: (Int) -> ClusterRow
    ) async throws -> ([Int], [String: Int]) {
        var outcome = ClusterMatching().match(previous: previous.centroids, current: centroids, dimension: d)
        // Pinned clusters hold on through a weaker match.
        let pinnedLeft = outcome.vanished.filter { previous.pinned[$0] }
        if !pinnedLeft.isEmpty && !outcome.new.isEmpty {
            let left = pinnedLeft.flatMap { previous.centroids[$0 * d..<($0 + 1) * d] }
            let fresh = outcome.new.flatMap { centroids[$0 * d..<($0 + 1) * d] }
            let second = ClusterMatching(threshold: 0.6, relatedThreshold: 0.6).match(previous: left, current: fresh, dimension: d)
            for pair in second.matched {
                outcome.matched.append(.init(previous: pinnedLeft[pair.previous], current: outcome.new[pair.current],
                                             similarity: pair.similarity))
            }
            let taken = Set(second.matched.map { outcome.new[$0.current] })
            let revived = Set(second.matched.map { pinnedLeft[$0.previous] })
            outcome.new.removeAll { taken.contains($0) }
            outcome.vanished.removeAll { revived.contains($0) }
        }
        var ids = [Int](repeating: 0, count: count)
        for pair in outcome.matched {
            let id = previous.ids[pair.previous]
            ids[pair.current] = id
            let r = row(pair.current)
            try await connection.query("""
                UPDATE clusters SET status = 'active', merged_into = NULL,
                    auto_name = CASE WHEN pinned THEN auto_name ELSE \(r.label.name) END,
                    keywords = \(Self.keywords(r.label))::jsonb, representatives = \(r.representatives),
                    centroid = \(VectorCodec.encode(r.centroid)), radius = \(r.radius), size = \(r.size),
                    x = \(r.position?.x), y = \(r.position?.y), last_run_id = \(runID), updated_at = now()
                WHERE id = \(id)
                """)
            if !previous.active[pair.previous] {
                try await ClusterEvent.record(projectID: projectID, runID: runID, "reappeared", id, detail: ["similarity": .number(String(pair.similarity))],
                                connection: connection)
            }
        }
        for current in outcome.new {
            let r = row(current)
            ids[current] = try await connection.query("""
                INSERT INTO clusters (project_id, level, auto_name, keywords, representatives, centroid, radius, size,
                                      x, y, first_run_id, last_run_id)
                VALUES (\(projectID), \(level), \(r.label.name), \(Self.keywords(r.label))::jsonb, \(r.representatives),
                        \(VectorCodec.encode(r.centroid)), \(r.radius), \(r.size), \(r.position?.x), \(r.position?.y),
                        \(runID), \(runID))
                RETURNING id
                """).first!.decode(0, as: Int.self)
        }
        let gone = outcome.vanished.map { previous.ids[$0] }
        try await connection.query("""
            UPDATE clusters SET status = 'vanished', size = 0, updated_at = now() WHERE id = ANY(\(gone))
            """)
        guard level == 0 else { return (ids, [:]) }
        // History of leaf clusters.
        var splitPieces = Set<Int>()
        for split in outcome.splits {
            splitPieces.formUnion(split.current.dropFirst())
            try await ClusterEvent.record(projectID: projectID, runID: runID, "split", previous.ids[split.previous], related: split.current.map { ids[$0] },
                            connection: connection)
        }
        var mergedAway = Set<Int>()
        for merge in outcome.merges {
            mergedAway.formUnion(merge.previous.dropFirst())
            try await ClusterEvent.record(projectID: projectID, runID: runID, "merge", ids[merge.current], related: merge.previous.map { previous.ids[$0] },
                            connection: connection)
        }
        for current in outcome.new where !splitPieces.contains(current) {
            try await ClusterEvent.record(projectID: projectID, runID: runID, "new", ids[current], connection: connection)
        }
        for old in outcome.vanished where previous.active[old] && !mergedAway.contains(old) {
            try await ClusterEvent.record(projectID: projectID, runID: runID, "vanished", previous.ids[old], connection: connection)
        }
        let counts = [
            "matched": outcome.matched.count, "new": outcome.new.count,
            "vanished": outcome.vanished.filter { previous.active[$0] }.count,
            "splits": outcome.splits.count, "merges": outcome.merges.count,
        ]
        return (ids, counts)
    }

    static func keywords(_ label: ClusterKeywords.Label) -> String {
        JSONValue.array(label.keywords.map {
            .object(["term": .string($0.term), "weight": .number(String(format: "%.4f", $0.weight))])
        }).serialized()
    }
}

/// A row of a cluster's history (`cluster_events`), from a run (`runID`) or a person (`actor`).
enum ClusterEvent {
    static func record(projectID: Int, runID: Int? = nil, _ kind: String, _ clusterID: Int, related: [Int] = [],
                       actor: String? = nil, detail: [String: JSONValue] = [:], connection: PostgresConnection)
        async throws
    {
        try await connection.query("""
            INSERT INTO cluster_events (project_id, run_id, kind, cluster_id, related, actor, detail)
            VALUES (\(projectID), \(runID), \(kind), \(clusterID), \(related), \(actor),
                    \(JSONValue.object(detail).serialized())::jsonb)
            """)
    }
}
