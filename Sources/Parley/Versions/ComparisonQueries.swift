import Foundation
import Insights
import Postgres

/// The SQL behind a comparison: per side, the volume, flags and feedback, the intent and cluster counts, and a
/// text sample for answer lengths and refusals.
///
/// Everything but the text sample counts every conversation of the side: from the daily rollups (migration 0015)
/// when the side filters on model, prompt version and days only (the usual comparison), else over the side's
/// conversations. Lengths and refusals need the messages, so they are read from a sample: the newest `sampleSize`
/// answered conversations of the side (one index range, and the most recent behaviour of a model is the one worth
/// comparing); the sample sizes are part of the answer.
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
        let rollup = Self.rollupConditions(projectID: projectID, side.filter)
        var data = if let rollup {
            try await totals(rollup: rollup, conditions: conditions)
        } else {
            try await totals(conditions: conditions)
        }
        guard data.conversations > 0 else { return data }
        let model = resolution.intentModelID
        if let rollup {
            if let model {
                for row in try await pool.query("""
                    SELECT coalesce(s.intent_id, -1), sum(s.conversations)::int8 FROM intent_daily_stats s
                    WHERE \(rollup) AND s.classifier_id = \(model) GROUP BY 1 HAVING sum(s.conversations) > 0
                    """) {
                    let (intent, count) = try row.decode((Int, Int).self)
                    data.intents[intent, default: 0] += count
                }
            }
            // cluster_daily_stats writes a missing model or prompt version as ''; the filters here are never empty.
            var clustered = 0
            for row in try await pool.query("""
                SELECT s.cluster_id, sum(s.conversations - s.outliers)::int8 FROM cluster_daily_stats s
                JOIN clusters k ON k.id = s.cluster_id AND k.status = 'active'
                WHERE \(rollup) GROUP BY 1 HAVING sum(s.conversations - s.outliers) > 0
                """) {
                let (cluster, count) = try row.decode((Int, Int).self)
                data.clusters[cluster, default: 0] += count
                clustered += count
            }
            if data.conversations > clustered { data.clusters[Comparison.none, default: 0] += data.conversations - clustered }
        } else {
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
                LEFT JOIN cluster_members m ON m.conversation_id = c.id
                LEFT JOIN clusters k ON k.id = m.cluster_id AND k.status = 'active' AND NOT m.is_outlier
                WHERE \(conditions) GROUP BY 1
                """) {
                let (cluster, count) = try row.decode((Int, Int).self)
                data.clusters[cluster, default: 0] += count
            }
        }
        // The text sample: the newest answered conversations (one index range whatever the side's size), so take
        // a few more ids than needed.
        let ids = try await pool.query("""
            SELECT c.id FROM conversations c WHERE \(conditions)
            ORDER BY c.started_at DESC, c.id DESC LIMIT \(sampleSize * 5 / 4 + 10)
            """).map { try $0.decode(0, as: Int.self) }
        let facts = try await ReplyFacts.load(ids: ids, pool: pool).prefix(sampleSize)
        data.sampled = facts.count
        data.refused = facts.filter(\.refused).count
        data.lengths = Moments(facts.map { Double($0.characters) })
        return data
    }

    /// The rollup rows (`s`, of conversation_daily_stats, intent_daily_stats or cluster_daily_stats) of a side
    /// that filters on nothing but the model, the prompt version and whole days; nil for any other filter (those
    /// sides are counted from the conversations).
    static func rollupConditions(projectID: Int, _ filter: ConversationFilter) -> PostgresQuery? {
        var rest = filter
        (rest.model, rest.promptVersion, rest.from, rest.to) = ("", "", "", "")
        guard rest.isEmpty else { return nil }
        var sql: PostgresQuery = "s.project_id = \(projectID)"
        if !filter.model.isEmpty { sql = "\(sql) AND s.model = \(filter.model)" }
        if !filter.promptVersion.isEmpty { sql = "\(sql) AND s.prompt_version = \(filter.promptVersion)" }
        if let from = ConversationFilter.day(filter.from) { sql = "\(sql) AND s.day >= \(Self.utcDay(from))" }
        if let to = ConversationFilter.day(filter.to) { sql = "\(sql) AND s.day <= \(Self.utcDay(to))" }
        return sql
    }

    private static func utcDay(_ date: Date) -> PostgresQuery { "(\(date)::timestamptz AT TIME ZONE 'UTC')::date" }

    /// Volume, flags and feedback from the daily rollup; the first and last start are looked up within their day.
    private func totals(rollup: PostgresQuery, conditions: PostgresQuery) async throws -> Comparison.SideData {
        var data = Comparison.SideData()
        guard let row = try await pool.query("""
            SELECT coalesce(sum(s.conversations), 0)::int8, coalesce(sum(s.flagged), 0)::int8,
                   coalesce(sum(s.thumbs_up), 0)::int8, coalesce(sum(s.thumbs_down), 0)::int8,
                   coalesce(sum(s.ratings), 0)::int8, coalesce(sum(s.rating_sum), 0)::float8,
                   coalesce(sum(s.rating_squares), 0)::float8,
                   min(s.day) FILTER (WHERE s.conversations > 0), max(s.day) FILTER (WHERE s.conversations > 0)
            FROM conversation_daily_stats s WHERE \(rollup)
            """).first else { return data }
        let (count, flagged, up, down, rated, sum, squares) = try row.decode((Int, Int, Int, Int, Int, Double, Double).self)
        data.conversations = count
        data.flagged = flagged
        data.thumbsUp = up
        data.thumbsDown = down
        data.ratings = Moments(count: rated, sum: sum, sumOfSquares: squares)
        if let firstDay = try row.decode(7, as: Date?.self), let lastDay = try row.decode(8, as: Date?.self) {
            let bounds = try await pool.query("""
                SELECT (SELECT min(c.started_at) FROM conversations c WHERE \(conditions)
                          AND c.started_at >= \(firstDay) AND c.started_at < \(firstDay.addingTimeInterval(86_400))),
                       (SELECT max(c.started_at) FROM conversations c WHERE \(conditions)
                          AND c.started_at >= \(lastDay) AND c.started_at < \(lastDay.addingTimeInterval(86_400)))
                """).first
            data.first = try bounds?.decode(0, as: Date?.self)
            data.last = try bounds?.decode(1, as: Date?.self)
        }
        return data
    }

    /// Volume, flags and feedback counted over the side's conversations.
    private func totals(conditions: PostgresQuery) async throws -> Comparison.SideData {
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
        return data
    }

    private func names(_ query: PostgresQuery) async throws -> [Int: String] {
        Dictionary(try await pool.query(query).map { try $0.decode((Int, String).self) }, uniquingKeysWith: { a, _ in a })
    }
}
