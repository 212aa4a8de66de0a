import Foundation
@testable import Parley
import Postgres
import Synchronization
import TestSupport
import Testing

/// `parley purge` (`ConversationPurger`) against the real database: old conversations go with everything derived
/// from them, recent ones and other projects stay whole, cluster statistics stay exact, and a re-run is harmless.
@Suite struct PurgeTests {
    /// Two projects; in `a`, 30 conversations 200 days old and 20 from yesterday, each with an embedding, a search
    /// row, queued work, a flag, a triage item, a prediction and a cluster membership; in `b`, 10 old ones.
    static func seed(_ pool: PostgresPool) async throws -> (a: Int, b: Int, cluster: Int) {
        let projects = ProjectStore(pool: pool)
        let a = try await projects.ensure(slug: "a"), b = try await projects.ensure(slug: "b")
        for (project, prefix, count, age) in [(a, "old", 30, 200), (a, "new", 20, 1), (b, "old", 10, 200)] {
            try await pool.query("""
                INSERT INTO conversations (project_id, external_id, started_at, message_count, messages, content_hash,
                                           model, feedback_thumb, feedback_rating)
                SELECT \(project), \(prefix) || '-' || g, now() - \(age) * interval '1 day' - g * interval '1 hour',
                       1, '[{"role": "user", "content": "hi"}]', 'hash', 'gpt-4o',
                       CASE WHEN g % 3 = 0 THEN -1 WHEN g % 3 = 1 THEN 1 END, 1 + g % 5
                FROM generate_series(1, \(count)) g
                """)
        }
        try await pool.query("""
            INSERT INTO conversation_embeddings (conversation_id, project_id, model, vector)
            SELECT id, project_id, 'minilm', '\\x0000803f'::bytea FROM conversations
            """)
        try await pool.query("""
            INSERT INTO conversation_search (conversation_id, project_id, search)
            SELECT id, project_id, to_tsvector('english', 'hello') FROM conversations
            """)
        try await pool.query("""
            INSERT INTO pending_work (kind, project_id, conversation_id) SELECT 'embed', project_id, id FROM conversations
            """)
        let rule = try #require(try await pool.query("""
            INSERT INTO flag_rules (project_id, name, severity, condition, phase, created_by)
            VALUES (\(a), 'everything', 'low', '{}', 'ingest', 'test') RETURNING id
            """).first?.decode(0, as: Int.self))
        try await pool.query("""
            INSERT INTO flags (project_id, conversation_id, rule_id, severity, detectors, reason)
            SELECT project_id, id, \(rule), 'low', '{keywords}', 'test' FROM conversations WHERE project_id = \(a)
            """)
        try await pool.query("""
            INSERT INTO triage_items (project_id, conversation_id, priority)
            SELECT project_id, id, 1 FROM conversations WHERE project_id = \(a)
            """)
        let cluster = try #require(try await pool.query("""
            INSERT INTO clusters (project_id, size) VALUES (\(a), 50) RETURNING id
            """).first?.decode(0, as: Int.self))
        try await pool.query("""
            INSERT INTO cluster_members (conversation_id, project_id, cluster_id, similarity, is_outlier)
            SELECT id, project_id, \(cluster), 0.9, id % 4 = 0 FROM conversations WHERE project_id = \(a)
            """)
        let intent = try #require(try await pool.query("""
            INSERT INTO intents (project_id, name) VALUES (\(a), 'greeting') RETURNING id
            """).first?.decode(0, as: Int.self))
        try await pool.query("""
            INSERT INTO conversation_intents (conversation_id, project_id, intent_id, confidence)
            SELECT id, project_id, \(intent), 0.8 FROM conversations WHERE project_id = \(a)
            """)
        try await pool.query("""
            INSERT INTO intent_examples (intent_id, project_id, text, conversation_id)
            SELECT \(intent), \(a), 'hi', id FROM conversations WHERE external_id = 'old-1' AND project_id = \(a)
            """)
        try await pool.withConnection { try await ClusterStatistics.rebuild(projectID: a, connection: $0) }
        return (a, b, cluster)
    }

    /// The statistics rows of a project, as text, for comparison.
    static func statistics(_ pool: PostgresPool, project: Int) async throws -> [String] {
        try await pool.query("""
            SELECT concat_ws(' ', cluster_id, day, model, prompt_version, conversations, outliers, thumbs_up,
                             thumbs_down, rating_sum, rating_count)
            FROM cluster_daily_stats WHERE project_id = \(project) ORDER BY 1
            """).map { try $0.decode(0, as: String.self) }
    }

    static func count(_ pool: PostgresPool, _ sql: PostgresQuery) async throws -> Int {
        try await pool.query(sql).first?.decode(0, as: Int.self) ?? -1
    }

    @Test func purgeDeletesOldConversationsAndEverythingDerivedOnly() async throws {
        let db = try await TestPostgres.freshDatabase()
        let pool = db.pool
        let (a, b, _) = try await Self.seed(pool)
        let cutoff = Date().addingTimeInterval(-90 * 86_400)
        let purger = ConversationPurger(pool: pool, batchSize: 7)

        let planned = try await purger.count(before: cutoff)
        #expect(planned.map(\.project) == ["a", "b"] && planned.map(\.count) == [30, 10])
        let onlyA = try await purger.count(before: cutoff, projectID: a)
        #expect(onlyA.map(\.count) == [30])

        // One project only: b keeps its old conversations.
        let batches = Mutex(0)
        let result = try await purger.purge(before: cutoff, projectID: a) { _ in batches.withLock { $0 += 1 } }
        #expect(result.deleted == 30 && result.batches == 5, "30 in batches of 7: \(result)")
        #expect(batches.withLock { $0 } == 5, "progress after every batch")
        #expect(try await Self.count(pool, "SELECT count(*) FROM conversations WHERE project_id = \(a)") == 20)
        #expect(try await Self.count(pool, "SELECT count(*) FROM conversations WHERE started_at < \(cutoff)") == 10)
        #expect(try await Self.count(pool, "SELECT count(*) FROM conversations WHERE project_id = \(b)") == 10)
        for table in ["conversation_embeddings", "conversation_search", "pending_work", "flags", "triage_items",
                      "cluster_members", "conversation_intents"] {
            let orphans = try await Self.count(pool, """
                SELECT count(*) FROM \(identifier: table) t
                WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = t.conversation_id)
                """)
            #expect(orphans == 0, "\(table) keeps nothing of a purged conversation")
        }
        #expect(try await Self.count(pool, "SELECT count(*) FROM conversation_embeddings WHERE project_id = \(a)") == 20)
        #expect(try await Self.count(pool, "SELECT count(*) FROM flags") == 20)
        #expect(try await Self.count(pool, """
            SELECT count(*) FROM intent_examples WHERE conversation_id IS NULL AND text = 'hi'
            """) == 1, "a training example outlives its conversation, unlinked")

        // The statistics equal a rebuild from what is left.
        let kept = try await Self.statistics(pool, project: a)
        try await pool.withConnection { try await ClusterStatistics.rebuild(projectID: a, connection: $0) }
        #expect(kept == (try await Self.statistics(pool, project: a)))
        #expect(try await Self.count(pool, """
            SELECT coalesce(sum(conversations), 0)::int8 FROM cluster_daily_stats WHERE project_id = \(a)
            """) == 20)

        // A re-run deletes nothing; the rest of the old ones (project b) go with no project given.
        #expect(try await purger.purge(before: cutoff, projectID: a).deleted == 0)
        #expect(try await purger.purge(before: cutoff).deleted == 10)
        #expect(try await Self.count(pool, "SELECT count(*) FROM conversations") == 20)
    }

    @Test func anInterruptedPurgeLosesNothingAndResumes() async throws {
        let db = try await TestPostgres.freshDatabase()
        let pool = db.pool
        let (a, _, _) = try await Self.seed(pool)
        let cutoff = Date().addingTimeInterval(-90 * 86_400)
        let purger = ConversationPurger(pool: pool, batchSize: 4)

        // Cancelled after its second batch: what committed stays deleted, the rest is whole.
        let task = Task {
            try await purger.purge(before: cutoff, projectID: a) { progress in
                if progress.batches == 2 { withUnsafeCurrentTask { $0?.cancel() } }
            }
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(try await Self.count(pool, "SELECT count(*) FROM conversations WHERE project_id = \(a)") == 42)
        #expect(try await Self.count(pool, """
            SELECT count(*) FROM conversations c WHERE project_id = \(a)
                AND NOT EXISTS (SELECT 1 FROM conversation_embeddings e WHERE e.conversation_id = c.id)
            """) == 0, "every remaining conversation still has its embedding")
        let halfway = try await Self.statistics(pool, project: a)
        try await pool.withConnection { try await ClusterStatistics.rebuild(projectID: a, connection: $0) }
        #expect(halfway == (try await Self.statistics(pool, project: a)))

        // Running again finishes the job.
        #expect(try await purger.purge(before: cutoff, projectID: a).deleted == 22)
        #expect(try await Self.count(pool, "SELECT count(*) FROM conversations WHERE project_id = \(a)") == 20)
    }
}
