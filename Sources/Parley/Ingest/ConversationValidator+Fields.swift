import Foundation

extension ConversationValidator {
    /// A short identifier: a non-empty string (numbers are accepted and turned into text).
    func identifier(_ value: JSONValue?, _ field: String, _ errors: inout FieldErrors) -> String? {
        switch value {
        case nil, .null?:
            return nil
        case .string(let s)?:
            if s.isEmpty { errors.add(field, "must not be empty"); return nil }
            if s.count > limits.maxIdentifierLength {
                errors.add(field, "is longer than \(limits.maxIdentifierLength) characters")
                return nil
            }
            return s
        case .number(let n)?:
            return n
        case let other?:
            errors.add(field, "must be a string, got \(other.kindName)")
            return nil
        }
    }

    /// A timestamp: RFC 3339 text or an epoch number (seconds, milliseconds, …).
    func time(_ value: JSONValue?, _ field: String, _ errors: inout FieldErrors) -> Date? {
        switch value {
        case nil, .null?:
            return nil
        case .string(let s)?:
            if let date = Timestamp.parse(s) { return date }
            errors.add(field, "must be an RFC 3339 time such as 2024-05-01T12:30:00Z")
            return nil
        case .number?:
            if let d = value?.doubleValue, let date = Timestamp.fromEpoch(d) { return date }
            errors.add(field, "must be a positive epoch time")
            return nil
        case let other?:
            errors.add(field, "must be a time, got \(other.kindName)")
            return nil
        }
    }

    /// One message, normalised; nil (with errors added) when invalid.
    func message(_ value: JSONValue, _ path: String, _ errors: inout FieldErrors, time first: inout Date?) -> JSONValue? {
        guard case .object(let object) = value else {
            errors.add(path, "must be an object, got \(value.kindName)")
            return nil
        }
        let before = errors.items.count
        var out: [String: JSONValue] = [:]
        var role = object["role"]?.stringValue?.lowercased()
        if role == "function" { role = "tool" }
        if role == "developer" { role = "system" }
        if let role, Self.roles.contains(role) {
            out["role"] = .string(role)
        } else if object["role"] == nil {
            errors.add(path + ".role", "is required (system, user, assistant or tool)")
        } else {
            errors.add(path + ".role", "must be system, user, assistant or tool")
        }
        let hasToolCalls = object["tool_calls"]?.arrayValue.map { !$0.isEmpty } ?? false
        switch object["content"] {
        case .string(let s)?:
            if s.utf8.count > limits.maxMessageBytes {
                errors.add(path + ".content", "is \(s.utf8.count) bytes; the limit is \(limits.maxMessageBytes)")
            }
            out["content"] = .string(s)
        case .array(let parts)?:
            var bytes = 0
            for (i, part) in parts.enumerated() {
                guard part["type"]?.stringValue != nil else {
                    errors.add(path + ".content[\(i)]", "must be a content part with a \"type\"")
                    continue
                }
                bytes += part["text"]?.stringValue?.utf8.count ?? 0
            }
            if bytes > limits.maxMessageBytes {
                errors.add(path + ".content", "is \(bytes) bytes of text; the limit is \(limits.maxMessageBytes)")
            }
            out["content"] = .array(parts)
        case nil, .null?:
            if !hasToolCalls { errors.add(path + ".content", "is required unless the message has tool_calls") }
            out["content"] = .null
        case let other?:
            errors.add(path + ".content", "must be a string or an array of content parts, got \(other.kindName)")
        }
        if let name = object["name"], !name.isNull {
            if let s = name.stringValue { out["name"] = .string(s) } else { errors.add(path + ".name", "must be a string") }
        }
        if let calls = object["tool_calls"], !calls.isNull {
            if case .array = calls { out["tool_calls"] = calls } else { errors.add(path + ".tool_calls", "must be an array") }
        }
        if let id = object["tool_call_id"], !id.isNull {
            if let s = id.stringValue { out["tool_call_id"] = .string(s) } else {
                errors.add(path + ".tool_call_id", "must be a string")
            }
        }
        if let when = time(object["created_at"] ?? object["timestamp"], path + ".created_at", &errors) {
            out["created_at"] = .string(Timestamp.format(when))
            if first == nil { first = when }
        }
        return errors.items.count == before ? .object(out) : nil
    }

    func tags(_ value: JSONValue?, _ errors: inout FieldErrors) -> [String] {
        guard let value, !value.isNull else { return [] }
        guard case .array(let items) = value else {
            errors.add("tags", "must be an array of strings")
            return []
        }
        if items.count > limits.maxTags { errors.add("tags", "has more than \(limits.maxTags) tags") }
        var tags: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = item.stringValue, !s.isEmpty, s.count <= limits.maxTagLength else {
                errors.add("tags[\(i)]", "must be a non-empty string of at most \(limits.maxTagLength) characters")
                continue
            }
            if !tags.contains(s) { tags.append(s) }
        }
        return tags
    }

    /// `{thumb: "up"|"down"|1|-1|true|false, rating: 1…5, comment}`.
    func feedback(_ value: JSONValue?, _ path: String, _ errors: inout FieldErrors) -> ConversationInput.Feedback? {
        guard let value, !value.isNull else { return nil }
        guard case .object(let object) = value else {
            errors.add(path, "must be an object")
            return nil
        }
        var feedback = ConversationInput.Feedback()
        switch object["thumb"] ?? object["thumbs"] {
        case nil, .null?: break
        case .string("up")?, .bool(true)?: feedback.thumb = 1
        case .string("down")?, .bool(false)?: feedback.thumb = -1
        case let n? where n.intValue == 1 || n.intValue == -1: feedback.thumb = n.intValue
        default: errors.add(path + ".thumb", "must be \"up\", \"down\", 1 or -1")
        }
        if let r = object["rating"], !r.isNull {
            if let v = r.intValue, (1...5).contains(v) { feedback.rating = v } else {
                errors.add(path + ".rating", "must be a whole number from 1 to 5")
            }
        }
        if let c = object["comment"], !c.isNull {
            if let s = c.stringValue, s.count <= limits.maxCommentLength { feedback.comment = s } else {
                errors.add(path + ".comment", "must be a string of at most \(limits.maxCommentLength) characters")
            }
        }
        if feedback.thumb == nil && feedback.rating == nil && feedback.comment == nil {
            errors.add(path, "needs a thumb, a rating or a comment")
        }
        return feedback
    }
}
