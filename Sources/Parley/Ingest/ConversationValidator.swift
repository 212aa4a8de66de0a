import Foundation

/// Turns a JSON conversation into a `ConversationInput`, or lists every problem with its field path.
public struct ConversationValidator: Sendable {
    public var limits: IngestLimits
    public static let roles: Set<String> = ["system", "user", "assistant", "tool"]

    public init(limits: IngestLimits = IngestLimits()) { self.limits = limits }

    /// Validates one conversation object.
    /// - Parameters:
    ///   - value: the parsed JSON.
    ///   - path: the prefix for error paths (`conversations[2]`), empty at the top level.
    ///   - now: the start time used when neither the conversation nor its messages carry one.
    /// - Returns: the conversation, or the field errors.
    public func validate(_ value: JSONValue, path: String = "", now: Date = Date())
        -> Result<ConversationInput, FieldErrors>
    {
        var errors = FieldErrors(prefix: path)
        guard case .object(let object) = value else {
            errors.add("", "must be an object, got \(value.kindName)")
            return .failure(errors)
        }
        let externalID = identifier(object["id"], "id", &errors) ?? UUID().uuidString.lowercased()
        let model = identifier(object["model"], "model", &errors)
        var promptVersion = identifier(object["prompt_version"], "prompt_version", &errors)
        let endUser = identifier(object["user_id"] ?? object["end_user_id"], "user_id", &errors)
        let session = identifier(object["session_id"], "session_id", &errors)

        var messages: [JSONValue] = []
        var firstMessageTime: Date?
        switch object["messages"] {
        case .array(let items):
            if items.isEmpty { errors.add("messages", "must contain at least one message") }
            if items.count > limits.maxMessages {
                errors.add("messages", "has \(items.count) messages; the limit is \(limits.maxMessages)")
            } else {
                for (i, item) in items.enumerated() {
                    if let message = self.message(item, "messages[\(i)]", &errors, time: &firstMessageTime) {
                        messages.append(message)
                    }
                }
            }
        case nil, .null?:
            errors.add("messages", "is required")
        case let other?:
            errors.add("messages", "must be an array, got \(other.kindName)")
        }

        let givenStart = time(object["started_at"] ?? object["timestamp"], "started_at", &errors) ?? firstMessageTime
        let startedAt = givenStart ?? now
        var metadata = JSONValue.object([:])
        if let m = object["metadata"], !m.isNull {
            if case .object = m {
                metadata = m
                var bytes: [UInt8] = []
                m.write(to: &bytes)
                if bytes.count > limits.maxMetadataBytes {
                    errors.add("metadata", "is \(bytes.count) bytes; the limit is \(limits.maxMetadataBytes)")
                }
            } else {
                errors.add("metadata", "must be an object, got \(m.kindName)")
            }
        }
        let tags = self.tags(object["tags"], &errors)
        let feedback = self.feedback(object["feedback"], "feedback", &errors)
        guard errors.isEmpty else { return .failure(errors) }

        var input = ConversationInput(
            externalID: externalID, messages: messages, model: model, promptVersion: nil, endUserID: endUser,
            sessionID: session, startedAt: startedAt, startedAtGiven: givenStart != nil, metadata: metadata, tags: tags,
            feedback: feedback)
        if promptVersion == nil, let system = input.systemPrompt {
            // Derived prompt version: the same system prompt always gives the same short hash.
            promptVersion = "sys-" + String(SHA256.hex(Array(system.utf8)).prefix(12))
        }
        input.promptVersion = promptVersion
        return .success(input)
    }
}

/// Field errors collected while validating, each with its path.
public struct FieldErrors: Error, Sendable {
    let prefix: String
    public private(set) var items: [Problem.FieldError] = []

    public init(prefix: String) { self.prefix = prefix }

    public var isEmpty: Bool { items.isEmpty }

    mutating func add(_ field: String, _ message: String) {
        let path: String
        if prefix.isEmpty { path = field } else if field.isEmpty { path = prefix } else { path = prefix + "." + field }
        items.append(Problem.FieldError(path: path, message: message))
    }
}
