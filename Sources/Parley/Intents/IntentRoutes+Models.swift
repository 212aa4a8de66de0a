import Foundation
import HTTPServer
import Postgres

/// The intents API (labels and models):
/// - `POST /api/v1/intents/labels` (`{"labels": [{"conversation": "<external id>", "intent": id | "name" | null}]}`;
///   null = out of scope; the latest label wins; may queue a retraining);
/// - `GET /api/v1/intents/models`, `POST /api/v1/intents/models/train`;
/// - `GET /api/v1/intents/confusion`: human labels against predictions.
extension IntentRoutes {
    static func registerModels(on router: inout Router, context: AppContext, store: IntentStore) {
        router.post("/api/v1/intents/labels") { request in
            let principal = try await context.principal(request, scope: "write")
            let document = try await JSONBody.object(request)
            guard let items = document["labels"]?.arrayValue, !items.isEmpty, items.count <= 10_000 else {
                throw Problem.unprocessable([.init(path: "labels", message: "must be a list of 1 to 10000 labels")])
            }
            let projectID = principal.projectID
            var intentsByName: [String: Int] = [:], intentIDs = Set<Int>()
            for row in try await context.pool.query("SELECT id, lower(name) FROM intents WHERE project_id = \(projectID)") {
                let (id, name) = try row.decode((Int, String).self)
                intentsByName[name] = id
                intentIDs.insert(id)
            }
            let externals = items.compactMap { $0["conversation"]?.stringValue }
            var conversations: [String: Int] = [:]
            for row in try await context.pool.query("""
                SELECT external_id, id FROM conversations WHERE project_id = \(projectID) AND external_id = ANY(\(externals))
                """) {
                let (external, id) = try row.decode((String, Int).self)
                conversations[external] = id
            }
            var errors: [Problem.FieldError] = []
            var labelled: [Int: Int?] = [:]  // the last label of a conversation in the request wins
            for (i, item) in items.enumerated() {
                guard let external = item["conversation"]?.stringValue, let conversation = conversations[external] else {
                    errors.append(.init(path: "labels[\(i)].conversation", message: "no such conversation in this project"))
                    continue
                }
                switch item["intent"] {
                case .null?: labelled[conversation] = .some(nil)
                case .string(let name)?:
                    if let id = intentsByName[name.lowercased()] { labelled[conversation] = id } else {
                        errors.append(.init(path: "labels[\(i)].intent", message: "no intent named \"\(name)\""))
                    }
                case let value?:
                    if let id = value.intValue, intentIDs.contains(id) { labelled[conversation] = id } else {
                        errors.append(.init(path: "labels[\(i)].intent", message: "must be an intent id, an intent name or null"))
                    }
                case nil:
                    errors.append(.init(path: "labels[\(i)].intent", message: "is required (null = out of scope)"))
                }
            }
            guard errors.isEmpty else { throw Problem.unprocessable(errors) }
            let ids = Array(labelled.keys), intents: [Int?] = ids.map { labelled[$0]! }
            try await context.pool.query("""
                INSERT INTO intent_labels (conversation_id, project_id, intent_id, actor, source)
                SELECT id, \(projectID), intent, \(principal.actor), 'api' FROM unnest(\(ids), \(intents)) AS t(id, intent)
                ON CONFLICT (conversation_id) DO UPDATE SET intent_id = EXCLUDED.intent_id, actor = EXCLUDED.actor,
                    source = EXCLUDED.source, created_at = now()
                """)
            let retraining = try await retrainIfDue(projectID: projectID, pool: context.pool)
            var reply: [String: JSONValue] = ["stored": .number(String(ids.count))]
            if let retraining { reply["retraining_job_id"] = .number(String(retraining)) }
            return try Response.json(JSONValue.object(reply), encoder: .api)
        }
        router.get("/api/v1/intents/models") { request in
            let principal = try await context.principal(request, scope: "read")
            return json(try await context.pool.query("""
                SELECT json_build_object('models', coalesce(json_agg(json_build_object('id', id, 'version', version,
                    'kind', kind, 'embedding_model', embedding_model, 'intent_ids', intent_ids, 'threshold', threshold,
                    'metrics', metrics, 'active', active, 'note', note, 'labels_used', labels_used,
                    'created_at', created_at) ORDER BY version DESC), '[]'))::text
                FROM intent_models WHERE project_id = \(principal.projectID)
                """).first!.decode(0, as: String.self))
        }
        router.post("/api/v1/intents/models/train") { request in
            let principal = try await context.principal(request, scope: "write")
            if let id = try await IntentTrainJob.enqueue(projectID: principal.projectID, reason: "requested through the API",
                                                         on: JobQueue(pool: context.pool)) {
                return try Response.json(["job_id": id], status: .accepted)
            }
            throw Problem(.conflict, title: "Training is already under way",
                          detail: "An intent_train job is queued or running for this project; follow it at /api/v1/jobs.")
        }
        router.get("/api/v1/intents/confusion") { request in
            let principal = try await context.principal(request, scope: "read")
            return json(try await context.pool.query("""
                SELECT json_build_object(
                    'intents', coalesce((SELECT json_agg(json_build_object('id', id, 'name', name) ORDER BY name)
                        FROM intents WHERE project_id = \(principal.projectID)), '[]'),
                    'cells', coalesce((SELECT json_agg(json_build_object('labelled', labelled, 'predicted', predicted,
                        'count', n) ORDER BY labelled NULLS LAST, predicted NULLS LAST) FROM (
                        SELECT l.intent_id AS labelled, p.intent_id AS predicted, count(*) AS n
                        FROM intent_labels l JOIN conversation_intents p ON p.conversation_id = l.conversation_id
                        WHERE l.project_id = \(principal.projectID) GROUP BY 1, 2) cells), '[]'),
                    'agreement', (SELECT round(avg(CASE WHEN l.intent_id IS NOT DISTINCT FROM p.intent_id THEN 1 ELSE 0 END), 4)
                        FROM intent_labels l JOIN conversation_intents p ON p.conversation_id = l.conversation_id
                        WHERE l.project_id = \(principal.projectID)))::text
                """).first!.decode(0, as: String.self))
        }
    }

    /// Queues a retraining when the labels added since the latest model reach max(20, 10 % of the labels it used);
    /// returns the job id when one was queued.
    static func retrainIfDue(projectID: Int, pool: PostgresPool) async throws -> Int? {
        let row = try await pool.query("""
            SELECT (SELECT count(*) FROM intent_labels l WHERE l.project_id = \(projectID)
                      AND l.created_at > coalesce(m.created_at, '-infinity')),
                   coalesce(m.labels_used, 0)
            FROM (SELECT 1) one LEFT JOIN LATERAL (
                SELECT created_at, labels_used FROM intent_models WHERE project_id = \(projectID)
                ORDER BY version DESC LIMIT 1) m ON true
            """).first!
        let (fresh, used) = try row.decode((Int, Int).self)
        guard fresh >= max(20, used / 10) else { return nil }
        return try await IntentTrainJob.enqueue(projectID: projectID, reason: "\(fresh) new labels",
                                                on: JobQueue(pool: pool))
    }
}
