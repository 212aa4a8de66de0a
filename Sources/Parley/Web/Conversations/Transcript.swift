import Foundation

/// A stored conversation's messages as the chat view shows them.
///
/// Everything here is plain text: templates escape it, so message content can never become markup, whatever
/// it contains. Content parts other than text are shown as short notes ("[image]").
enum Transcript {
    /// Template values for each message, in order.
    static func messages(_ messages: JSONValue) -> [[String: Any]] {
        (messages.arrayValue ?? []).enumerated().map { index, message in
            let role = message["role"]?.stringValue ?? "unknown"
            var values: [String: Any] = [
                "index": index + 1,
                "role": role,
                "roleLabel": label(role),
                "text": text(of: message["content"]),
                "isSystem": role == "system" || role == "developer",
                "isUser": role == "user",
                "isAssistant": role == "assistant",
                "isTool": role == "tool" || role == "function",
            ]
            if let name = message["name"]?.stringValue, !name.isEmpty { values["name"] = name }
            if let id = message["tool_call_id"]?.stringValue { values["toolCallID"] = id }
            if let calls = message["tool_calls"]?.arrayValue, !calls.isEmpty {
                values["toolCalls"] = calls.map { call -> [String: Any] in
                    let function = call["function"]
                    return ["name": function?["name"]?.stringValue ?? call["type"]?.stringValue ?? "call",
                            "arguments": pretty(function?["arguments"]),
                            "id": call["id"]?.stringValue ?? ""]
                }
            }
            if let created = message["created_at"]?.stringValue { values["time"] = created }
            return values
        }
    }

    static func label(_ role: String) -> String {
        switch role {
        case "user": "User"
        case "assistant": "Assistant"
        case "system": "System prompt"
        case "developer": "Developer prompt"
        case "tool", "function": "Tool result"
        default: role.capitalized
        }
    }

    /// The text of a message's content: a string, or its text parts joined, with notes for other parts.
    static func text(of content: JSONValue?) -> String {
        switch content {
        case .string(let text)?:
            return text
        case .array(let parts)?:
            return parts.map { part -> String in
                switch part["type"]?.stringValue {
                case "text", "input_text", "output_text": part["text"]?.stringValue ?? ""
                case "image_url", "input_image", "image": "[image]"
                case "input_audio", "audio": "[audio]"
                case "file", "input_file": "[file]"
                case let other?: "[\(other)]"
                case nil: part.stringValue ?? part.serialized()
                }
            }.joined(separator: "\n")
        case .null?, nil:
            return ""
        case let other?:
            return other.serialized()
        }
    }

    /// A tool call's arguments: the JSON string re-indented when it parses, else as sent.
    static func pretty(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        let text = value.stringValue ?? value.serialized()
        guard let data = text.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
              let pretty = try? JSONSerialization.data(withJSONObject: object,
                                                       options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed])
        else { return text }
        return String(decoding: pretty, as: UTF8.self)
    }

    /// Metadata as key/value rows (strings as they are, other values as compact JSON).
    static func metadata(_ metadata: JSONValue) -> [[String: String]] {
        (metadata.objectValue ?? [:]).sorted { $0.key < $1.key }.map { key, value in
            ["key": key, "value": value.stringValue ?? value.serialized()]
        }
    }
}
