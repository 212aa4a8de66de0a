import Foundation
import Postgres

/// The read side of clusters, shared by the JSON API and the dashboard: the tree with statistics and trends,
/// and one cluster's details. Counts come from `cluster_day_totals` (a row per cluster and day, kept from
/// `cluster_daily_stats` by a trigger), breakdowns from `cluster_daily_stats`, the last-24-hours figures from the
/// members of the last 48 hours (one range of `cluster_members_recent`, migration 0016).
public struct ClusterQueries: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// A cluster (level 0) or group (levels 1–2) with its statistics; groups add up their clusters.
    public struct Node: Encodable, Sendable {
        public var id: Int
        public var name: String
        public var autoName: String
        public var customName: String?
        /// The optional LLM's name and description (issue 6: only when an endpoint is configured).
        public var llmName: String?
        public var description: String?
        public var pinned: Bool
        public var level: Int
        public var parentID: Int?
        public var keywords: [String]
        public var size = 0
        public var share = 0.0
        public var outliers = 0
        public var last24h = 0
        public var previous24h = 0
        public var last7d = 0
        public var previous7d = 0
        var older = 0
        public var growth24h: Double?
        public var growth7d: Double?
        public var trend = "steady"
        public var thumbsUp = 0
        public var thumbsDown = 0
        var ratingSum = 0
        public var ratingCount = 0
        /// Conversations with at least one flag, and their share of the cluster.
        public var flagged = 0
        public var flagRate: Double?
        /// Mean thumb (−1…1) over conversations with a thumb.
        public var averageThumb: Double?
        public var averageRating: Double?
        public var x: Float?
        public var y: Float?
        public var children: [Node] = []

        enum CodingKeys: String, CodingKey {
            case id, name, autoName = "auto_name", customName = "custom_name", llmName = "llm_name", description, pinned, level, parentID = "parent_id"
            case keywords, size, share, outliers, last24h = "last_24h", previous24h = "previous_24h"
            case last7d = "last_7d", previous7d = "previous_7d", growth24h = "growth_24h", growth7d = "growth_7d"
            case trend, thumbsUp = "thumbs_up", thumbsDown = "thumbs_down", ratingCount = "rating_count"
            case averageThumb = "average_thumb", averageRating = "average_rating", flagged, flagRate = "flag_rate"
            case x, y, children
        }

        mutating func add(_ other: Node) {
            size += other.size
            outliers += other.outliers
            last24h += other.last24h
            previous24h += other.previous24h
            last7d += other.last7d
            previous7d += other.previous7d
            older += other.older
            thumbsUp += other.thumbsUp
            thumbsDown += other.thumbsDown
            ratingSum += other.ratingSum
            ratingCount += other.ratingCount
            flagged += other.flagged
        }

        mutating func finish(total: Int) {
            share = total > 0 ? Double(size) / Double(total) : 0
            growth24h = previous24h > 0 ? Double(last24h - previous24h) / Double(previous24h) : nil
            growth7d = previous7d > 0 ? Double(last7d - previous7d) / Double(previous7d) : nil
            trend = ClusterQueries.trend(last7d: last7d, previous7d: previous7d, older: older)
            averageThumb = thumbsUp + thumbsDown > 0 ? Double(thumbsUp - thumbsDown) / Double(thumbsUp + thumbsDown) : nil
            averageRating = ratingCount > 0 ? Double(ratingSum) / Double(ratingCount) : nil
            flagRate = size > 0 ? Double(flagged) / Double(size) : nil
        }
    }

    /// The trend label of a cluster from its conversations in the last 7 days, the 7 before, and earlier:
    /// `new` (nothing before the last 7 days), `rising` / `fading` (at least ±5 conversations and +25 % / −20 %
    /// week over week), else `steady`.
    public static func trend(last7d: Int, previous7d: Int, older: Int) -> String {
        if older == 0 && last7d > 0 { return "new" }
        if last7d >= previous7d + 5 && Double(last7d) >= 1.25 * Double(previous7d) { return "rising" }
        if previous7d >= last7d + 5 && Double(last7d) <= 0.8 * Double(previous7d) { return "fading" }
        return "steady"
    }

    /// The latest completed run, summarised.
    public struct RunSummary: Encodable, Sendable {
        public var id: Int
        public var model: String
        public var conversations: Int
        public var clusters: Int
        public var outliers: Int
        public var seconds: Double
        public var finishedAt: Date
        enum CodingKeys: String, CodingKey {
            case id, model, conversations, clusters, outliers, seconds, finishedAt = "finished_at"
        }
    }

    public struct Tree: Encodable, Sendable {
        public var run: RunSummary?
        /// Conversations in a cluster.
        public var assigned: Int
        /// Conversations embedded after the last run and too far from every cluster.
        public var unassigned: Int
        /// Top-level nodes, largest first, each with its children.
        public var clusters: [Node]
    }

    /// Every active cluster and group of a project as a tree; clusters smaller than `minimumSize` are left out
    /// (for viewers, so that small clusters cannot expose individuals).
    public func tree(projectID: Int, minimumSize: Int = 0) async throws -> Tree {
        var nodes = try await nodes(projectID: projectID, ids: nil)
        let total = nodes.values.filter { $0.level == 0 }.reduce(0) { $0 + $1.size }
        // Groups add up their children, bottom-up.
        for level in 1...2 {
            for (id, node) in nodes where node.level == level - 1 {
                guard let parent = node.parentID, nodes[parent] != nil else { continue }
                nodes[parent]!.add(nodes[id]!)
            }
        }
        for id in nodes.keys { nodes[id]!.finish(total: total) }
        func build(_ id: Int) -> Node? {
            guard var node = nodes[id], node.size >= minimumSize || node.level > 0 else { return nil }
            node.children = nodes.values.filter { $0.parentID == id }.map(\.id).compactMap(build)
                .sorted { ($0.size, $1.id) > ($1.size, $0.id) }
            if node.level > 0 && node.children.isEmpty { return nil }
            return node
        }
        let roots = nodes.values.filter { $0.parentID == nil || nodes[$0.parentID!] == nil }.map(\.id)
            .compactMap(build).sorted { ($0.size, $1.id) > ($1.size, $0.id) }
        let unassigned = try await pool.query("""
            SELECT count(*) FROM cluster_members WHERE project_id = \(projectID) AND cluster_id IS NULL
            """).first!.decode(0, as: Int.self)
        return Tree(run: try await latestRun(projectID: projectID), assigned: total, unassigned: unassigned,
                    clusters: roots)
    }

    func latestRun(projectID: Int) async throws -> RunSummary? {
        guard let row = try await pool.query("""
            SELECT id, model, coalesce(conversation_count, 0), coalesce(cluster_count, 0), coalesce(outlier_count, 0),
                   coalesce(seconds, 0), finished_at
            FROM cluster_runs WHERE project_id = \(projectID) AND status = 'completed' ORDER BY id DESC LIMIT 1
            """).first else { return nil }
        let (id, model, conversations, clusters, outliers, seconds, finished) =
            try row.decode((Int, String, Int, Int, Int, Double, Date).self)
        return RunSummary(id: id, model: model, conversations: conversations, clusters: clusters, outliers: outliers,
                          seconds: seconds, finishedAt: finished)
    }

    /// Active nodes of a project (or just `ids`) with their own statistics (groups have none of their own).
    func nodes(projectID: Int, ids: [Int]?) async throws -> [Int: Node] {
        var nodes: [Int: Node] = [:]
        for row in try await pool.query("""
            SELECT c.id, c.level, c.parent_id, c.auto_name, c.custom_name, c.pinned, c.keywords::text, c.x, c.y,
                   c.llm_name, c.description,
                   coalesce(s.total, 0), coalesce(s.outliers, 0), coalesce(s.last7, 0), coalesce(s.prev7, 0),
                   coalesce(s.older, 0), coalesce(s.up, 0), coalesce(s.down, 0), coalesce(s.rsum, 0), coalesce(s.rcount, 0),
                   coalesce(s.flagged, 0)
            FROM clusters c LEFT JOIN (
                SELECT cluster_id, sum(conversations)::int8 AS total, sum(outliers)::int8 AS outliers,
                       (sum(conversations) FILTER (WHERE day > current_date - 7))::int8 AS last7,
                       (sum(conversations) FILTER (WHERE day <= current_date - 7 AND day > current_date - 14))::int8 AS prev7,
                       (sum(conversations) FILTER (WHERE day <= current_date - 7))::int8 AS older,
                       sum(thumbs_up)::int8 AS up, sum(thumbs_down)::int8 AS down,
                       sum(rating_sum)::int8 AS rsum, sum(rating_count)::int8 AS rcount, sum(flagged)::int8 AS flagged
                FROM cluster_day_totals WHERE project_id = \(projectID) GROUP BY cluster_id) s ON s.cluster_id = c.id
            WHERE c.project_id = \(projectID) AND c.status = 'active' AND (\(ids == nil) OR c.id = ANY(\(ids ?? [])))
            """) {
            let (id, level, parent, autoName, customName, pinned, keywords, x, y) =
                try row.decode((Int, Int, Int?, String, String?, Bool, String, Float?, Float?).self)
            let llmName = try row.decode(9, as: String?.self), description = try row.decode(10, as: String?.self)
            var node = Node(
                id: id, name: customName ?? llmName ?? autoName, autoName: autoName, customName: customName,
                llmName: llmName, description: description, pinned: pinned,
                level: level, parentID: parent,
                keywords: ((try? JSONParser.parse(keywords))?.arrayValue ?? []).compactMap { $0["term"]?.stringValue },
                x: x, y: y)
            node.size = try row.decode(11, as: Int.self)
            node.outliers = try row.decode(12, as: Int.self)
            node.last7d = try row.decode(13, as: Int.self)
            node.previous7d = try row.decode(14, as: Int.self)
            node.older = try row.decode(15, as: Int.self)
            node.thumbsUp = try row.decode(16, as: Int.self)
            node.thumbsDown = try row.decode(17, as: Int.self)
            node.ratingSum = try row.decode(18, as: Int.self)
            node.ratingCount = try row.decode(19, as: Int.self)
            node.flagged = try row.decode(20, as: Int.self)
            nodes[id] = node
        }
        for row in try await pool.query("""
            SELECT cluster_id, count(*) FILTER (WHERE started_at > now() - interval '24 hours'),
                   count(*) FILTER (WHERE started_at <= now() - interval '24 hours')
            FROM cluster_members
            WHERE project_id = \(projectID) AND started_at > now() - interval '48 hours' AND cluster_id IS NOT NULL
              AND (\(ids == nil) OR cluster_id = ANY(\(ids ?? [])))
            GROUP BY 1
            """) {
            let (id, last, previous) = try row.decode((Int, Int, Int).self)
            nodes[id]?.last24h = last
            nodes[id]?.previous24h = previous
        }
        return nodes
    }
}
