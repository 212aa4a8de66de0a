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

    /// The messages as compact JSON (what is stored).
    public var messagesJSON: String { JSONValue.array(messages).serialized() }

    /// SHA-256 of everything stored about the conversation: the same id and hash again is a duplicate.
    public var contentHash: String {
        var canonical: [String: JSONValue] = [
            "messages": .array(messages), "metadata": metadata, "tags": .array(tags.map(JSONValue.string)),
        ]
        if startedAtGiven { canonical["started_at"] = .string(Timestamp.format(startedAt)) }
        if let model { canonical["model"] = .string(model) }
        if let promptVersion { canonical["prompt_version"] = .string(promptVersion) }
        if let endUserID { canonical["user_id"] = .string(endUserID) }
        if let sessionID { canonical["session_id"] = .string(sessionID) }
        if let feedback {
            var f: [String: JSONValue] = [:]
            if let t = feedback.thumb { f["thumb"] = .number(String(t)) }
            if let r = feedback.rating { f["rating"] = .number(String(r)) }
            if let c = feedback.comment { f["comment"] = .string(c) }
            canonical["feedback"] = .object(f)
        }
        var bytes: [UInt8] = []
        JSONValue.object(canonical).write(to: &bytes)
        return SHA256.hex(bytes)
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
