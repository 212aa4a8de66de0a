extension ImportReader {
    /// Which CSV columns (by header name, case-insensitive) hold which part of a conversation.
    ///
    /// Each record becomes a conversation of one user message and, when its column is set and the cell is
    /// not empty, one assistant reply.
    public struct CSVMapping: Sendable, Equatable {
        /// The conversation id; without it ids are `"<idPrefix>:<line>"`.
        public var id: String?
        /// The user's message (required).
        public var userText: String
        /// The assistant's reply.
        public var assistantText: String?
        /// The model name.
        public var model: String?
        /// When the conversation started: RFC 3339 text or an epoch number.
        public var timestamp: String?
        /// The session id.
        public var session: String?
        /// The end user's id.
        public var userID: String?
        /// Columns copied into `metadata`, under their header names.
        public var metadata: [String]

        /// Creates a mapping.
        public init(
            id: String? = nil, userText: String, assistantText: String? = nil, model: String? = nil,
            timestamp: String? = nil, session: String? = nil, userID: String? = nil, metadata: [String] = []
        ) {
            self.id = id
            self.userText = userText
            self.assistantText = assistantText
            self.model = model
            self.timestamp = timestamp
            self.session = session
            self.userID = userID
            self.metadata = metadata
        }

        /// Guesses a mapping from common header names (`prompt`/`question`/`text` for the user, `response`/
        /// `answer`/`completion` for the assistant, …); every other column goes into metadata.
        /// - Returns: the mapping, or nil when no column looks like the user's text.
        public static func guess(header: [String]) -> CSVMapping? {
            let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
            var used: Set<String> = []
            func pick(_ candidates: [String]) -> String? {
                for candidate in candidates {
                    if let name = names.first(where: { $0.lowercased() == candidate && !used.contains($0) }) {
                        used.insert(name)
                        return name
                    }
                }
                return nil
            }
            let id = pick(["id", "conversation_id", "conversation id"])
            let userID = pick(["user_id", "userid", "user id", "end_user_id", "customer_id"])
            let session = pick(["session_id", "session", "session id"])
            guard
                let user = pick([
                    "user", "user_text", "user_message", "prompt", "input", "question", "query",
                    "text", "message", "request",
                ])
            else { return nil }
            let assistant = pick([
                "assistant", "assistant_text", "assistant_message", "response", "output", "answer",
                "completion", "reply",
            ])
            let model = pick(["model", "model_name"])
            let timestamp = pick(["timestamp", "started_at", "created_at", "time", "date", "datetime"])
            return CSVMapping(
                id: id, userText: user, assistantText: assistant, model: model, timestamp: timestamp,
                session: session, userID: userID, metadata: names.filter { !used.contains($0) && !$0.isEmpty })
        }
    }
}

/// A `CSVMapping` resolved against a header: column positions.
struct CSVLayout {
    var columnCount: Int
    var id: Int?
    var userText: Int
    var assistantText: Int?
    var model: Int?
    var timestamp: Int?
    var session: Int?
    var userID: Int?
    var metadata: [(name: String, index: Int)]

    /// - Throws: `ImportError.missingColumn` (on line 1) for a mapped column the header lacks.
    init(header: [String], mapping: ImportReader.CSVMapping) throws(ImportError) {
        let lowered = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func column(_ name: String?) throws(ImportError) -> Int? {
            guard let name else { return nil }
            guard let index = lowered.firstIndex(of: name.lowercased()) else {
                throw ImportError(
                    .missingColumn, line: 1,
                    "no column \"\(name)\" in the header (\(header.joined(separator: ", ")))")
            }
            return index
        }
        columnCount = header.count
        id = try column(mapping.id)
        userText = try column(mapping.userText) ?? 0
        assistantText = try column(mapping.assistantText)
        model = try column(mapping.model)
        timestamp = try column(mapping.timestamp)
        session = try column(mapping.session)
        userID = try column(mapping.userID)
        var metadata: [(String, Int)] = []
        for name in mapping.metadata {
            if let index = try column(name) { metadata.append((header[index], index)) }
        }
        self.metadata = metadata
    }
}
