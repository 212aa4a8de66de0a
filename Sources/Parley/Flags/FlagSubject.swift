import Foundation
import Postgres

/// A conversation as rules see it: messages, metadata, model, feedback, its cluster and (after embedding) its vector.
struct FlagSubject: Sendable {
    var conversationID: Int
    var messages: [JSONValue]
    var metadata: JSONValue
    var model: String?
    var promptVersion: String?
    var feedbackThumb: Int?
    var feedbackRating: Int?
    /// The cluster assignment: nil when the conversation has none yet.
    var cluster: ClusterPlace?
    /// The embedding of the configured model, when loaded.
    var vector: [Float]?
    /// The predicted intent (issue 7's `conversation_intents`); nil when the conversation was not classified.
    var intent: IntentPrediction?

    struct IntentPrediction: Sendable, Equatable {
        /// nil: unrecognized (no intent was confident enough).
        var intentID: Int?
        var name: String?
    }

    struct ClusterPlace: Sendable, Equatable {
        /// nil: too far from every cluster.
        var clusterID: Int?
        var similarity: Double
        var isOutlier: Bool
    }

    /// The columns `decode(_:)` reads, for `c` = conversations, `m` = cluster_members, `e` = conversation_embeddings,
    /// `ci` = conversation_intents and `it` = intents.
    static let columns: PostgresQuery = """
        c.id, c.messages::text, c.metadata::text, c.model, c.prompt_version, c.feedback_thumb::int, c.feedback_rating::int,
        (m.conversation_id IS NOT NULL), m.cluster_id, m.similarity::float8, coalesce(m.is_outlier, false), e.vector,
        (ci.conversation_id IS NOT NULL), ci.intent_id, it.name
        """

    /// Loads conversations by id (with their vector of `model` when given), in id order.
    static func load(ids: [Int], embeddingModel: String?, on connection: PostgresConnection) async throws -> [FlagSubject] {
        try await connection.query("""
            SELECT \(columns)
            FROM conversations c
            LEFT JOIN cluster_members m ON m.conversation_id = c.id
            LEFT JOIN conversation_embeddings e ON e.conversation_id = c.id AND e.model = \(embeddingModel ?? "")
            LEFT JOIN conversation_intents ci ON ci.conversation_id = c.id
            LEFT JOIN intents it ON it.id = ci.intent_id
            WHERE c.id = ANY(\(ids)) ORDER BY c.id
            """).map(decode)
    }

    static func decode(_ row: PostgresRow) throws -> FlagSubject {
        let (id, messages, metadata, model, prompt, thumb, rating) =
            try row.decode((Int, String, String, String?, String?, Int?, Int?).self)
        let (assigned, cluster, similarity, outlier, vectorData) = (try row.decode(7, as: Bool.self),
            try row.decode(8, as: Int?.self), try row.decode(9, as: Double?.self), try row.decode(10, as: Bool.self),
            try row.decode(11, as: Data?.self))
        var vector: [Float]?
        if let vectorData, vectorData.count % 4 == 0, !vectorData.isEmpty {
            var values: [Float] = []
            if VectorCodec.decode(vectorData, dimension: vectorData.count / 4, into: &values) { vector = values }
        }
        return FlagSubject(
            conversationID: id, messages: (try? JSONParser.parse(messages))?.arrayValue ?? [],
            metadata: (try? JSONParser.parse(metadata)) ?? .object([:]), model: model, promptVersion: prompt,
            feedbackThumb: thumb, feedbackRating: rating,
            cluster: assigned ? ClusterPlace(clusterID: cluster, similarity: similarity ?? 0, isOutlier: outlier) : nil,
            vector: vector,
            intent: try row.decode(12, as: Bool.self)
                ? IntentPrediction(intentID: try row.decode(13, as: Int?.self), name: try row.decode(14, as: String?.self)) : nil)
    }
}

/// One subject being evaluated against many rules: the detector view and detector results are computed once.
/// Used by one thread at a time (inside `offThread`), never shared.
final class SubjectEvaluation {
    let subject: FlagSubject
    let registry: DetectorRegistry
    private(set) lazy var conversation = DetectorConversation(
        json: subject.messages, feedbackThumb: subject.feedbackThumb, feedbackRating: subject.feedbackRating)
    private var detectorCache: [String: [DetectorFinding]] = [:]
    /// Set when a regular expression hit its time limit on this subject.
    var regexTimedOut = false

    init(_ subject: FlagSubject, registry: DetectorRegistry) {
        self.subject = subject
        self.registry = registry
    }

    /// The findings of a text detector in `roles`, cached per detector and roles.
    func findings(_ detector: any ConversationDetector, roles: Set<String>?) -> [DetectorFinding] {
        let key = detector.name + "|" + (roles?.sorted().joined(separator: ",") ?? "*")
        if let cached = detectorCache[key] { return cached }
        let found = detector.findings(in: conversation, roles: roles)
        detectorCache[key] = found
        return found
    }
}
