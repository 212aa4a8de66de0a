import Postgres

/// Stores the outcome of evaluating rules on conversations: flags that fire are written (or refreshed), flags of the
/// evaluated rules that no longer fire are removed, and every conversation whose flags changed gets its triage item
/// created or its priority set to the rank of its worst flag, with an audit row.
///
/// A conversation whose flags all disappear keeps its triage item (someone may be working on it).
enum FlagWriter {
    /// The actor of changes made by rules.
    static let actor = "system:flags"
    /// First key of the per-project advisory lock that serialises flag writes (issue 8).
    private static let lockKey: Int32 = 8_008

    /// - Parameters:
    ///   - conversations: every conversation that was evaluated;
    ///   - ruleIDs: every rule that was evaluated on them;
    ///   - records: the flags that fire.
    /// - Returns: how many conversations' flags changed.
    @discardableResult
    static func apply(projectID: Int, conversations: [Int], ruleIDs: [Int], records: [FlagRecord],
                      on connection: PostgresConnection) async throws -> Int {
        guard !conversations.isEmpty, !ruleIDs.isEmpty else { return 0 }
        // The ingest-phase job and the post-embedding hook may write flags of one conversation at the same time; the
        // priority is computed from every committed flag, so writers of a project take turns (held to commit).
        try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey), \(Int32(truncatingIfNeeded: projectID)))")
        var changed = Set<Int>()
        if !records.isEmpty {
            for row in try await connection.query("""
                INSERT INTO flags (project_id, conversation_id, rule_id, severity, detectors, reason, spans)
                SELECT \(projectID), c, r, s, string_to_array(d, ','), reason, spans::jsonb
                FROM unnest(\(records.map(\.conversationID)), \(records.map(\.ruleID)), \(records.map(\.severity.rawValue)),
                            \(records.map { $0.detectors.joined(separator: ",") }), \(records.map(\.reason)),
                            \(records.map { $0.spans.serialized() })) AS t(c, r, s, d, reason, spans)
                ON CONFLICT (conversation_id, rule_id) DO UPDATE SET
                    severity = EXCLUDED.severity, detectors = EXCLUDED.detectors, reason = EXCLUDED.reason,
                    spans = EXCLUDED.spans, updated_at = now()
                WHERE (flags.severity, flags.detectors, flags.reason, flags.spans)
                      IS DISTINCT FROM (EXCLUDED.severity, EXCLUDED.detectors, EXCLUDED.reason, EXCLUDED.spans)
                RETURNING conversation_id
                """) {
                changed.insert(try row.decode(0, as: Int.self))
            }
        }
        for row in try await connection.query("""
            DELETE FROM flags f
            WHERE f.conversation_id = ANY(\(conversations)) AND f.rule_id = ANY(\(ruleIDs))
              AND NOT EXISTS (SELECT 1 FROM unnest(\(records.map(\.conversationID)), \(records.map(\.ruleID))) AS k(c, r)
                              WHERE k.c = f.conversation_id AND k.r = f.rule_id)
            RETURNING conversation_id
            """) {
            changed.insert(try row.decode(0, as: Int.self))
        }
        try await reprioritize(projectID: projectID, conversations: Array(changed), on: connection)
        return changed.count
    }

    /// Creates the triage items of conversations that have flags and no item, and sets the priority of existing ones
    /// to the rank of their worst flag (audited), with the rules and detectors of their flags. Items of conversations
    /// that lost every flag keep their priority and status.
    static func reprioritize(projectID: Int, conversations changed: [Int], on connection: PostgresConnection) async throws {
        guard !changed.isEmpty else { return }
        try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey), \(Int32(truncatingIfNeeded: projectID)))")
        try await connection.query("""
            WITH worst AS (
                SELECT conversation_id, max(\(Severity.rankSQL("severity"))) AS priority,
                       array_agg(DISTINCT rule_id ORDER BY rule_id) AS rule_ids
                FROM flags WHERE conversation_id = ANY(\(changed)) GROUP BY conversation_id
            ), detected AS (
                SELECT f.conversation_id, array_agg(DISTINCT d ORDER BY d) AS detectors
                FROM flags f CROSS JOIN LATERAL unnest(f.detectors) AS d
                WHERE f.conversation_id = ANY(\(changed)) GROUP BY f.conversation_id
            ), before AS (
                SELECT conversation_id, priority FROM triage_items WHERE conversation_id = ANY(\(changed))
            ), stored AS (
                INSERT INTO triage_items (project_id, conversation_id, priority, rule_ids, detectors)
                SELECT \(projectID), w.conversation_id, w.priority, w.rule_ids, coalesce(d.detectors, '{}')
                FROM worst w LEFT JOIN detected d ON d.conversation_id = w.conversation_id
                ON CONFLICT (conversation_id) DO UPDATE SET priority = EXCLUDED.priority, rule_ids = EXCLUDED.rule_ids,
                    detectors = EXCLUDED.detectors, last_flagged_at = now(),
                    updated_at = CASE WHEN triage_items.priority <> EXCLUDED.priority THEN now()
                                      ELSE triage_items.updated_at END
                RETURNING id, conversation_id, priority, status, (xmax = 0) AS inserted
            )
            INSERT INTO audit_log (project_id, actor, action, entity, entity_id, before, after)
            SELECT \(projectID), \(actor), CASE WHEN s.inserted THEN 'triage.create' ELSE 'triage.reprioritize' END,
                   'triage_item', s.id,
                   CASE WHEN s.inserted THEN NULL ELSE jsonb_build_object('priority', b.priority) END,
                   jsonb_build_object('conversation_id', s.conversation_id, 'priority', s.priority, 'status', s.status)
            FROM stored s LEFT JOIN before b ON b.conversation_id = s.conversation_id
            WHERE s.inserted OR b.priority IS DISTINCT FROM s.priority
            """)
        try await connection.query("""
            UPDATE triage_items t SET rule_ids = '{}', detectors = '{}'
            WHERE t.conversation_id = ANY(\(changed)) AND t.rule_ids <> '{}'
              AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.conversation_id = t.conversation_id)
            """)
    }
}
