import Foundation
import Postgres

/// Replay sets in SQL: freezing a selection of conversations, listing sets and reading their items.
///
/// An item keeps copies of its conversation's input (messages up to and including the last user turn) and original
/// answer (the messages after it), so later edits of the conversation do not change the set. Only conversations
/// with a user turn followed by an assistant message are taken: without an original answer there is nothing to
/// compare a new one with.
struct ReplayStore: Sendable {
    let pool: PostgresPool

    /// The largest set.
    static let maximumSize = 10_000
    /// The size of a set when none is asked for.
    static let defaultSize = 200

    /// Which conversations to freeze.
    struct Selection: Sendable {
        /// Empty for a name made from the selection (`Cluster name · Nov 23`).
        var name = ""
        var description = ""
        var filter = ConversationFilter()
        /// An active cluster (or group of clusters) whose members to take.
        var clusterID: Int?
        var limit = ReplayStore.defaultSize
        /// A random sample of the matches instead of the newest.
        var sample = false
    }

    /// Why a set could not be created or found.
    enum ReplayError: Error, Equatable {
        case clusterNotFound(Int)
        /// No conversation matched the selection (with a user turn followed by an answer).
        case noConversations
        case setNotFound
    }

    /// A set as lists and the API show it.
    struct SetSummary: Encodable, Sendable {
        var id: Int
        var name: String
        var description: String
        var createdBy: String
        var createdAt: Date
        var size: Int
        var source: JSONValue
        var labels: [String]
        var variants: Int
        var verdicts: Int

        enum CodingKeys: String, CodingKey {
            case id, name, description, createdBy = "created_by", createdAt = "created_at", size, source, labels
            case variants, verdicts
        }
    }

    /// One frozen conversation.
    struct Item: Sendable {
        var id: Int
        var position: Int
        var key: String
        var conversationID: Int?
        var externalID: String
        var model: String?
        var input: [JSONValue]
        var original: [JSONValue]
        /// Labels of the variants it has.
        var labels: [String]
    }

    /// Freezes the conversations of `selection` as a new set; returns its id and the number of matches.
    /// - Throws: `ReplayError.clusterNotFound`, `.noConversations` (nothing is stored then).
    func create(projectID: Int, selection: Selection, createdBy: String) async throws -> (id: Int, matched: Int) {
        var conditions = selection.filter.conditions(projectID: projectID)
        var cluster: JSONValue = .null
        var clusterName: String?
        if let clusterID = selection.clusterID {
            guard let name = try await pool.query("""
                SELECT coalesce(custom_name, llm_name, auto_name) FROM clusters
                WHERE id = \(clusterID) AND project_id = \(projectID) AND status = 'active'
                """).first?.decode(0, as: String.self) else { throw ReplayError.clusterNotFound(clusterID) }
            cluster = .object(["id": .number(String(clusterID)), "name": .string(name)])
            clusterName = name
            // A group takes the members of every cluster below it (groups are at most two levels above clusters).
            conditions = """
                \(conditions) AND c.id IN (
                    SELECT m.conversation_id FROM cluster_members m
                    WHERE m.project_id = \(projectID) AND m.cluster_id IN (
                        SELECT k.id FROM clusters k
                        WHERE k.project_id = \(projectID) AND k.status = 'active'
                          AND (k.id = \(clusterID) OR k.parent_id = \(clusterID)
                               OR k.parent_id IN (SELECT g.id FROM clusters g WHERE g.parent_id = \(clusterID)))))
                """
        }
        let eligible: PostgresQuery = """
            SELECT c.id, c.external_id, c.model, c.prompt_version, c.started_at, c.messages, u.i
            FROM conversations c
            CROSS JOIN LATERAL (SELECT max(o)::int AS i FROM jsonb_array_elements(c.messages) WITH ORDINALITY e(m, o)
                                WHERE m->>'role' = 'user') u
            WHERE \(conditions) AND u.i IS NOT NULL
              AND EXISTS (SELECT 1 FROM jsonb_array_elements(c.messages) WITH ORDINALITY a(m, o)
                          WHERE a.o > u.i AND a.m->>'role' = 'assistant')
            """
        let order: PostgresQuery = selection.sample ? "random()" : "c.started_at DESC, c.id DESC"
        let limit = min(max(selection.limit, 1), Self.maximumSize)
        let matched = try await pool.query("SELECT count(*) FROM (\(eligible)) x").first?.decode(0, as: Int.self) ?? 0
        guard matched > 0 else { throw ReplayError.noConversations }
        var filter: [String: JSONValue] = [:]
        for (key, value) in [("q", selection.filter.search), ("model", selection.filter.model),
                             ("prompt", selection.filter.promptVersion), ("feedback", selection.filter.feedback),
                             ("from", selection.filter.from), ("to", selection.filter.to)] where !value.isEmpty {
            filter[key] = .string(value)
        }
        let source: JSONValue = .object([
            "filter": .object(filter), "cluster": cluster, "limit": .number(String(limit)),
            "sample": .bool(selection.sample), "matched": .number(String(matched)),
        ])
        let name = selection.name.isEmpty ? Self.defaultName(selection, clusterName: clusterName) : selection.name
        let id = try await pool.withTransaction { connection -> Int in
            let id = try await connection.query("""
                INSERT INTO replay_sets (project_id, name, description, created_by, source)
                VALUES (\(projectID), \(name), \(selection.description), \(createdBy), \(source.serialized())::jsonb)
                RETURNING id
                """).first!.decode(0, as: Int.self)
            // One statement for the whole set: pick, number in time order, split each conversation at its last user turn.
            let size = try await connection.query("""
                WITH picked AS (\(eligible) ORDER BY \(order) LIMIT \(limit)),
                numbered AS (SELECT p.*, row_number() OVER (ORDER BY p.started_at, p.id)::int AS n FROM picked p)
                INSERT INTO replay_items (set_id, position, item_key, conversation_id, external_id, model, prompt_version,
                                          input, original)
                SELECT \(id), n, 'rs' || \(id)::bigint::text || '-' || n::text, id, external_id, model, prompt_version,
                       jsonb_path_query_array(messages, ('$[0 to ' || (i - 1) || ']')::jsonpath),
                       jsonb_path_query_array(messages, ('$[' || i || ' to last]')::jsonpath)
                FROM numbered
                """).affectedRows
            try await connection.query("UPDATE replay_sets SET size = \(size) WHERE id = \(id)")
            return id
        }
        return (id, matched)
    }

    /// A name from what was selected: the cluster, the model or prompt version, or the search, and the day.
    static func defaultName(_ selection: Selection, clusterName: String?, now: Date = Date()) -> String {
        let filter = selection.filter
        let subject = [clusterName ?? "", filter.model, filter.promptVersion].filter { !$0.isEmpty }.joined(separator: " · ")
        let what = !subject.isEmpty ? subject : !filter.search.isEmpty ? "“\(filter.search)”" : "Conversations"
        return String((what.prefix(150)) + " · " + Format.day(now))
    }

    /// Sets of the project, newest first, from before `cursor` (a set id); `limit + 1` rows tell whether more follow.
    func list(projectID: Int, before cursor: Int? = nil, limit: Int = 50) async throws -> [SetSummary] {
        try await summaries(where: """
            s.project_id = \(projectID) AND s.id < \(cursor ?? Int.max) ORDER BY s.id DESC LIMIT \(limit)
            """)
    }

    /// One set of the project, or nil.
    func set(_ id: Int, projectID: Int) async throws -> SetSummary? {
        try await summaries(where: "s.project_id = \(projectID) AND s.id = \(id)").first
    }

    private func summaries(where condition: PostgresQuery) async throws -> [SetSummary] {
        try await pool.query("""
            SELECT s.id, s.name, s.description, s.created_by, s.created_at, s.size, s.source::text,
                   coalesce((SELECT array_agg(DISTINCT v.label ORDER BY v.label) FROM replay_variants v WHERE v.set_id = s.id), '{}'),
                   (SELECT count(*) FROM replay_variants v WHERE v.set_id = s.id)::int,
                   (SELECT count(*) FROM pairwise_verdicts p WHERE p.set_id = s.id AND p.winner <> 'skip')::int
            FROM replay_sets s WHERE \(condition)
            """).map { row in
            let (id, name, description, createdBy, createdAt, size, source, labels, variants, verdicts)
                = try row.decode((Int, String, String, String, Date, Int, String, [String], Int, Int).self)
            return SetSummary(id: id, name: name, description: description, createdBy: createdBy, createdAt: createdAt,
                              size: size, source: (try? JSONParser.parse(Array(source.utf8))) ?? .object([:]),
                              labels: labels, variants: variants, verdicts: verdicts)
        }
    }

    /// Items of a set in order, after position `after`.
    func items(setID: Int, after: Int = 0, limit: Int = 50) async throws -> [Item] {
        try await pool.query("""
            SELECT i.id, i.position, i.item_key, i.conversation_id, i.external_id, i.model, i.input::text, i.original::text,
                   coalesce((SELECT array_agg(v.label ORDER BY v.label) FROM replay_variants v WHERE v.item_id = i.id), '{}')
            FROM replay_items i WHERE i.set_id = \(setID) AND i.position > \(after)
            ORDER BY i.position LIMIT \(limit)
            """).map { row in
            let (id, position, key, conversationID, externalID, model, input, original, labels)
                = try row.decode((Int, Int, String, Int?, String, String?, String, String, [String]).self)
            return Item(id: id, position: position, key: key, conversationID: conversationID, externalID: externalID,
                        model: model, input: Self.messages(input), original: Self.messages(original), labels: labels)
        }
    }

    /// Calls `body` with the inputs of a set, page by page: `{"id": item id, "messages": […]}` lines.
    func forEachInputPage(setID: Int, pageSize: Int = 500, _ body: ([UInt8]) async throws -> Void) async throws {
        var after = 0
        while true {
            let rows = try await pool.query("""
                SELECT position, item_key, input::text FROM replay_items
                WHERE set_id = \(setID) AND position > \(after) ORDER BY position LIMIT \(pageSize)
                """).map { try $0.decode((Int, String, String).self) }
            guard let last = rows.last else { return }
            after = last.0
            var out: [UInt8] = []
            for (_, key, input) in rows {
                let line: JSONValue = .object([
                    "id": .string(key), "messages": .array(Self.messages(input).map(TrainingExamples.chatMessage)),
                ])
                line.write(to: &out)
                out.append(0x0A)
            }
            try await body(out)
            if rows.count < pageSize { return }
        }
    }

    /// A stored JSON array of messages.
    static func messages(_ text: String) -> [JSONValue] {
        (try? JSONParser.parse(Array(text.utf8)))?.arrayValue ?? []
    }
}
