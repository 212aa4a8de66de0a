import Foundation
import Postgres

extension ClusterQueries {
    /// A conversation shown under a cluster.
    public struct Member: Encodable, Sendable {
        public var parleyID: Int
        public var id: String
        public var similarity: Float
        public var isOutlier: Bool
        public var startedAt: Date
        public var preview: String
        enum CodingKeys: String, CodingKey {
            case parleyID = "parley_id", id, similarity, isOutlier = "is_outlier", startedAt = "started_at", preview
        }
    }

    /// Conversations per value of a dimension (model or prompt version).
    public struct Breakdown: Encodable, Sendable {
        public var value: String
        public var conversations: Int
        public var share: Double
        public var thumbsUp: Int
        public var thumbsDown: Int
        enum CodingKeys: String, CodingKey {
            case value, conversations, share, thumbsUp = "thumbs_up", thumbsDown = "thumbs_down"
        }
    }

    public struct DayCount: Encodable, Sendable {
        public var day: String
        public var conversations: Int
    }

    public struct Event: Encodable, Sendable {
        public var kind: String
        public var related: [Int]
        public var actor: String?
        public var detail: JSONValue
        public var at: Date
    }

    public struct Detail: Encodable, Sendable {
        public var cluster: Node
        public var parent: Node?
        /// Full keywords with weights, best first.
        public var keywords: JSONValue
        /// The most central conversations.
        public var examples: [Member]
        /// A page of members, most similar first; `nextCursor` fetches the next one.
        public var members: [Member]
        public var nextCursor: String?
        /// Conversations per day over the last 30 days (oldest first, every day present).
        public var series: [DayCount]
        public var byModel: [Breakdown]
        public var byPromptVersion: [Breakdown]
        public var history: [Event]
        enum CodingKeys: String, CodingKey {
            case cluster, parent, keywords, examples, members, nextCursor = "next_cursor", series
            case byModel = "by_model", byPromptVersion = "by_prompt_version", history
        }
    }

    /// A member page cursor: `<similarity>_<conversation id>` of the last row shown.
    public struct Cursor: Sendable {
        var similarity: Float
        var conversationID: Int

        public init?(_ text: String) {
            let parts = text.split(separator: "_")
            guard parts.count == 2, let s = Float(parts[0]), let id = Int(parts[1]) else { return nil }
            similarity = s
            conversationID = id
        }

        init(similarity: Float, conversationID: Int) {
            self.similarity = similarity
            self.conversationID = conversationID
        }

        var text: String { "\(similarity)_\(conversationID)" }
    }

    /// One active cluster or group of the project, or nil. `tree` is the project's whole tree when the caller has
    /// it already (read here otherwise).
    public func detail(projectID: Int, clusterID: Int, limit: Int = 50, cursor: Cursor? = nil,
                       tree known: Tree? = nil) async throws -> Detail? {
        let tree = if let known { known } else { try await tree(projectID: projectID) }
        func find(_ nodes: [Node], parent: Node?) -> (Node, Node?)? {
            for node in nodes {
                if node.id == clusterID { return (node, parent) }
                if let found = find(node.children, parent: node) { return found }
            }
            return nil
        }
        guard let (node, parent) = find(tree.clusters, parent: nil) else { return nil }
        var leaves: [Int] = []
        func collect(_ node: Node) {
            if node.level == 0 { leaves.append(node.id) }
            node.children.forEach(collect)
        }
        collect(node)
        var parentSummary = parent
        parentSummary?.children = []

        let row = try await pool.query("""
            SELECT keywords::text, representatives FROM clusters WHERE id = \(clusterID) AND project_id = \(projectID)
            """).first!
        let (keywords, representatives) = try row.decode((String, [Int]).self)

        let examples = try await members(
            "m.conversation_id = ANY(\(representatives))", leaves: leaves, limit: representatives.count, cursor: nil)
            .sorted { (representatives.firstIndex(of: $0.parleyID) ?? 0) < (representatives.firstIndex(of: $1.parleyID) ?? 0) }
        var page = try await members("true", leaves: leaves, limit: limit + 1, cursor: cursor)
        var next: String?
        if page.count > limit {
            page.removeLast()
            next = page.last.map { Cursor(similarity: $0.similarity, conversationID: $0.parleyID).text }
        }

        var byDay: [String: Int] = [:]
        for row in try await pool.query("""
            SELECT day::text, sum(conversations)::int8 FROM cluster_day_totals
            WHERE cluster_id = ANY(\(leaves)) AND day > current_date - 30 GROUP BY day
            """) {
            let (day, count) = try row.decode((String, Int).self)
            byDay[day] = count
        }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let today = Date()
        let series = (0..<30).reversed().map { offset -> DayCount in
            let day = formatter.string(from: today.addingTimeInterval(-Double(offset) * 86_400))
            return DayCount(day: day, conversations: byDay[day] ?? 0)
        }

        var history: [Event] = []
        for row in try await pool.query("""
            SELECT kind, related, actor, detail::text, created_at FROM cluster_events
            WHERE cluster_id = \(clusterID) ORDER BY id DESC LIMIT 20
            """) {
            let (kind, related, actor, detail, at) = try row.decode((String, [Int], String?, String, Date).self)
            history.append(Event(kind: kind, related: related, actor: actor,
                                 detail: (try? JSONParser.parse(detail)) ?? .object([:]), at: at))
        }
        return Detail(
            cluster: node, parent: parentSummary, keywords: (try? JSONParser.parse(keywords)) ?? .array([]),
            examples: examples, members: page, nextCursor: next, series: series,
            byModel: try await breakdown("model", leaves: leaves, total: node.size),
            byPromptVersion: try await breakdown("prompt_version", leaves: leaves, total: node.size),
            history: history)
    }

    private func members(_ condition: PostgresQuery, leaves: [Int], limit: Int, cursor: Cursor?) async throws -> [Member] {
        let after = cursor?.similarity, afterID = cursor?.conversationID
        // Each leaf's members come in order from cluster_members_cluster, `limit` at most each; the best `limit` of
        // those are the page (a group's members are never sorted all together).
        let query: PostgresQuery = """
            SELECT p.conversation_id, c.external_id, p.similarity, p.is_outlier, c.started_at,
                   left(coalesce((SELECT x->>'content' FROM jsonb_array_elements(c.messages) x
                                  WHERE x->>'role' = 'user' LIMIT 1), ''), 240)
            FROM (SELECT m.conversation_id, m.similarity, m.is_outlier
                  FROM unnest(\(leaves)::int8[]) AS leaf(id)
                  CROSS JOIN LATERAL (
                      SELECT m.conversation_id, m.similarity, m.is_outlier FROM cluster_members m
                      WHERE m.cluster_id = leaf.id
                        AND (\(after)::real IS NULL OR m.similarity < \(after)
                             OR (m.similarity = \(after) AND m.conversation_id > \(afterID)))
                        AND \(condition)
                      ORDER BY m.similarity DESC, m.conversation_id LIMIT \(limit)) m
                  ORDER BY m.similarity DESC, m.conversation_id LIMIT \(limit)) p
            JOIN conversations c ON c.id = p.conversation_id
            ORDER BY p.similarity DESC, p.conversation_id
            """
        return try await pool.query(query).map { row in
            let (id, external, similarity, outlier, started, preview) =
                try row.decode((Int, String, Float, Bool, Date, String).self)
            return Member(parleyID: id, id: external, similarity: similarity, isOutlier: outlier, startedAt: started,
                          preview: preview)
        }
    }

    private func breakdown(_ column: String, leaves: [Int], total: Int) async throws -> [Breakdown] {
        try await pool.query("""
            SELECT \(identifier: column), sum(conversations)::int8, sum(thumbs_up)::int8, sum(thumbs_down)::int8
            FROM cluster_daily_stats WHERE cluster_id = ANY(\(leaves)) GROUP BY 1 ORDER BY 2 DESC, 1
            """).map { row in
            let (value, count, up, down) = try row.decode((String, Int, Int, Int).self)
            return Breakdown(value: value.isEmpty ? "(none)" : value, conversations: count,
                             share: total > 0 ? Double(count) / Double(total) : 0, thumbsUp: up, thumbsDown: down)
        }
    }
}
