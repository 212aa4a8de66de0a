import Foundation
import Postgres

/// What comparisons and drift read from the text of one conversation: the length of its answers and whether it
/// refused (the refusal detector rerun on its assistant turns, so no flag rule is needed).
struct ReplyFacts: Sendable, Equatable {
    var conversationID: Int
    /// Days since 1970-01-01 (UTC) of `started_at`.
    var day: Int
    var startedAt: Date
    /// Characters (Unicode scalars, as SQL's `length`) of all assistant messages.
    var characters: Int
    var refused: Bool

    /// How many conversations one query loads.
    static let batchSize = 500

    /// The facts of the conversations `ids` that have at least one assistant message, in the order of `ids`.
    static func load(ids: [Int], pool: PostgresPool) async throws -> [ReplyFacts] {
        var facts: [ReplyFacts] = []
        for start in stride(from: 0, to: ids.count, by: batchSize) {
            let batch = Array(ids[start..<min(ids.count, start + batchSize)])
            let rows = try await pool.query("""
                SELECT c.id, c.started_at, c.messages::text FROM conversations c WHERE c.id = ANY(\(batch))
                """).map { try $0.decode((Int, Date, String).self) }
            let computed = try await offThread { rows.compactMap(Self.init(row:)) }
            let byID = Dictionary(computed.map { ($0.conversationID, $0) }, uniquingKeysWith: { a, _ in a })
            facts += batch.compactMap { byID[$0] }
        }
        return facts
    }

    /// Facts from a stored conversation; nil when it has no assistant message.
    init?(row: (id: Int, startedAt: Date, messages: String)) {
        guard let messages = (try? JSONParser.parse(row.messages))?.arrayValue else { return nil }
        let conversation = DetectorConversation(json: messages)
        let answers = conversation.messages.filter { $0.role == "assistant" }
        guard !answers.isEmpty else { return nil }
        conversationID = row.id
        startedAt = row.startedAt
        day = Int(floor(row.startedAt.timeIntervalSince1970 / 86_400))
        characters = answers.reduce(0) { $0 + $1.text.unicodeScalars.count }
        refused = !RefusalDetector().findings(in: conversation, roles: ["assistant"]).isEmpty
    }
}
