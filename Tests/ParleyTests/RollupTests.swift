import Foundation
@testable import Parley
import Postgres
import TestSupport
import Testing

/// The daily rollups of migration 0015 and the copies of migration 0016 (conversation_daily_stats, conversation_daily_users, intent_daily_stats,
/// triage_counts, triage_detector_counts, cluster_daily_stats.flagged, cluster_day_totals) against a recomputation from the base tables,
/// after every kind of write the product makes: bulk inserts, re-ingest upserts, feedback updates, predictions
/// written and rewritten, flags added and removed (drift's apart), triage items changed and deleted, concurrent
/// ingests, and `parley_refresh_rollups`.
@Suite struct RollupTests {
    /// Rows of `rollup` that differ from `recomputed` (both: SELECT of the same columns), in either direction.
    static func differences(_ pool: PostgresPool, _ rollup: String, _ recomputed: String) async throws -> Int {
        try await pool.query(PostgresQuery(unsafeSQL: """
            SELECT count(*) FROM (((\(rollup)) EXCEPT (\(recomputed))) UNION ALL ((\(recomputed)) EXCEPT (\(rollup)))) d
            """)).first!.decode(0, as: Int.self)
    }

    static let conversationRollup = """
        SELECT project_id, day, model, prompt_version, conversations, messages, thumbs_up, thumbs_down, ratings,
               rating_sum, rating_squares, flagged
        FROM conversation_daily_stats WHERE conversations <> 0 OR flagged <> 0
        """
    static let conversationLive = """
        SELECT project_id, (started_at AT TIME ZONE 'UTC')::date, model, prompt_version, count(*), sum(message_count),
               count(*) FILTER (WHERE feedback_thumb = 1), count(*) FILTER (WHERE feedback_thumb = -1),
               count(feedback_rating), coalesce(sum(feedback_rating), 0),
               coalesce(sum(feedback_rating * feedback_rating), 0),
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM flags f WHERE f.conversation_id = c.id
                                                AND NOT f.detectors @> '{drift}'))
        FROM conversations c GROUP BY 1, 2, 3, 4
        """
    static let usersRollup = "SELECT project_id, day, end_user_id FROM conversation_daily_users"
    static let usersLive = """
        SELECT DISTINCT project_id, (started_at AT TIME ZONE 'UTC')::date, end_user_id FROM conversations
        WHERE end_user_id IS NOT NULL
        """
    static let intentRollup = """
        SELECT project_id, day, model, prompt_version, classifier_id, intent_id, conversations
        FROM intent_daily_stats WHERE conversations <> 0
        """
    static let intentLive = """
        SELECT i.project_id, (c.started_at AT TIME ZONE 'UTC')::date, c.model, c.prompt_version, i.model_id,
               i.intent_id, count(*)
        FROM conversation_intents i JOIN conversations c ON c.id = i.conversation_id GROUP BY 1, 2, 3, 4, 5, 6
        """
    static let triageRollup = "SELECT project_id, status, priority, assignee, items FROM triage_counts WHERE items <> 0"
    static let triageLive = "SELECT project_id, status, priority, assignee, count(*) FROM triage_items GROUP BY 1, 2, 3, 4"
    static let detectorRollup = "SELECT project_id, detector, items FROM triage_detector_counts WHERE items <> 0"
    static let detectorLive = """
        SELECT project_id, d, count(*) FROM triage_items CROSS JOIN LATERAL unnest(detectors) AS d GROUP BY 1, 2
        """
    static let clusterFlaggedRollup = "SELECT cluster_id, day, model, prompt_version, flagged FROM cluster_daily_stats WHERE flagged <> 0"
    static let clusterFlaggedLive = """
        SELECT m.cluster_id, (c.started_at AT TIME ZONE 'UTC')::date, coalesce(c.model, ''), coalesce(c.prompt_version, ''),
               count(*)
        FROM cluster_members m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.cluster_id IS NOT NULL
          AND EXISTS (SELECT 1 FROM flags f WHERE f.conversation_id = c.id AND NOT f.detectors @> '{drift}')
        GROUP BY 1, 2, 3, 4
        """

    static let clusterTotalsRollup = """
        SELECT cluster_id, day, conversations, outliers, thumbs_up, thumbs_down, rating_sum, rating_count, flagged
        FROM cluster_day_totals WHERE conversations <> 0 OR flagged <> 0
        """
    static let clusterTotalsLive = """
        SELECT cluster_id, day, sum(conversations), sum(outliers), sum(thumbs_up), sum(thumbs_down), sum(rating_sum),
               sum(rating_count), sum(flagged)
        FROM cluster_daily_stats GROUP BY 1, 2
        """

    static func expectExact(_ pool: PostgresPool, _ step: String) async throws {
        #expect(try await differences(pool, clusterTotalsRollup, clusterTotalsLive) == 0, "cluster_day_totals after \(step)")
        #expect(try await differences(pool, conversationRollup, conversationLive) == 0, "conversation_daily_stats after \(step)")
        #expect(try await differences(pool, usersRollup, usersLive) == 0, "conversation_daily_users after \(step)")
        #expect(try await differences(pool, intentRollup, intentLive) == 0, "intent_daily_stats after \(step)")
        #expect(try await differences(pool, triageRollup, triageLive) == 0, "triage_counts after \(step)")
        #expect(try await differences(pool, detectorRollup, detectorLive) == 0, "triage_detector_counts after \(step)")
        #expect(try await differences(pool, clusterFlaggedRollup, clusterFlaggedLive) == 0, "cluster_daily_stats.flagged after \(step)")
        // The copies of a conversation's start, model and prompt version (migrations 0015 and 0016).
        #expect(try await pool.query("""
            SELECT count(*) FROM conversation_intents i JOIN conversations c ON c.id = i.conversation_id
            WHERE (i.started_at, i.model, i.prompt_version) IS DISTINCT FROM (c.started_at, c.model, c.prompt_version)
            """).first!.decode(0, as: Int.self) == 0, "conversation_intents copies after \(step)")
        #expect(try await pool.query("""
            SELECT count(*) FROM cluster_members m JOIN conversations c ON c.id = m.conversation_id
            WHERE m.started_at IS DISTINCT FROM c.started_at
            """).first!.decode(0, as: Int.self) == 0, "cluster_members.started_at after \(step)")
        // The metadata values of migration 0017.
        #expect(try await differences(pool, metadataRows, metadataLive) == 0, "conversation_metadata_values after \(step)")
    }

    static let metadataRows = "SELECT project_id, pair, started_at, conversation_id FROM conversation_metadata_values"
    static let metadataLive = """
        SELECT c.project_id, h, c.started_at, c.id FROM conversations c
        CROSS JOIN LATERAL parley_metadata_hashes(c.metadata) h
        """

    @Test func rollupsFollowEveryWrite() async throws {
        let db = try await TestPostgres.freshDatabase()
        let pool = db.pool
        let project = try await ProjectStore(pool: pool).ensure(slug: "rollups")
        let other = try await ProjectStore(pool: pool).ensure(slug: "other")
        // 300 conversations over 6 days in two projects; some without a model (NULL is a value of the key).
        for p in [project, other] {
            try await pool.query("""
                INSERT INTO conversations (project_id, external_id, model, prompt_version, end_user_id, started_at,
                                           message_count, messages, content_hash, feedback_thumb, feedback_rating,
                                           metadata)
                SELECT \(p), 'c' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'm' || (g % 2) END, 'v' || (g % 2),
                       'u' || (g % 7), timestamptz '2026-11-20 12:00+00' - (g % 6) * interval '1 day', 1 + g % 4, '[]',
                       'h', CASE WHEN g % 4 = 0 THEN -1 WHEN g % 4 = 1 THEN 1 END,
                       CASE WHEN g % 5 = 0 THEN 1 + g % 5 END,
                       jsonb_build_object('tier', 't' || (g % 3), 'vip', g % 10 = 0, 'n', g,
                                          'customer', jsonb_build_object('region', 'r' || (g % 2), 'deep', '{"x": "y"}'::jsonb))
                FROM generate_series(1, 150) g
                """)
        }
        try await Self.expectExact(pool, "bulk insert")
        let before = try await pool.query("""
            SELECT sum(conversations)::int8 FROM conversation_daily_stats WHERE project_id = \(project)
            """).first!.decode(0, as: Int.self)
        #expect(before == 150)

        // Feedback and a model change; a re-ingest that moves a conversation to another day; a new one.
        try await pool.query("""
            UPDATE conversations SET feedback_thumb = 1, feedback_rating = 5, model = 'm9'
            WHERE project_id = \(project) AND external_id IN ('c4', 'c8', 'c3')
            """)
        try await pool.query("""
            UPDATE conversations SET metadata = metadata || '{"tier": "gold", "customer": "none"}'
            WHERE project_id = \(project) AND external_id IN ('c5', 'c6')
            """)
        try await pool.query("""
            INSERT INTO conversations (project_id, external_id, model, started_at, message_count, messages, content_hash)
            VALUES (\(project), 'c10', 'mX', timestamptz '2026-11-01 08:00+00', 5, '[]', 'h2'),
                   (\(project), 'new', 'mX', timestamptz '2026-11-21 08:00+00', 1, '[]', 'h')
            ON CONFLICT (project_id, external_id) DO UPDATE SET model = EXCLUDED.model,
                started_at = EXCLUDED.started_at, message_count = EXCLUDED.message_count
            """)
        try await Self.expectExact(pool, "updates and upserts")

        // Predictions: written by the classifier's own statement, rewritten, some removed; written by hand without
        // the copied columns (a trigger fills them).
        let intentA = try await IntentStore(pool: pool).create(projectID: project, name: "A", description: "")
        let intentB = try await IntentStore(pool: pool).create(projectID: project, name: "B", description: "")
        let ids = try await pool.query("SELECT id FROM conversations WHERE project_id = \(project) ORDER BY id")
            .map { try $0.decode(0, as: Int.self) }
        let classifier = try await pool.query("""
            INSERT INTO intent_models (project_id, version, kind, embedding_model, intent_ids, parameters, threshold)
            VALUES (\(project), 1, 'zero_shot', 'e', \([intentA, intentB]), '\\x00', 0.5) RETURNING id
            """).first!.decode(0, as: Int.self)
        let predictions = ids.map { id in
            IntentModel.Prediction(intentID: id % 3 == 0 ? nil : (id % 2 == 0 ? intentA : intentB), confidence: 0.5,
                                   bestIntentID: intentA)
        }
        try await pool.withConnection { connection in
            _ = try await IntentClassifications.store(projectID: project, modelID: classifier, ids: ids,
                                                      predictions: predictions, connection: connection)
        }
        try await pool.query("UPDATE conversation_intents SET intent_id = NULL WHERE conversation_id % 5 = 0")
        try await pool.query("DELETE FROM conversation_intents WHERE conversation_id % 7 = 0")
        try await pool.query("""
            INSERT INTO conversation_intents (conversation_id, project_id, intent_id, confidence)
            SELECT id, project_id, NULL, 0.1 FROM conversations WHERE project_id = \(other) AND id % 2 = 0
            """)
        try await Self.expectExact(pool, "predictions")

        // A cluster holding some conversations; flags, drift's among them; flags removed.
        let cluster = try await pool.query("""
            INSERT INTO clusters (project_id, level, auto_name, status) VALUES (\(project), 0, 'k', 'active') RETURNING id
            """).first!.decode(0, as: Int.self)
        try await pool.query("""
            INSERT INTO cluster_members (conversation_id, project_id, cluster_id, similarity, is_outlier)
            SELECT id, project_id, \(cluster), 0.9, false FROM conversations WHERE project_id = \(project) AND id % 2 = 1
            """)
        try await pool.withConnection { connection in
            try await ClusterStatistics.rebuild(projectID: project, connection: connection)
        }
        let rules = try await pool.query("""
            INSERT INTO flag_rules (project_id, name, severity, condition, phase, created_by)
            VALUES (\(project), 'r1', 'high', '{}', 'ingest', 'test'), (\(project), 'r2', 'low', '{}', 'ingest', 'test')
            RETURNING id
            """).map { try $0.decode(0, as: Int.self) }
        try await pool.query("""
            INSERT INTO flags (project_id, conversation_id, rule_id, severity, detectors, reason)
            SELECT \(project), c.id, r, 'high',
                   CASE WHEN r = \(rules[1]) AND c.id % 2 = 0 THEN '{drift}'::text[] ELSE '{keywords}' END, 'x'
            FROM conversations c, unnest(\(rules)) r
            WHERE c.project_id = \(project) AND (c.id % 3 = 0 OR (r = \(rules[1]) AND c.id % 4 = 0))
            """)
        try await Self.expectExact(pool, "flags added")
        try await pool.query("DELETE FROM flags WHERE rule_id = \(rules[0]) AND conversation_id % 2 = 0")
        try await Self.expectExact(pool, "flags removed")

        // Triage items: created, changed in bulk, some deleted.
        try await pool.query("""
            INSERT INTO triage_items (project_id, conversation_id, status, priority, detectors)
            SELECT \(project), conversation_id, 'open', 3, array_agg(DISTINCT d ORDER BY d)
            FROM flags CROSS JOIN LATERAL unnest(detectors) d GROUP BY conversation_id
            """)
        try await pool.query("""
            UPDATE triage_items SET status = 'resolved', assignee = 'user:1', closed_at = now() WHERE id % 3 = 0
            """)
        try await pool.query("DELETE FROM triage_items WHERE id % 5 = 0")
        try await Self.expectExact(pool, "triage changes")

        // A recomputation changes nothing.
        let snapshot = try await pool.query(PostgresQuery(unsafeSQL: Self.conversationRollup + " ORDER BY 1, 2, 3, 4"))
            .map { try $0.decode((Int, Date, String?, String?, Int).self) }
        try await pool.query("""
            SELECT parley_refresh_rollups(\(project), DATE '2026-10-01', DATE '2026-12-31')
            """)
        let refreshed = try await pool.query(PostgresQuery(unsafeSQL: Self.conversationRollup + " ORDER BY 1, 2, 3, 4"))
            .map { try $0.decode((Int, Date, String?, String?, Int).self) }
        #expect(snapshot.count == refreshed.count)
        #expect(zip(snapshot, refreshed).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 && $0.2 == $1.2 && $0.3 == $1.3 && $0.4 == $1.4 })
        try await Self.expectExact(pool, "refresh")

        // Deleting conversations (as purge does) then refreshing their days leaves the rollups exact.
        try await pool.query("DELETE FROM conversations WHERE project_id = \(project) AND started_at < timestamptz '2026-11-17 00:00+00'")
        try await pool.query("SELECT parley_refresh_rollups(\(project), DATE '2026-10-01', DATE '2026-11-16')")
        try await Self.expectExact(pool, "delete and refresh")

        // Start and model changed after classification and clustering: the copies in the predictions and cluster
        // members follow (without them the refresh would count the predictions on their old day and model).
        try await pool.query("""
            UPDATE conversations SET model = 'm7', started_at = started_at + interval '1 day'
            WHERE project_id = \(project) AND id % 4 IN (1, 2)
            """)
        try await pool.query("SELECT parley_refresh_rollups(\(project), DATE '2026-10-01', DATE '2026-12-31')")
        try await Self.expectExact(pool, "start and model changed after classification")
    }

    /// Ingest statements of one project running at the same time (the same rollup rows) neither deadlock nor lose
    /// a count.
    @Test func concurrentIngestKeepsExactCounts() async throws {
        let db = try await TestPostgres.freshDatabase(maxConnections: 8)
        let pool = db.pool
        let project = try await ProjectStore(pool: pool).ensure(slug: "busy")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<6 {
                group.addTask {
                    for batch in 0..<10 {
                        let prefix = "w\(worker)-b\(batch)-"
                        try await pool.query("""
                            INSERT INTO conversations (project_id, external_id, model, prompt_version, started_at,
                                                       message_count, messages, content_hash)
                            SELECT \(project), \(prefix) || g, 'm' || (g % 3), 'v' || (g % 2),
                                   timestamptz '2026-11-20 00:00+00' + (g % 2) * interval '1 day', 2, '[]', 'h'
                            FROM generate_series(1, 50) g
                            """)
                    }
                }
            }
            try await group.waitForAll()
        }
        let total = try await pool.query("""
            SELECT sum(conversations)::int8 FROM conversation_daily_stats WHERE project_id = \(project)
            """).first!.decode(0, as: Int.self)
        #expect(total == 6 * 10 * 50)
        try await Self.expectExact(pool, "concurrent ingest")
    }
}
