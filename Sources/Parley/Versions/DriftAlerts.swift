import Foundation
import Postgres

/// The `drift_alerts` table: storing findings without duplicates, flagging the first affected conversations, and
/// reading and acknowledging alerts.
struct DriftAlerts: Sendable {
    /// A stored alert.
    struct Alert: Sendable {
        var id: Int
        var model: String
        var metric: DriftMetric
        var day: Date
        var direction: String
        var beforeValue: Double
        var afterValue: Double
        var beforeCount: Int
        var afterCount: Int
        var pValue: Double
        var effect: Double
        var evidence: JSONValue
        var flaggedConversations: [Int]
        var status: String
        var acknowledgedBy: String?
        var acknowledgedAt: Date?
        var createdAt: Date

        var summary: String { evidence["summary"]?.stringValue ?? "\(metric.title) of \(model) changed" }
    }

    /// The rule under which drift flags are written (one per project, disabled, with a condition no evaluator reads,
    /// so rule evaluation never touches its flags).
    static let ruleName = "Drift detected"
    static let ruleCondition: JSONValue = ["type": "drift"]
    /// How many conversations an alert flags.
    static let flagsPerAlert = 10
    /// A change this close (days) to an alert of the same model and metric is the same change seen again.
    static let sameChangeDays = 3
    /// First key of the per-project advisory lock that serialises alert writing (issue 10).
    private static let lockKey: Int32 = 10_010

    let pool: PostgresPool

    /// Stores the findings that are new, flags their first affected conversations, and returns the new alerts' ids.
    @discardableResult
    func store(_ findings: [DriftFinding], series: DriftSeries, projectID: Int) async throws -> [Int] {
        guard !findings.isEmpty else { return [] }
        return try await pool.withTransaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey), \(Int32(truncatingIfNeeded: projectID)))")
            var created: [Int] = []
            for finding in findings {
                let day = DriftFinding.iso(finding.day)
                guard let id = try await connection.query("""
                    INSERT INTO drift_alerts (project_id, model, metric, day, direction, before_value, after_value,
                                              before_count, after_count, p_value, effect, evidence)
                    SELECT \(projectID), \(finding.model), \(finding.metric.rawValue), \(day)::date, \(finding.direction),
                           \(finding.beforeValue), \(finding.afterValue), \(finding.point.beforeCount),
                           \(finding.point.afterCount), \(finding.point.pValue),
                           \(finding.point.effect.isFinite ? finding.point.effect : 1e9), \(finding.evidence.serialized())::jsonb
                    WHERE NOT EXISTS (
                        SELECT 1 FROM drift_alerts WHERE project_id = \(projectID) AND model = \(finding.model)
                          AND metric = \(finding.metric.rawValue)
                          AND day BETWEEN \(day)::date - \(Int32(Self.sameChangeDays)) AND \(day)::date + \(Int32(Self.sameChangeDays)))
                    RETURNING id
                    """).first?.decode(0, as: Int.self) else { continue }
                created.append(id)
                let flagged = try await flag(finding, alertID: id, series: series, projectID: projectID, on: connection)
                try await connection.query("UPDATE drift_alerts SET flagged_conversations = \(flagged) WHERE id = \(id)")
            }
            return created
        }
    }

    /// Flags the first conversations of the new level that show the change (refused, longer, flagged, of the intent
    /// that grew…), or simply the first ones when none does; conversations already flagged for drift are skipped.
    private func flag(_ finding: DriftFinding, alertID: Int, series: DriftSeries, projectID: Int,
                      on connection: PostgresConnection) async throws -> [Int] {
        let ruleID = try await Self.ruleID(projectID: projectID, on: connection)
        let since = finding.day
        let up = finding.afterValue >= finding.beforeValue
        let later = series.facts.filter { $0.startedAt >= since }
        var candidates: [Int]
        switch finding.metric {
        case .refusalRate:
            candidates = later.filter { $0.refused == up }.map(\.conversationID)
        case .responseLength:
            candidates = later.filter { up ? Double($0.characters) > finding.beforeValue
                : Double($0.characters) < finding.beforeValue }.map(\.conversationID)
        case .flagRate:
            candidates = try await connection.query("""
                SELECT c.id FROM conversations c
                WHERE c.project_id = \(projectID) AND c.model = \(finding.model) AND c.started_at >= \(since)
                  AND EXISTS (SELECT 1 FROM flags f WHERE f.conversation_id = c.id AND NOT f.detectors @> \(["drift"])) = \(up)
                ORDER BY c.started_at, c.id LIMIT 200
                """).map { try $0.decode(0, as: Int.self) }
        case .intentMix:
            candidates = try await connection.query("""
                SELECT c.id FROM conversations c JOIN conversation_intents ci ON ci.conversation_id = c.id
                JOIN intent_models im ON im.id = ci.model_id AND im.active
                WHERE c.project_id = \(projectID) AND c.model = \(finding.model) AND c.started_at >= \(since)
                  AND coalesce(ci.intent_id, -1) = \(finding.intentID ?? Comparison.none)
                ORDER BY c.started_at, c.id LIMIT 200
                """).map { try $0.decode(0, as: Int.self) }
        }
        if candidates.isEmpty {
            candidates = try await connection.query("""
                SELECT c.id FROM conversations c
                WHERE c.project_id = \(projectID) AND c.model = \(finding.model) AND c.started_at >= \(since)
                ORDER BY c.started_at, c.id LIMIT 200
                """).map { try $0.decode(0, as: Int.self) }
        }
        let taken = Set(try await connection.query("""
            SELECT conversation_id FROM flags WHERE rule_id = \(ruleID) AND conversation_id = ANY(\(candidates))
            """).map { try $0.decode(0, as: Int.self) })
        let chosen = Array(candidates.filter { !taken.contains($0) }.prefix(Self.flagsPerAlert))
        guard !chosen.isEmpty else { return [] }
        let rule = FlagRule(id: ruleID, projectID: projectID, name: Self.ruleName, description: "", severity: .medium,
                            enabled: false, condition: .all([]), phase: .ingest, version: 1)
        let summary = finding.evidence["summary"]?.stringValue ?? finding.metric.title
        let records = chosen.map { id in
            FlagRecord(conversationID: id, rule: rule, findings: [
                DetectorFinding(detector: "drift", kind: finding.metric.rawValue,
                                reason: "drift alert \(alertID): \(summary)", excerpt: summary),
            ])
        }
        try await FlagWriter.apply(projectID: projectID, conversations: chosen, ruleIDs: [ruleID], records: records,
                                   on: connection)
        return chosen
    }

    /// The project's drift rule, created on first use.
    static func ruleID(projectID: Int, on connection: PostgresConnection) async throws -> Int {
        if let id = try await connection.query("""
            SELECT id FROM flag_rules WHERE project_id = \(projectID) AND condition @> \(ruleCondition.serialized())::jsonb
            ORDER BY id LIMIT 1
            """).first?.decode(0, as: Int.self) { return id }
        return try await connection.query("""
            INSERT INTO flag_rules (project_id, name, description, severity, enabled, condition, phase, created_by)
            VALUES (\(projectID), \(ruleName),
                    'Written by drift detection (Compare → Drift): the first conversations after a change in a model''s '
                    || 'behaviour, with the evidence. It is not evaluated on conversations.',
                    'medium', false, \(ruleCondition.serialized())::jsonb, 'ingest', 'system:drift')
            RETURNING id
            """).first!.decode(0, as: Int.self)
    }

    // MARK: Reading

    private static let columns: PostgresQuery = """
        id, model, metric, (day - DATE '1970-01-01')::int8, direction, before_value, after_value, before_count, after_count, p_value,
        effect, evidence::text, flagged_conversations, status, acknowledged_by, acknowledged_at, created_at
        """

    /// Alerts newest first (by id), optionally only open ones, after the keyset cursor `before` (an id).
    func list(projectID: Int, status: String? = nil, model: String? = nil, before: Int? = nil,
              limit: Int = 50) async throws -> [Alert] {
        try await pool.query("""
            SELECT \(Self.columns) FROM drift_alerts
            WHERE project_id = \(projectID) AND (\(status)::text IS NULL OR status = \(status))
              AND (\(model)::text IS NULL OR model = \(model)) AND (\(before)::int8 IS NULL OR id < \(before))
            ORDER BY id DESC LIMIT \(limit)
            """).map(Self.alert)
    }

    func alert(projectID: Int, id: Int) async throws -> Alert? {
        try await pool.query("""
            SELECT \(Self.columns) FROM drift_alerts WHERE project_id = \(projectID) AND id = \(id)
            """).first.map(Self.alert)
    }

    /// Marks an alert acknowledged (once: the first acknowledgement is kept); false when there is no such alert.
    func acknowledge(projectID: Int, id: Int, actor: String) async throws -> Bool {
        try await pool.withTransaction { connection in
            guard let status = try await connection.query("""
                SELECT status FROM drift_alerts WHERE project_id = \(projectID) AND id = \(id) FOR UPDATE
                """).first?.decode(0, as: String.self) else { return false }
            guard status == "open" else { return true }
            try await connection.query("""
                UPDATE drift_alerts SET status = 'acknowledged', acknowledged_by = \(actor), acknowledged_at = now()
                WHERE id = \(id)
                """)
            try await connection.query("""
                INSERT INTO audit_log (project_id, actor, action, entity, entity_id, before, after)
                VALUES (\(projectID), \(actor), 'drift.acknowledge', 'drift_alert', \(id),
                        '{"status": "open"}'::jsonb, '{"status": "acknowledged"}'::jsonb)
                """)
            return true
        }
    }

    private static func alert(_ row: PostgresRow) throws -> Alert {
        let (id, model, metric, day, direction, before, after, beforeCount, afterCount, pValue) =
            try row.decode((Int, String, String, Int, String, Double, Double, Int, Int, Double).self)
        return Alert(
            id: id, model: model, metric: DriftMetric(rawValue: metric) ?? .flagRate, day: Date(timeIntervalSince1970: Double(day) * 86_400), direction: direction,
            beforeValue: before, afterValue: after, beforeCount: beforeCount, afterCount: afterCount, pValue: pValue,
            effect: try row.decode(10, as: Double.self),
            evidence: (try? JSONParser.parse(try row.decode(11, as: String.self))) ?? .object([:]),
            flaggedConversations: try row.decode(12, as: [Int].self), status: try row.decode(13, as: String.self),
            acknowledgedBy: try row.decode(14, as: String?.self), acknowledgedAt: try row.decode(15, as: Date?.self),
            createdAt: try row.decode(16, as: Date.self))
    }
}
