import Postgres

/// Maintains `cluster_daily_stats`: conversations, outliers, feedback and flagged conversations per cluster, day (of
/// `started_at`, UTC), model and prompt version. (Flags that come or go later are followed by a trigger on flags,
/// migration 0015.)
enum ClusterStatistics {
    /// The aggregate over members matching `filter` (a condition on `m`, the member row).
    private static func aggregate(_ filter: PostgresQuery) -> PostgresQuery {
        """
            SELECT m.project_id, m.cluster_id, (c.started_at AT TIME ZONE 'UTC')::date,
                   coalesce(c.model, ''), coalesce(c.prompt_version, ''), count(*)::int,
                   (count(*) FILTER (WHERE m.is_outlier))::int,
                   (count(*) FILTER (WHERE c.feedback_thumb = 1))::int,
                   (count(*) FILTER (WHERE c.feedback_thumb = -1))::int,
                   coalesce(sum(c.feedback_rating), 0)::int, count(c.feedback_rating)::int,
                   (count(*) FILTER (WHERE EXISTS (SELECT 1 FROM flags f WHERE f.conversation_id = c.id
                                                     AND NOT f.detectors @> '{drift}')))::int
            FROM cluster_members m JOIN conversations c ON c.id = m.conversation_id
            WHERE m.cluster_id IS NOT NULL AND \(filter)
            GROUP BY 1, 2, 3, 4, 5
            """
    }

    private static let columns: PostgresQuery = """
        INSERT INTO cluster_daily_stats (project_id, cluster_id, day, model, prompt_version, conversations, outliers,
                                         thumbs_up, thumbs_down, rating_sum, rating_count, flagged)
        """

    /// Recomputes every row of a project (after a run).
    static func rebuild(projectID: Int, connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM cluster_daily_stats WHERE project_id = \(projectID)")
        var insert = columns
        insert.append(aggregate("m.project_id = \(projectID)"))
        try await connection.query(insert)
    }

    /// Recomputes the rows of some clusters (after a merge or split).
    static func rebuild(clusters: [Int], connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM cluster_daily_stats WHERE cluster_id = ANY(\(clusters))")
        var insert = columns
        insert.append(aggregate("m.cluster_id = ANY(\(clusters))"))
        try await connection.query(insert)
    }

    /// Adds newly assigned conversations.
    static func add(conversations: [Int], connection: PostgresConnection) async throws {
        var insert = columns
        insert.append(aggregate("m.conversation_id = ANY(\(conversations))"))
        insert.append("""
             ON CONFLICT (cluster_id, day, model, prompt_version) DO UPDATE SET
                conversations = cluster_daily_stats.conversations + EXCLUDED.conversations,
                outliers = cluster_daily_stats.outliers + EXCLUDED.outliers,
                thumbs_up = cluster_daily_stats.thumbs_up + EXCLUDED.thumbs_up,
                thumbs_down = cluster_daily_stats.thumbs_down + EXCLUDED.thumbs_down,
                rating_sum = cluster_daily_stats.rating_sum + EXCLUDED.rating_sum,
                rating_count = cluster_daily_stats.rating_count + EXCLUDED.rating_count,
                flagged = cluster_daily_stats.flagged + EXCLUDED.flagged
            """)
        try await connection.query(insert)
    }
}
