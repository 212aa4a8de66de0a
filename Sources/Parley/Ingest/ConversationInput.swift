import Foundation

/// One conversation as accepted by the API, validated and normalised, ready to store.
public struct ConversationInput: Sendable, Equatable {
    /// The client's id (the idempotency key), or a generated one.
    public var externalID: String
    /// Normalised messages: `{role, content, name?, tool_calls?, tool_call_id?, created_at?}`.
    public var messages: [JSONValue]
    public var model: String?
    public var promptVersion: String?
    public var endUserID: String?
    public var sessionID: String?
    public var startedAt: Date
    /// Whether the client gave the start time (a defaulted one is left out of the content hash).
    public var startedAtGiven = true
    /// A JSON object.
    public var metadata: JSONValue
    public var tags: [String]
    public var feedback: Feedback?

    /// Thumbs, rating and comment given by the end user.
    public struct Feedback: Sendable, Equatable {
        /// 1 for thumbs up, -1 for down.
        public var thumb: Int?
        /// 1 to 5.
        public var rating: Int?
        public var comment: String?
    }

    /// The stored JSON texts and the content hash, computed together so that messages are serialised once.
    public struct Encoded: Sendable {
        public var messages: String
        public var metadata: String
        /// A PostgreSQL array literal.
        public var tags: String
        /// SHA-256 of everything stored about the conversation: the same id and hash again is a duplicate.
        public var contentHash: String
    }

    /// The messages, metadata and tags as compact JSON, and the content hash.
    public func encoded() -> Encoded {
        var messagesBytes: [UInt8] = []
        messagesBytes.reserveCapacity(4096)
        JSONValue.array(messages).write(to: &messagesBytes)
        var rest: [String: JSONValue] = ["metadata": metadata, "tags": .array(tags.map(JSONValue.string))]
        if startedAtGiven { rest["started_at"] = .string(Timestamp.format(startedAt)) }
        if let model { rest["model"] = .string(model) }
        if let promptVersion { rest["prompt_version"] = .string(promptVersion) }
        if let endUserID { rest["user_id"] = .string(endUserID) }
        if let sessionID { rest["session_id"] = .string(sessionID) }
        if let feedback {
            var f: [String: JSONValue] = [:]
            if let t = feedback.thumb { f["thumb"] = .number(String(t)) }
            if let r = feedback.rating { f["rating"] = .number(String(r)) }
            if let c = feedback.comment { f["comment"] = .string(c) }
            rest["feedback"] = .object(f)
        }
        var restBytes: [UInt8] = []
        JSONValue.object(rest).write(to: &restBytes)
        var hasher = SHA256()
        hasher.update(messagesBytes)
        hasher.update([0])
        hasher.update(restBytes)
        return Encoded(
            messages: String(decoding: messagesBytes, as: UTF8.self), metadata: metadata.serialized(),
            tags: Self.arrayLiteral(tags), contentHash: hasher.finalize().hexString)
    }

    /// A PostgreSQL array literal (`{"a","b \"c\""}`), cast to `text[]` by the store.
    static func arrayLiteral(_ values: [String]) -> String {
        "{" + values.map { value in
            "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }

    /// The text of the first system message, if any.
    public var systemPrompt: String? {
        messages.first { $0["role"]?.stringValue == "system" }.map { Self.text(of: $0) }
    }

    /// The plain text of a message: its string content, or its text parts joined.
    public static func text(of message: JSONValue) -> String {
        switch message["content"] {
        case .string(let s): return s
        case .array(let parts):
            return parts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
        default: return ""
        }
    }
}
