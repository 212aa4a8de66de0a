import Foundation
import Postgres

/// SQL of the intent taxonomy: intents, examples, human labels, and the JSON documents the API returns.
struct IntentStore: Sendable {
    let pool: PostgresPool

    /// Why an edit could not be made.
    enum EditError: Error {
        case notFound(Int)
        case duplicateName(String)
    }

    /// Every intent with its share of classified conversations, plus the unrecognized count.
    func list(projectID: Int) async throws -> String {
        try await pool.query("""
            WITH counts AS (
                -- From the daily rollup (migration 0015); "last 7 days" are the 7 UTC days up to today.
                SELECT intent_id, sum(conversations) AS total,
                       coalesce(sum(conversations) FILTER (WHERE day > (now() AT TIME ZONE 'UTC')::date - 7), 0) AS last_7_days
                FROM intent_daily_stats WHERE project_id = \(projectID) GROUP BY intent_id HAVING sum(conversations) > 0),
            everything AS (SELECT coalesce(sum(total), 0) AS n FROM counts)
            SELECT json_build_object(
                'intents', coalesce((SELECT json_agg(json_build_object('id', t.id, 'name', t.name,
                    'description', t.description, 'source', t.source, 'cluster_id', t.cluster_id,
                    'examples', (SELECT count(*) FROM intent_examples x WHERE x.intent_id = t.id),
                    'conversations', coalesce(k.total, 0), 'last_7_days', coalesce(k.last_7_days, 0),
                    'share', CASE WHEN e.n > 0 THEN round(coalesce(k.total, 0)::numeric / e.n, 4) ELSE 0 END)
                    ORDER BY t.name)
                    FROM intents t LEFT JOIN counts k ON k.intent_id = t.id CROSS JOIN everything e
                    WHERE t.project_id = \(projectID)), '[]'),
                'unrecognized', coalesce((SELECT total FROM counts WHERE intent_id IS NULL), 0),
                'classified', (SELECT n FROM everything))::text
            """).first!.decode(0, as: String.self)
    }

    /// One intent with its examples and a daily series over the last 30 days; nil when unknown.
    func detail(projectID: Int, intentID: Int) async throws -> String? {
        try await pool.query("""
            SELECT json_build_object('id', t.id, 'name', t.name, 'description', t.description, 'source', t.source,
                'cluster_id', t.cluster_id, 'created_at', t.created_at, 'updated_at', t.updated_at,
                'conversations', (SELECT coalesce(sum(conversations), 0) FROM intent_daily_stats i
                                  WHERE i.project_id = t.project_id AND i.intent_id = t.id),
                'labels', (SELECT count(*) FROM intent_labels l WHERE l.intent_id = t.id),
                'examples', coalesce((SELECT json_agg(json_build_object('id', x.id, 'text', x.text,
                    'conversation_id', x.conversation_id) ORDER BY x.id) FROM intent_examples x
                    WHERE x.intent_id = t.id), '[]'),
                'daily', (SELECT json_agg(json_build_object('day', d.day, 'conversations', (
                    SELECT coalesce(sum(conversations), 0) FROM intent_daily_stats i
                    WHERE i.project_id = t.project_id AND i.intent_id = t.id AND i.day = d.day))
                    ORDER BY d.day)
                    FROM generate_series((now() AT TIME ZONE 'UTC')::date - 29, (now() AT TIME ZONE 'UTC')::date,
                                         interval '1 day') AS g(day), LATERAL (SELECT g.day::date AS day) d))::text
            FROM intents t WHERE t.project_id = \(projectID) AND t.id = \(intentID)
            """).first?.decode(0, as: String.self)
    }

    /// Creates an intent; returns its id.
    func create(projectID: Int, name: String, description: String, source: String = "manual",
                clusterID: Int? = nil, connection: PostgresConnection? = nil) async throws -> Int {
        let query: PostgresQuery = """
            INSERT INTO intents (project_id, name, description, source, cluster_id)
            VALUES (\(projectID), \(name), \(description), \(source), \(clusterID))
            ON CONFLICT DO NOTHING RETURNING id
            """
        let rows = try await execute(query, connection)
        guard let id = try rows.first?.decode(0, as: Int.self) else { throw EditError.duplicateName(name) }
        return id
    }

    func update(projectID: Int, intentID: Int, name: String?, description: String?) async throws {
        let exists = try await pool.query("""
            SELECT 1 FROM intents WHERE project_id = \(projectID) AND id = \(intentID)
            """).first != nil
        guard exists else { throw EditError.notFound(intentID) }
        if let name {
            let clash = try await pool.query("""
                SELECT 1 FROM intents WHERE project_id = \(projectID) AND lower(name) = lower(\(name)) AND id <> \(intentID)
                """).first != nil
            if clash { throw EditError.duplicateName(name) }
        }
        try await pool.query("""
            UPDATE intents SET name = coalesce(\(name), name), description = coalesce(\(description), description),
                updated_at = now()
            WHERE project_id = \(projectID) AND id = \(intentID)
            """)
    }

    func delete(projectID: Int, intentID: Int) async throws -> Bool {
        try await pool.query("DELETE FROM intents WHERE project_id = \(projectID) AND id = \(intentID)").affectedRows > 0
    }

    /// Adds example texts (and optionally the conversations they came from); returns their ids.
    func addExamples(projectID: Int, intentID: Int, texts: [String], conversations: [Int?],
                     connection: PostgresConnection? = nil) async throws -> [Int] {
        let query: PostgresQuery = """
            INSERT INTO intent_examples (intent_id, project_id, text, conversation_id)
            SELECT \(intentID), \(projectID), text, conversation FROM unnest(\(texts), \(conversations)) AS t(text, conversation)
            WHERE EXISTS (SELECT 1 FROM intents WHERE id = \(intentID) AND project_id = \(projectID))
            RETURNING id
            """
        let rows = try await execute(query, connection)
        return try rows.map { try $0.decode(0, as: Int.self) }
    }

    func deleteExample(projectID: Int, intentID: Int, exampleID: Int) async throws -> Bool {
        try await pool.query("""
            DELETE FROM intent_examples WHERE project_id = \(projectID) AND intent_id = \(intentID) AND id = \(exampleID)
            """).affectedRows > 0
    }

    func exists(projectID: Int, intentID: Int) async throws -> Bool {
        try await pool.query("SELECT 1 FROM intents WHERE project_id = \(projectID) AND id = \(intentID)").first != nil
    }

    /// Stores human labels (`intent` nil = out of scope); the latest label of a conversation wins. Conversations of
    /// other projects are ignored. Returns how many labels were stored.
    ///
    /// The same statement as `POST /api/v1/intents/labels`, for the dashboard's labelling screen.
    @discardableResult
    func storeLabels(projectID: Int, conversations: [Int], intents: [Int?], actor: String, source: String)
        async throws -> Int
    {
        try await pool.query("""
            INSERT INTO intent_labels (conversation_id, project_id, intent_id, actor, source)
            SELECT t.id, \(projectID), t.intent, \(actor), \(source) FROM unnest(\(conversations), \(intents)) AS t(id, intent)
            WHERE EXISTS (SELECT 1 FROM conversations c WHERE c.id = t.id AND c.project_id = \(projectID))
              AND (t.intent IS NULL OR EXISTS (SELECT 1 FROM intents i WHERE i.id = t.intent AND i.project_id = \(projectID)))
            ON CONFLICT (conversation_id) DO UPDATE SET intent_id = EXCLUDED.intent_id, actor = EXCLUDED.actor,
                source = EXCLUDED.source, created_at = now()
            """).affectedRows
    }

    private func execute(_ query: PostgresQuery, _ connection: PostgresConnection?) async throws -> PostgresResult {
        if let connection { return try await connection.query(query) }
        return try await pool.query(query)
    }
}
