import Foundation
import Postgres

extension ConversationBrowser {
    /// What the filter form offers besides models and prompt versions.
    struct Choices: Sendable {
        /// Intents by name (only those of a project with an active model can match).
        var intents: [(id: Int, name: String)] = []
        var hasActiveIntentModel = false
        /// Active clusters as a tree: groups first, each followed by the clusters below it.
        var clusters: [(id: Int, name: String, depth: Int, size: Int)] = []
        var rules: [(id: Int, name: String, severity: String)] = []
        /// Detector names flags can carry.
        var detectors: [String] = []
    }

    /// The intents, clusters (at most `clusterLimit`, biggest first within each level) and rules of a project.
    func choices(projectID: Int, clusterLimit: Int = 400) async throws -> Choices {
        var choices = Choices()
        choices.hasActiveIntentModel = try await pool.query("""
            SELECT 1 FROM intent_models WHERE project_id = \(projectID) AND active
            """).first != nil
        choices.intents = try await pool.query("""
            SELECT id, name FROM intents WHERE project_id = \(projectID) ORDER BY lower(name), id
            """).map { try $0.decode((Int, String).self) }.map { (id: $0.0, name: $0.1) }
        // Depth-first order: each group's path of sizes sorts its clusters right below it.
        choices.clusters = try await pool.query("""
            WITH RECURSIVE tree(id, name, level, size, path) AS (
                SELECT id, coalesce(custom_name, llm_name, auto_name), level::int, size, ARRAY[-size::bigint, id]
                FROM clusters
                WHERE project_id = \(projectID) AND status = 'active'
                  AND (parent_id IS NULL OR parent_id NOT IN (SELECT id FROM clusters WHERE project_id = \(projectID)
                                                                                       AND status = 'active'))
                UNION ALL
                SELECT k.id, coalesce(k.custom_name, k.llm_name, k.auto_name), k.level::int, k.size,
                       t.path || ARRAY[-k.size::bigint, k.id]
                FROM clusters k JOIN tree t ON k.parent_id = t.id
                WHERE k.project_id = \(projectID) AND k.status = 'active' AND cardinality(t.path) < 8
            )
            SELECT id, name, cardinality(path) / 2 - 1, size FROM tree ORDER BY path LIMIT \(clusterLimit)
            """).map { try $0.decode((Int, String, Int, Int).self) }
            .map { (id: $0.0, name: $0.1, depth: $0.2, size: $0.3) }
        choices.rules = try await pool.query("""
            SELECT id, name, severity FROM flag_rules WHERE project_id = \(projectID) ORDER BY lower(name), id
            """).map { try $0.decode((Int, String, String).self) }.map { (id: $0.0, name: $0.1, severity: $0.2) }
        // Rules name detectors in their conditions; keywords and regex leaves report themselves as detectors.
        choices.detectors = Array(Set(DetectorRegistry.standard.names + ["keywords", "regex"])).sorted()
        return choices
    }
}
