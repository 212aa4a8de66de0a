import Foundation
import Postgres

/// What comparisons and drift read from the text of one conversation: the length of its answers and whether it
/// refused (the refusal detector rerun on its assistant turns, so no flag rule is needed). Kept per conversation
/// in `conversation_reply_facts` (migration 0016): the flag job writes them for every new or changed conversation
/// (`store`), and `load` computes and keeps those it has not reached yet.
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
            var byID: [Int: ReplyFacts] = [:]
            var started: [Int: Date] = [:]
            for row in try await pool.query("""
                SELECT c.id, c.started_at, f.answered, f.characters, f.refused
                FROM conversations c LEFT JOIN conversation_reply_facts f ON f.conversation_id = c.id
                WHERE c.id = ANY(\(batch))
                """) {
                let (id, startedAt, answered, characters, refused) = try row.decode((Int, Date, Bool?, Int?, Bool?).self)
                switch answered {
                case true?: byID[id] = ReplyFacts(conversationID: id, startedAt: startedAt, answer:
                                                      Answer(answered: true, characters: characters ?? 0, refused: refused ?? false))
                case false?: break
                case nil: started[id] = startedAt
                }
            }
            if !started.isEmpty {
                let answers = try await pool.withConnection { try await store(ids: Array(started.keys), on: $0) }
                for (id, answer) in answers where answer.answered {
                    guard let startedAt = started[id] else { continue }
                    byID[id] = ReplyFacts(conversationID: id, startedAt: startedAt, answer: answer)
                }
            }
            facts += batch.compactMap { byID[$0] }
        }
        return facts
    }

    /// Computes the facts of conversations `ids` from their messages (off the cooperative pool) and keeps them;
    /// returns them by conversation (conversations that no longer exist are left out).
    @discardableResult
    static func store(ids: [Int], on connection: PostgresConnection) async throws -> [Int: Answer] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await connection.query("""
            SELECT id, messages::text FROM conversations WHERE id = ANY(\(ids))
            """).map { try $0.decode((Int, String).self) }
        let answers = try await offThread {
            rows.map { ($0.0, Answer(messages: (try? JSONParser.parse($0.1))?.arrayValue ?? [])) }
        }
        return try await write(answers, on: connection)
    }

    /// The same for conversations whose messages the caller has read already (the flag job's subjects).
    @discardableResult
    static func store(_ conversations: [(id: Int, messages: [JSONValue])], on connection: PostgresConnection)
        async throws -> [Int: Answer]
    {
        let answers = try await offThread { conversations.map { ($0.id, Answer(messages: $0.messages)) } }
        return try await write(answers, on: connection)
    }

    private static func write(_ answers: [(Int, Answer)], on connection: PostgresConnection) async throws -> [Int: Answer] {
        guard !answers.isEmpty else { return [:] }
        try await connection.query("""
            INSERT INTO conversation_reply_facts (conversation_id, answered, characters, refused)
            SELECT t.id, t.answered, t.characters, t.refused
            FROM unnest(\(answers.map(\.0)), \(answers.map(\.1.answered)), \(answers.map(\.1.characters)),
                        \(answers.map(\.1.refused))) AS t(id, answered, characters, refused)
            WHERE EXISTS (SELECT 1 FROM conversations c WHERE c.id = t.id)
            ORDER BY t.id
            ON CONFLICT (conversation_id) DO UPDATE SET
                answered = EXCLUDED.answered, characters = EXCLUDED.characters, refused = EXCLUDED.refused
            """)
        return Dictionary(answers, uniquingKeysWith: { a, _ in a })
    }

    /// What the assistant turns of one conversation amount to.
    struct Answer: Sendable, Equatable {
        /// false: no assistant message (the conversation is left out of the figures).
        var answered: Bool
        var characters: Int
        var refused: Bool

        init(answered: Bool, characters: Int, refused: Bool) {
            (self.answered, self.characters, self.refused) = (answered, characters, refused)
        }

        /// From a conversation's messages.
        init(messages: [JSONValue]) {
            let conversation = DetectorConversation(json: messages)
            let answers = conversation.messages.filter { $0.role == "assistant" }
            answered = !answers.isEmpty
            characters = answers.reduce(0) { $0 + $1.text.unicodeScalars.count }
            refused = answered && !RefusalDetector().findings(in: conversation, roles: ["assistant"]).isEmpty
        }
    }

    init(conversationID: Int, startedAt: Date, answer: Answer) {
        self.conversationID = conversationID
        self.startedAt = startedAt
        day = Int(floor(startedAt.timeIntervalSince1970 / 86_400))
        characters = answer.characters
        refused = answer.refused
    }
}
