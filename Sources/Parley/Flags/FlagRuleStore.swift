import Foundation
import Postgres

/// Saves flag rules; every change is written to the audit log with the rule before and after, and queues the
/// rule's re-evaluation over its project.
struct FlagRuleStore: Sendable {
    let pool: PostgresPool
    let registry: DetectorRegistry

    /// The fields of a rule as sent by a client; nil fields are left as they are (PATCH).
    struct Input: Sendable {
        var name: String?
        var description: String?
        var severity: Severity?
        var enabled: Bool?
        var condition: FlagCondition?

        /// Reads and validates the fields; `creating` requires name and condition. Regular expressions are probed,
        /// which is CPU work: call from `offThread`.
        /// - Throws: `Problem` 422 listing every invalid field.
        static func parse(_ object: [String: JSONValue], creating: Bool, registry: DetectorRegistry) throws -> Input {
            var errors: [Problem.FieldError] = []
            var input = Input()
            let known: Set<String> = ["name", "description", "severity", "enabled", "condition"]
            for key in object.keys.sorted() where !known.contains(key) {
                errors.append(.init(path: key, message: "is not a field of a rule (name, description, severity, enabled, condition)"))
            }
            if let value = object["name"] {
                let text = value.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                if text.isEmpty || text.unicodeScalars.count > 200 { errors.append(.init(path: "name", message: "must be 1 to 200 characters")) }
                input.name = text
            } else if creating {
                errors.append(.init(path: "name", message: "is required"))
            }
            if let value = object["description"] {
                if let text = value.stringValue, text.count <= 2_000 { input.description = text } else {
                    errors.append(.init(path: "description", message: "must be a string of at most 2000 characters"))
                }
            }
            if let value = object["severity"] {
                if let severity = value.stringValue.flatMap(Severity.init(rawValue:)) { input.severity = severity } else {
                    errors.append(.init(path: "severity", message: "must be low, medium, high or critical"))
                }
            } else if creating {
                input.severity = .medium
            }
            if let value = object["enabled"] {
                if let flag = value.boolValue { input.enabled = flag } else {
                    errors.append(.init(path: "enabled", message: "must be true or false"))
                }
            }
            if let value = object["condition"] {
                input.condition = FlagCondition.parse(value, path: "condition", registry: registry, errors: &errors)
            } else if creating {
                errors.append(.init(path: "condition", message: "is required, e.g. {\"type\": \"detector\", \"name\": \"pii\"}"))
            }
            guard errors.isEmpty else { throw Problem.invalidFields(errors, title: "Invalid rule") }
            return input
        }
    }

    static func ruleJSON(_ alias: String = "r") -> PostgresQuery {
        PostgresQuery(unsafeSQL: """
            json_build_object('id', \(alias).id, 'name', \(alias).name, 'description', \(alias).description,
                'severity', \(alias).severity, 'enabled', \(alias).enabled, 'condition', \(alias).condition,
                'phase', \(alias).phase, 'version', \(alias).version, 'created_by', \(alias).created_by,
                'created_at', \(alias).created_at, 'updated_at', \(alias).updated_at,
                'flags', (SELECT count(*) FROM flags f WHERE f.rule_id = \(alias).id))
            """)
    }

    /// Every rule of a project as `{"rules": […]}`.
    func list(projectID: Int) async throws -> String {
        let rows = try await pool.query("""
            SELECT coalesce(json_agg(\(Self.ruleJSON()) ORDER BY r.id), '[]')::text FROM flag_rules r
            WHERE r.project_id = \(projectID)
            """)
        return "{\"rules\":\(try rows.first?.decode(0, as: String.self) ?? "[]")}"
    }

    /// One rule as JSON, or nil.
    func show(projectID: Int, ruleID: Int) async throws -> String? {
        try await pool.query("""
            SELECT \(Self.ruleJSON())::text FROM flag_rules r WHERE r.project_id = \(projectID) AND r.id = \(ruleID)
            """).first?.decode(0, as: String.self)
    }

    /// Creates a rule; returns its id.
    func create(projectID: Int, input: Input, actor: String) async throws -> Int {
        guard let condition = input.condition, let name = input.name else { return 0 }
        return try await pool.withTransaction { connection in
            let phase: FlagRule.Phase = condition.needsEmbedding(registry) ? .embedded : .ingest
            let id = try await connection.query("""
                INSERT INTO flag_rules (project_id, name, description, severity, enabled, condition, phase, created_by)
                VALUES (\(projectID), \(name), \(input.description ?? ""), \((input.severity ?? .medium).rawValue),
                        \(input.enabled ?? true), \(condition.json.serialized())::jsonb, \(phase.rawValue), \(actor))
                RETURNING id
                """).first?.decode(0, as: Int.self) ?? 0
            try await audit(projectID: projectID, ruleID: id, action: "rule.create", actor: actor, before: nil, on: connection)
            return id
        }
    }

    /// Applies the given fields; nil when there is no such rule, else whether something changed.
    func update(projectID: Int, ruleID: Int, input: Input, actor: String) async throws -> Bool? {
        try await pool.withTransaction { connection in
            guard let before = try await connection.query("""
                SELECT to_jsonb(r)::text FROM flag_rules r WHERE project_id = \(projectID) AND id = \(ruleID) FOR UPDATE
                """).first?.decode(0, as: String.self) else { return nil }
            let phase = input.condition.map { ($0.needsEmbedding(registry) ? FlagRule.Phase.embedded : .ingest).rawValue }
            let changed = try await connection.query("""
                UPDATE flag_rules SET
                    name = coalesce(\(input.name), name), description = coalesce(\(input.description), description),
                    severity = coalesce(\(input.severity?.rawValue), severity), enabled = coalesce(\(input.enabled), enabled),
                    condition = coalesce(\(input.condition?.json.serialized())::jsonb, condition),
                    phase = coalesce(\(phase), phase), version = version + 1, updated_at = now()
                WHERE id = \(ruleID)
                  AND (name, description, severity, enabled, condition)
                      IS DISTINCT FROM (coalesce(\(input.name), name), coalesce(\(input.description), description),
                                        coalesce(\(input.severity?.rawValue), severity), coalesce(\(input.enabled), enabled),
                                        coalesce(\(input.condition?.json.serialized())::jsonb, condition))
                """).affectedRows > 0
            if changed {
                try await audit(projectID: projectID, ruleID: ruleID, action: "rule.update", actor: actor, before: before,
                                on: connection)
            }
            return changed
        }
    }

    /// Deletes a rule and its flags; triage items keep existing, with their priority recomputed from the flags that
    /// remain. False when there is no such rule.
    func delete(projectID: Int, ruleID: Int, actor: String) async throws -> Bool {
        try await pool.withTransaction { connection in
            guard let before = try await connection.query("""
                SELECT to_jsonb(r)::text FROM flag_rules r WHERE project_id = \(projectID) AND id = \(ruleID) FOR UPDATE
                """).first?.decode(0, as: String.self) else { return false }
            let touched = try await connection.query("DELETE FROM flags WHERE rule_id = \(ruleID) RETURNING conversation_id")
                .map { try $0.decode(0, as: Int.self) }
            try await connection.query("DELETE FROM flag_rules WHERE id = \(ruleID)")
            try await connection.query("""
                INSERT INTO audit_log (project_id, actor, action, entity, entity_id, before, after)
                VALUES (\(projectID), \(actor), 'rule.delete', 'rule', \(ruleID), \(before)::jsonb, NULL)
                """)
            try await FlagWriter.reprioritize(projectID: projectID, conversations: touched, on: connection)
            return true
        }
    }

    private func audit(projectID: Int, ruleID: Int, action: String, actor: String, before: String?,
                       on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO audit_log (project_id, actor, action, entity, entity_id, before, after)
            SELECT \(projectID), \(actor), \(action), 'rule', r.id, \(before)::jsonb, to_jsonb(r)
            FROM flag_rules r WHERE r.id = \(ruleID)
            """)
    }
}
