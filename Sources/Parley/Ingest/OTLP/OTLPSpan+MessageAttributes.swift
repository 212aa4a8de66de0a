extension OTLPSpan {
    /// The newer structured attributes (semantic conventions 1.37+): `gen_ai.system_instructions`,
    /// `gen_ai.input.messages` and `gen_ai.output.messages`, each JSON text (or an OTLP array) of messages
    /// `{role, parts: [{type: "text", content} | {type: "tool_call", id, name, arguments} |
    /// {type: "tool_call_response", id, response} | …], name?, finish_reason?}`.
    func messagesFromMessageAttributes(warnings: inout [String]) -> SpanMessages {
        var result = SpanMessages()
        if let instructions = attributes["gen_ai.system_instructions"] {
            let parts =
                Self.jsonArray(instructions, "gen_ai.system_instructions", warnings: &warnings)
                ?? instructions.stringValue.map {
                    [JSONValue.object(["type": .string("text"), "content": .string($0)])]
                }
                ?? []
            let text = parts.compactMap { $0["content"]?.stringValue ?? $0["text"]?.stringValue ?? $0.stringValue }
            if !text.isEmpty {
                result.input.append(
                    .object(["role": .string("system"), "content": .string(text.joined(separator: "\n"))]))
            }
        }
        for item in Self.jsonArray(attributes["gen_ai.input.messages"], "gen_ai.input.messages", warnings: &warnings)
            ?? []
        {
            result.input += Self.partsMessages(item, defaultRole: "user", warnings: &warnings)
        }
        let outputs =
            Self.jsonArray(attributes["gen_ai.output.messages"], "gen_ai.output.messages", warnings: &warnings) ?? []
        // Several output messages are alternative choices; the first continues the conversation.
        if let first = outputs.first {
            result.output += Self.partsMessages(first, defaultRole: "assistant", warnings: &warnings)
        }
        if outputs.count > 1 { warnings.append("kept the first of \(outputs.count) output messages") }
        return result
    }

    /// The attribute as an array: an OTLP array value, or JSON text holding one.
    static func jsonArray(_ value: JSONValue?, _ name: String, warnings: inout [String]) -> [JSONValue]? {
        switch value {
        case nil, .null?: return nil
        case .array(let items)?: return items
        case .string(let text)?:
            if let items = (try? JSONParser.parse(text))?.arrayValue { return items }
            // System instructions may be plain text; anything else that does not parse is reported.
            if name != "gen_ai.system_instructions" { warnings.append("\(name) is not a JSON array; skipped") }
            return nil
        case let other?:
            warnings.append("\(name) is \(other.kindName), not an array; skipped")
            return nil
        }
    }

    /// One GenAI message as API messages: text and tool calls in one message, and each tool response as
    /// its own `tool` message (OpenAI's shape gives every tool result its own message).
    static func partsMessages(_ item: JSONValue, defaultRole: String, warnings: inout [String]) -> [JSONValue] {
        let role = item["role"]?.stringValue ?? defaultRole
        let name = item["name"]?.stringValue
        guard let parts = item["parts"]?.arrayValue else {
            // Some SDKs put OpenAI-shaped messages here (`content` instead of `parts`).
            guard item["content"] != nil || item["tool_calls"] != nil else {
                warnings.append("skipped a \(role) message without parts")
                return []
            }
            return message(
                role: role, content: item["content"], toolCalls: toolCalls(item["tool_calls"]),
                toolCallID: item["tool_call_id"]?.stringValue, name: name, warnings: &warnings
            ).map { [$0] } ?? []
        }
        var texts: [String] = []
        var calls: [JSONValue] = []
        var responses: [JSONValue] = []
        var skipped: Set<String> = []
        for part in parts {
            switch part["type"]?.stringValue {
            case "text"?:
                if let text = part["content"]?.stringValue ?? part["text"]?.stringValue { texts.append(text) }
            case "tool_call"?:
                calls.append(
                    toolCall(
                        id: part["id"]?.stringValue, name: part["name"]?.stringValue,
                        arguments: part["arguments"]))
            case "tool_call_response"?:
                let response = part["response"] ?? part["result"]
                let content: JSONValue =
                    response?.stringValue.map(JSONValue.string)
                    ?? .string(response?.serialized() ?? "")
                if let m = message(
                    role: "tool", content: content, toolCallID: part["id"]?.stringValue,
                    warnings: &warnings)
                {
                    responses.append(m)
                }
            case let other:
                skipped.insert(other ?? "untyped")
            }
        }
        if !skipped.isEmpty { warnings.append("skipped \(skipped.sorted().joined(separator: ", ")) parts") }
        var out: [JSONValue] = []
        if !texts.isEmpty || !calls.isEmpty {
            let content: JSONValue? = texts.isEmpty ? nil : .string(texts.joined(separator: "\n"))
            if let m = message(role: role, content: content, toolCalls: calls, name: name, warnings: &warnings) {
                out.append(m)
            }
        }
        return out + responses
    }
}
