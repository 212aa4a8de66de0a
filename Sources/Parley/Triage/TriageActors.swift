import Foundation
import Postgres

/// Who is assigned to or reviews an item. One string form for everyone (see migrations/0009): `user:<id>` for a
/// dashboard user (a row of `users`), `api-key:<id>` for an API key. Before one is stored, the user must be a
/// reviewer or admin of the project, or the key must belong to the project and be unrevoked.
enum TriageActors {
    /// The canonical form of `text`: `me` → `me`, a bare user id → `user:N`, `none` → "" (when allowed); nil when it
    /// is not an actor.
    static func normalise(_ text: String, me: String, allowNone: Bool) -> String? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text == "me" { return me }
        if text == "none" || text == "null" { return allowNone ? "" : nil }
        if let id = Int(text), id > 0 { return "user:\(id)" }
        for prefix in ["user:", "api-key:"] where text.hasPrefix(prefix) {
            if let id = Int(text.dropFirst(prefix.count)), id > 0 { return text }
        }
        return nil
    }

    /// The actor a JSON value names (`12`, `"user:12"`, `"api-key:3"`, `"me"`), checked against the project;
    /// nil for JSON null (unassign).
    /// - Throws: `Problem` 422 when the value is not an actor or not one of the project's.
    static func resolve(_ value: JSONValue, field: String, me: String, projectID: Int,
                        on connection: PostgresConnection) async throws -> String? {
        if value == .null { return nil }
        let text = value.intValue.map(String.init) ?? value.stringValue ?? ""
        guard let actor = normalise(text, me: me, allowNone: false) else {
            throw Problem.invalidFields([.init(path: field, message: "must be a user id, \"user:N\", \"api-key:N\", \"me\" or null")])
        }
        guard try await exists(actor, projectID: projectID, on: connection) else {
            throw Problem.invalidFields([.init(path: field, message: "\(actor) is not a reviewer or admin of this project, "
                + "nor one of its API keys")])
        }
        return actor
    }

    /// Whether `actor` may work on the project's items.
    static func exists(_ actor: String, projectID: Int, on connection: PostgresConnection) async throws -> Bool {
        let parts = actor.split(separator: ":")
        guard parts.count == 2, let id = Int(parts[1]) else { return false }
        switch parts[0] {
        case "user":
            return try await connection.query("""
                SELECT 1 FROM project_memberships m JOIN users u ON u.id = m.user_id
                WHERE m.project_id = \(projectID) AND m.user_id = \(id) AND m.role IN ('reviewer', 'admin')
                  AND u.disabled_at IS NULL
                """).count > 0
        case "api-key":
            return try await connection.query("""
                SELECT 1 FROM api_keys WHERE project_id = \(projectID) AND id = \(id) AND revoked_at IS NULL
                """).count > 0
        default:
            return false
        }
    }
}
