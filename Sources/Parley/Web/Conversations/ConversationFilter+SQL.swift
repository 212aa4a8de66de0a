import Foundation
import Postgres

extension ConversationFilter {
    /// What the filters need from other tables, looked up once before the list query so that the planner sees
    /// constants (and their statistics) instead of subqueries.
    struct Resolution: Sendable, Equatable {
        /// The project's active intent model (intent filters read only its predictions); nil when none is active.
        var intentModelID: Int?
        /// The clusters whose members match the cluster filter: the cluster and every cluster below it.
        var clusterIDs: [Int] = []
    }

    /// Looks up the active intent model (the list shows its predictions) and, with a cluster filter, the clusters
    /// below the chosen one.
    func resolve(projectID: Int, pool: PostgresPool) async throws -> Resolution {
        var resolution = Resolution()
        resolution.intentModelID = try await pool.query("""
            SELECT id FROM intent_models WHERE project_id = \(projectID) AND active
            """).first?.decode(0, as: Int.self)
        if let id = Self.id(cluster) {
            resolution.clusterIDs = try await pool.query("""
                SELECT k.id FROM clusters k WHERE k.project_id = \(projectID) AND \(Self.clusterTree(id, projectID))
                """).map { try $0.decode(0, as: Int.self) }
        }
        return resolution
    }

    /// Cluster `id` or a cluster below it (groups have at most two levels under them), for `k` (a `clusters` row).
    private static func clusterTree(_ id: Int, _ projectID: Int) -> PostgresQuery {
        """
        (k.id = \(id) OR k.parent_id = \(id) OR k.parent_id IN (
            SELECT g.id FROM clusters g WHERE g.project_id = \(projectID) AND g.parent_id = \(id)))
        """
    }

    /// The SQL conditions on `c` (a `conversations` row) for `projectID`. Without a `resolution`, the lookups it
    /// holds are written as subqueries (same rows, rougher plans).
    func conditions(projectID: Int, resolution: Resolution? = nil) -> PostgresQuery {
        var sql: PostgresQuery = "c.project_id = \(projectID)"
        if !search.isEmpty {
            sql = """
                \(sql) AND c.id IN (SELECT s.conversation_id FROM conversation_search s
                                    WHERE s.project_id = \(projectID)
                                      AND s.search @@ websearch_to_tsquery('english', \(search)))
                """
        }
        if !model.isEmpty { sql = "\(sql) AND c.model = \(model)" }
        if !promptVersion.isEmpty { sql = "\(sql) AND c.prompt_version = \(promptVersion)" }
        switch feedback {
        case "up": sql = "\(sql) AND c.feedback_thumb = 1"
        case "down": sql = "\(sql) AND c.feedback_thumb = -1"
        case "rated": sql = "\(sql) AND (c.feedback_thumb IS NOT NULL OR c.feedback_rating IS NOT NULL)"
        case "comment": sql = "\(sql) AND c.feedback_comment IS NOT NULL AND c.feedback_comment <> ''"
        default: break
        }
        if let from = Self.day(from) { sql = "\(sql) AND c.started_at >= \(from)" }
        if let to = Self.day(to) { sql = "\(sql) AND c.started_at < \(to.addingTimeInterval(86_400))" }
        if !intent.isEmpty { sql = "\(sql) AND \(intentCondition(projectID, resolution))" }
        if let id = Self.id(cluster) {
            let clusters: PostgresQuery = if let resolution {
                "m.cluster_id = ANY(\(resolution.clusterIDs))"
            } else {
                "m.cluster_id IN (SELECT k.id FROM clusters k WHERE k.project_id = \(projectID) AND \(Self.clusterTree(id, projectID)))"
            }
            sql = """
                \(sql) AND c.id IN (SELECT m.conversation_id FROM cluster_members m
                                    WHERE m.project_id = \(projectID) AND \(clusters))
                """
        }
        if let flag = FlagChoice(flag) { sql = "\(sql) AND \(Self.flagCondition(flag, projectID))" }
        if let match = MetadataMatch(metadata) {
            // Containment with bound JSON documents: the GIN index on metadata (jsonb_path_ops) serves `@>`.
            let alternatives = match.documents.map { document -> PostgresQuery in
                "c.metadata @> \(document.serialized())::jsonb"
            }
            var any = alternatives[0]
            for alternative in alternatives.dropFirst() { any = "\(any) OR \(alternative)" }
            sql = "\(sql) AND (\(any))"
        }
        return sql
    }

    private func intentCondition(_ projectID: Int, _ resolution: Resolution?) -> PostgresQuery {
        let model: PostgresQuery
        if let resolution {
            guard let id = resolution.intentModelID else { return "false" }
            model = "ci.model_id = \(id)"
        } else {
            model = "ci.model_id = (SELECT id FROM intent_models WHERE project_id = \(projectID) AND active)"
        }
        let which: PostgresQuery = if let id = Self.id(intent) { "ci.intent_id = \(id)" } else { "ci.intent_id IS NULL" }
        return """
            c.id IN (SELECT ci.conversation_id FROM conversation_intents ci
                     WHERE ci.project_id = \(projectID) AND \(which) AND \(model))
            """
    }

    private static func flagCondition(_ flag: FlagChoice, _ projectID: Int) -> PostgresQuery {
        let flags: PostgresQuery = "c.id IN (SELECT f.conversation_id FROM flags f WHERE f.project_id = \(projectID)"
        switch flag {
        case .any: return "\(flags))"
        case .severity(let severity): return "\(flags) AND f.severity = \(severity))"
        case .rule(let id): return "\(flags) AND f.rule_id = \(id))"
        case .detector(let name): return "\(flags) AND f.detectors @> \([name]))"
        case .openTriage:
            return """
                c.id IN (SELECT t.conversation_id FROM triage_items t
                         WHERE t.project_id = \(projectID) AND t.status IN ('open', 'in_review'))
                """
        }
    }
}
