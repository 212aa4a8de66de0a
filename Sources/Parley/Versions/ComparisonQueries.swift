import Foundation
import Insights
import Postgres

/// The SQL behind a comparison: per side, one aggregate over its conversations (volume, flags, feedback), the
/// intent and cluster counts, and a text sample for answer lengths and refusals.
///
/// Everything but the text sample counts every conversation of the side. Lengths and refusals need the messages,
/// so they are read from a fixed pseudo-random sample (`sampleSize` answered conversations, ordered by a hash of
/// the id, so the same data always gives the same sample); the sample sizes are part of the answer.
struct ComparisonQueries: Sendable {
    let pool: PostgresPool
    var sampleSize = 1_000

    /// Compares two sides of a project.
    func compare(projectID: Int, a: ComparisonSide, b: ComparisonSide) async throws -> Comparison {
        async let first = side(projectID: projectID, a)
        async let second = side(projectID: projectID, b)
        let (dataA, dataB) = try await (first, second)
        let intentIDs = Set(dataA.intents.keys).union(dataB.intents.keys).filter { $0 != Comparison.none }
        let clusterIDs = Set(dataA.clusters.keys).union(dataB.clusters.keys).filter { $0 != Comparison.none }
        let intentNames = try await names("SELECT id, name FROM intents WHERE project_id = \(projectID) AND id = ANY(\(Array(intentIDs)))")
        let clusterNames = try await names("""
            SELECT id, coalesce(custom_name, llm_name, auto_name) FROM clusters
            WHERE project_id = \(projectID) AND id = ANY(\(Array(clusterIDs)))
            """)
        return Comparison(a: a, b: b, dataA: dataA, dataB: dataB, intentNames: intentNames, clusterNames: clusterNames)
    }

    /// Cluster sizes (for hiding small clusters from viewers).
    func clusterSizes(projectID: Int, ids: [Int]) async throws -> [Int: Int] {
        Dictionary(try await pool.query("""
            SELECT id, size FROM clusters WHERE project_id = \(projectID) AND id = ANY(\(ids))
            """).map { try $0.decode((Int, Int).self) }, uniquingKeysWith: { a, _ in a })
    }

    /// Everything counted on one side.
    func side(projectID: Int, _ side: ComparisonSide) async throws -> Comparison.SideData {
        let resolution = try await side.filter.resolve(projectID: projectID, pool: pool)
        let conditions = side.filter.conditions(projectID: projectID, resolution: resolution)
        var data = Comparison.SideData()
        if let row = try await pool.query("""
            SELECT count(*),
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM flags f WHERE f.conversation_id = c.id
                                                  AND NOT f.detectors @> \(["drift"]))),
                   count(*) FILTER (WHERE c.feedback_thumb = 1), count(*) FILTER (WHERE c.feedback_thumb = -1),
                   count(c.feedback_rating), coalesce(sum(c.feedback_rating), 0)::float8,
                   coalesce(sum(c.feedback_rating * c.feedback_rating), 0)::float8,
                   min(c.started_at), max(c.started_at)
            FROM conversations c WHERE \(conditions)
            """).first {
            let (count, flagged, up, down, rated, sum, squares, first, last) =
                try row.decode((Int, Int, Int, Int, Int, Double, Double, Date?, Date?).self)
            data.conversations = count
            data.flagged = flagged
            data.thumbsUp = up
            data.thumbsDown = down
            data.ratings = Moments(count: rated, sum: sum, sumOfSquares: squares)
            data.first = first
            data.last = last
        }
        guard data.conversations > 0 else { return data }
        let model = try await pool.query("SELECT id FROM intent_models WHERE project_id = \(projectID) AND active")
            .first?.decode(0, as: Int.self)
        if let model {
            for row in try await pool.query("""
                SELECT coalesce(ci.intent_id, -1), count(*) FROM conversations c
                JOIN conversation_intents ci ON ci.conversation_id = c.id AND ci.model_id = \(model)
                WHERE \(conditions) GROUP BY 1
                """) {
                let (intent, count) = try row.decode((Int, Int).self)
                data.intents[intent, default: 0] += count
            }
        }
        for row in try await pool.query("""
            SELECT coalesce(k.id, -1), count(*) FROM conversations c
            JOIN cluster_members m ON m.conversation_id = c.id
            LEFT JOIN clusters k ON k.id = m.cluster_id AND k.status = 'active' AND NOT m.is_outlier
            WHERE \(conditions) GROUP BY 1
            """) {
            let (cluster, count) = try row.decode((Int, Int).self)
            data.clusters[cluster, default: 0] += count
        }
        // The text sample: answered conversations only, so take a few more ids than needed.
        let ids = try await pool.query("""
            SELECT c.id FROM conversations c WHERE \(conditions) ORDER BY hashint8(c.id), c.id LIMIT \(sampleSize * 5 / 4 + 10)
            """).map { try $0.decode(0, as: Int.self) }
        let facts = try await ReplyFacts.load(ids: ids, pool: pool).prefix(sampleSize)
        data.sampled = facts.count
        data.refused = facts.filter(\.refused).count
        data.lengths = Moments(facts.map { Double($0.characters) })
        return data
    }

    private func names(_ query: PostgresQuery) async throws -> [Int: String] {
        Dictionary(try await pool.query(query).map { try $0.decode((Int, String).self) }, uniquingKeysWith: { a, _ in a })
    }
}
