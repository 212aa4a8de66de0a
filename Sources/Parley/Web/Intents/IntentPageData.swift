import Foundation
import Postgres

/// What the intents pages read besides `IntentStore`: model versions, the training job, daily counts for the
/// sparklines, the conversations predicted as an intent, label progress and the confusion of labels and predictions.
struct IntentPageData: Sendable {
    let pool: PostgresPool

    /// One stored classifier version (without its parameters).
    struct ModelVersion: Sendable {
        var id: Int
        var version: Int
        var kind: String
        var embeddingModel: String
        var metrics: JSONValue
        var active: Bool
        var note: String
        var labelsUsed: Int
        var intents: Int
        var createdAt: Date
    }

    func models(projectID: Int, limit: Int = 50) async throws -> [ModelVersion] {
        try await pool.query("""
            SELECT id, version, kind, embedding_model, metrics::text, active, note, labels_used,
                   coalesce(cardinality(intent_ids), 0), created_at
            FROM intent_models WHERE project_id = \(projectID) ORDER BY version DESC LIMIT \(limit)
            """).map { row in
            let (id, version, kind, embedding, metrics, active, note, labels, intents, created) =
                try row.decode((Int, Int, String, String, String, Bool, String, Int, Int, Date).self)
            return ModelVersion(id: id, version: version, kind: kind, embeddingModel: embedding,
                                metrics: (try? JSONParser.parse(metrics)) ?? .object([:]), active: active, note: note,
                                labelsUsed: labels, intents: intents, createdAt: created)
        }
    }

    /// The project's latest `intent_train` job.
    func latestTrainJob(projectID: Int) async throws -> ClusterPageData.RunJob? {
        guard let row = try await pool.query("""
            SELECT id, status, progress, progress_message, error, created_at, finished_at FROM jobs
            WHERE project_id = \(projectID) AND kind = 'intent_train' ORDER BY id DESC LIMIT 1
            """).first else { return nil }
        let (id, status, progress, message, error, created, finished) =
            try row.decode((Int, String, Int, String, String?, Date, Date?).self)
        return .init(id: id, status: status, progress: progress, message: message, error: error, createdAt: created,
                     finishedAt: finished)
    }

    /// Conversations per predicted intent (nil = unrecognized) and UTC day over the last `days` days, oldest first
    /// (from the daily rollup).
    func dailyCounts(projectID: Int, days: Int) async throws -> [Int?: [Int]] {
        var counts: [Int?: [Int]] = [:]
        for row in try await pool.query("""
            SELECT intent_id, ((now() AT TIME ZONE 'UTC')::date - day)::int4, sum(conversations)::int8
            FROM intent_daily_stats
            WHERE project_id = \(projectID) AND day >= (now() AT TIME ZONE 'UTC')::date - \(days - 1)::int4
            GROUP BY 1, 2
            """) {
            let (intent, age, count) = try row.decode((Int?, Int, Int).self)
            guard (0..<days).contains(age) else { continue }
            counts[intent, default: [Int](repeating: 0, count: days)][days - 1 - age] = count
        }
        return counts
    }

    /// A conversation predicted as an intent, with its confidence and human label.
    struct Predicted: Sendable {
        var id: Int
        var externalID: String
        var request: String
        var startedAt: Date
        var confidence: Double
        /// The human label: nil when unlabelled; `.some(nil)` = out of scope.
        var label: String??
    }

    /// The latest conversations predicted as `intentID`.
    func predicted(projectID: Int, intentID: Int, limit: Int = 25) async throws -> [Predicted] {
        try await pool.query("""
            SELECT c.id, c.external_id, c.messages::text, c.started_at, i.confidence::float8,
                   l.conversation_id IS NOT NULL, li.name
            FROM conversation_intents i JOIN conversations c ON c.id = i.conversation_id
            LEFT JOIN intent_labels l ON l.conversation_id = c.id
            LEFT JOIN intents li ON li.id = l.intent_id
            WHERE i.project_id = \(projectID) AND i.intent_id = \(intentID)
            ORDER BY i.started_at DESC, i.conversation_id DESC LIMIT \(limit)
            """).map { row in
            let (id, external, messages, started, confidence, labelled, name) =
                try row.decode((Int, String, String, Date, Double, Bool, String?).self)
            return Predicted(id: id, externalID: external, request: Self.request(messages), startedAt: started,
                             confidence: confidence, label: labelled ? .some(name) : nil)
        }
    }

    /// The user's request of a conversation (what is embedded and classified), from its messages as JSON text.
    static func request(_ messages: String) -> String {
        EmbeddingText.of(messages: (try? JSONParser.parse(messages))?.arrayValue ?? [])
    }

    /// Label counts: in all, today (UTC) in the project and by `actor`, and conversations left unlabelled.
    struct LabelProgress: Sendable {
        var total = 0
        var today = 0
        var todayByActor = 0
        var unlabelled = 0
        var conversations = 0
    }

    func labelProgress(projectID: Int, actor: String) async throws -> LabelProgress {
        guard let row = try await pool.query("""
            SELECT (SELECT count(*) FROM intent_labels WHERE project_id = \(projectID)),
                   (SELECT count(*) FROM intent_labels WHERE project_id = \(projectID) AND created_at >= current_date),
                   (SELECT count(*) FROM intent_labels WHERE project_id = \(projectID) AND created_at >= current_date
                        AND actor = \(actor)),
                   (SELECT coalesce(sum(conversations), 0)::int8 FROM conversation_daily_stats
                    WHERE project_id = \(projectID))
            """).first else { return LabelProgress() }
        let (total, today, mine, conversations) = try row.decode((Int, Int, Int, Int).self)
        return LabelProgress(total: total, today: today, todayByActor: mine, unlabelled: max(0, conversations - total),
                             conversations: conversations)
    }

    /// Human labels against the predictions of `modelID` (all models when nil), optionally only labels stored
    /// after `since`: (labelled, predicted, count), nil = out of scope / unrecognized.
    func confusion(projectID: Int, modelID: Int?, since: Date?) async throws -> [(labelled: Int?, predicted: Int?, count: Int)] {
        try await pool.query("""
            SELECT l.intent_id, p.intent_id, count(*)
            FROM intent_labels l JOIN conversation_intents p ON p.conversation_id = l.conversation_id
            WHERE l.project_id = \(projectID) AND (\(modelID)::int8 IS NULL OR p.model_id = \(modelID))
              AND (\(since)::timestamptz IS NULL OR l.created_at > \(since))
            GROUP BY 1, 2
            """).map { row in
            let (labelled, predicted, count) = try row.decode((Int?, Int?, Int).self)
            return (labelled, predicted, count)
        }
    }

    /// The project's intents by name, with their descriptions: the labelling screen's choices.
    func choices(projectID: Int) async throws -> [(id: Int, name: String, description: String)] {
        try await pool.query("""
            SELECT id, name, description FROM intents WHERE project_id = \(projectID) ORDER BY lower(name), id
            """).map { row in
            let (id, name, description) = try row.decode((Int, String, String).self)
            return (id, name, description)
        }
    }

    /// Intents promoted from cluster `clusterID`.
    func intents(fromCluster clusterID: Int, projectID: Int) async throws -> [(id: Int, name: String)] {
        try await pool.query("""
            SELECT id, name FROM intents WHERE project_id = \(projectID) AND cluster_id = \(clusterID) ORDER BY id
            """).map { row in
            let (id, name) = try row.decode((Int, String).self)
            return (id, name)
        }
    }

    /// Names of the project's intents by id.
    func intentNames(projectID: Int) async throws -> [Int: String] {
        var names: [Int: String] = [:]
        for row in try await pool.query("SELECT id, name FROM intents WHERE project_id = \(projectID)") {
            let (id, name) = try row.decode((Int, String).self)
            names[id] = name
        }
        return names
    }
}
