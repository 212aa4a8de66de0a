/// The chat messages a span carries, in the API shape, split into what was sent and what came back.
struct SpanMessages {
    var input: [JSONValue] = []
    var output: [JSONValue] = []
    /// Which convention they were read from (`"messages-attributes"`, `"events"`, `"indexed-attributes"`).
    var convention = ""

    var all: [JSONValue] { input + output }
    var isEmpty: Bool { input.isEmpty && output.isEmpty }
}

extension OTLPSpan {
    /// Reads the span's messages with the newest convention it uses; the conventions are not mixed, since
    /// instrumentations that emit two of them emit the same messages twice.
    func messages(warnings: inout [String]) -> SpanMessages {
        var result = SpanMessages()
        if attributes["gen_ai.input.messages"] != nil || attributes["gen_ai.output.messages"] != nil
            || attributes["gen_ai.system_instructions"] != nil
        {
            result = messagesFromMessageAttributes(warnings: &warnings)
            result.convention = "messages-attributes"
        } else if events.contains(where: { Self.messageEventNames.contains($0.name) }) {
            result = messagesFromEvents(warnings: &warnings)
            result.convention = "events"
        } else if attributes.keys.contains(where: {
            $0.hasPrefix("gen_ai.prompt.") || $0.hasPrefix("gen_ai.completion.")
        }) {
            result = messagesFromIndexedAttributes(warnings: &warnings)
            result.convention = "indexed-attributes"
        }
        return result
    }

    /// A message in the API shape, or nil (with a warning) when it has neither content nor tool calls.
    static func message(
        role: String, content: JSONValue?, toolCalls: [JSONValue] = [], toolCallID: String? = nil,
        name: String? = nil, warnings: inout [String]
    ) -> JSONValue? {
        var role = role.lowercased()
        if role == "developer" { role = "system" }
        if role == "function" { role = "tool" }
        guard ConversationValidator.roles.contains(role) else {
            warnings.append("skipped a message with role \"\(role)\"")
            return nil
        }
        let content = normalizedContent(content)
        guard content != nil || !toolCalls.isEmpty else {
            warnings.append("skipped an empty \(role) message")
            return nil
        }
        var object: [String: JSONValue] = ["role": .string(role), "content": content ?? .null]
        if !toolCalls.isEmpty { object["tool_calls"] = .array(toolCalls) }
        if let toolCallID { object["tool_call_id"] = .string(toolCallID) }
        if let name, !name.isEmpty { object["name"] = .string(name) }
        return .object(object)
    }

    /// An OpenAI-style tool call; arguments given as an object are serialised, as OpenAI sends them as text.
    static func toolCall(id: String?, name: String?, arguments: JSONValue?) -> JSONValue {
        var function: [String: JSONValue] = ["name": .string(name ?? "")]
        switch arguments {
        case nil, .null?: function["arguments"] = .string("")
        case .string(let s)?: function["arguments"] = .string(s)
        case let other?: function["arguments"] = .string(other.serialized())
        }
        var call: [String: JSONValue] = ["type": .string("function"), "function": .object(function)]
        if let id { call["id"] = .string(id) }
        return .object(call)
    }

    /// Tool calls given in the OpenAI shape (`{id, type, function: {name, arguments}}`) or flat
    /// (`{id, name, arguments}`).
    static func toolCalls(_ value: JSONValue?) -> [JSONValue] {
        let items: [JSONValue]
        switch value {
        case .array(let a)?: items = a
        case .string(let s)?: items = (try? JSONParser.parse(s))?.arrayValue ?? []
        default: items = []
        }
        return items.compactMap { item in
            guard case .object = item else { return nil }
            let function = item["function"] ?? item
            return toolCall(
                id: item["id"]?.stringValue, name: function["name"]?.stringValue,
                arguments: function["arguments"])
        }
    }

    /// Text stays text; a JSON array of content parts in a string (as OpenLLMetry records multimodal input)
    /// becomes parts; parts in the GenAI shape (`{type: "text", content}`) become OpenAI parts (`{type, text}`).
    static func normalizedContent(_ value: JSONValue?) -> JSONValue? {
        switch value {
        case nil, .null?:
            return nil
        case .string(let s)?:
            if s.first == "[", let parsed = try? JSONParser.parse(s), let parts = parsed.arrayValue,
                !parts.isEmpty, parts.allSatisfy({ $0["type"]?.stringValue != nil })
            {
                return normalizedContent(parsed)
            }
            return .string(s)
        case .array(let parts)?:
            let converted: [JSONValue] = parts.compactMap { part in
                guard case .object(var object) = part else {
                    return part.stringValue.map { .object(["type": .string("text"), "text": .string($0)]) }
                }
                guard object["type"]?.stringValue != nil else { return nil }
                if object["text"] == nil, object["type"]?.stringValue == "text", let c = object["content"] {
                    object["text"] = c
                    object["content"] = nil
                }
                return .object(object)
            }
            return converted.isEmpty ? nil : .array(converted)
        case .object(let object)?:
            // `{"content": …}` wrappers appear in event bodies.
            if let inner = object["content"] { return normalizedContent(inner) }
            return .string(JSONValue.object(object).serialized())
        case let other?:
            return .string(other.serialized())
        }
    }
}
