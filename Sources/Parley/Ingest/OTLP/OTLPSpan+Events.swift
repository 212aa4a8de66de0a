extension OTLPSpan {
    /// Span events of the event-based GenAI convention (semantic conventions 1.28–1.36), plus the earlier
    /// `gen_ai.content.prompt` / `gen_ai.content.completion` events holding a JSON list of messages.
    static let messageEventNames: Set<String> = [
        "gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message",
        "gen_ai.choice", "gen_ai.content.prompt", "gen_ai.content.completion",
    ]

    /// Messages from `gen_ai.{system,user,assistant,tool}.message` and `gen_ai.choice` events, in event order.
    /// Their fields come from a `body` attribute (an object, or JSON text), from `gen_ai.event.content`
    /// (JSON text), or else from the event's own attributes (`content`, `tool_calls`, `id`, `role`).
    func messagesFromEvents(warnings: inout [String]) -> SpanMessages {
        var result = SpanMessages()
        var choices = 0
        for event in events.sorted(by: { $0.timeNanos < $1.timeNanos }) {
            let body = Self.eventBody(event)
            switch event.name {
            case "gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message":
                let role =
                    body["role"]?.stringValue
                    ?? String(event.name.dropFirst("gen_ai.".count).dropLast(".message".count))
                let toolCallID = role == "tool" ? (body["id"] ?? body["tool_call_id"])?.stringValue : nil
                if let m = Self.message(
                    role: role, content: body["content"], toolCalls: Self.toolCalls(body["tool_calls"]),
                    toolCallID: toolCallID, name: body["name"]?.stringValue, warnings: &warnings)
                {
                    result.input.append(m)
                }
            case "gen_ai.choice":
                choices += 1
                let index = body["index"]?.intValue ?? 0
                guard index == 0 else { continue }
                let fields = body["message"]?.objectValue ?? body
                if let m = Self.message(
                    role: fields["role"]?.stringValue ?? "assistant", content: fields["content"],
                    toolCalls: Self.toolCalls(fields["tool_calls"]), warnings: &warnings)
                {
                    result.output.append(m)
                }
            case "gen_ai.content.prompt":
                result.input += Self.messageList(event.attributes["gen_ai.prompt"], warnings: &warnings)
            case "gen_ai.content.completion":
                result.output += Self.messageList(event.attributes["gen_ai.completion"], warnings: &warnings)
                    .prefix(1)
            default:
                continue
            }
        }
        if choices > 1 { warnings.append("kept the first of \(choices) gen_ai.choice events") }
        return result
    }

    /// The fields of an event: its `body`, JSON content, or attributes.
    static func eventBody(_ event: Event) -> [String: JSONValue] {
        for key in ["body", "gen_ai.event.content"] {
            switch event.attributes[key] {
            case .object(let object)?:
                return object
            case .string(let text)?:
                if let object = (try? JSONParser.parse(text))?.objectValue { return object }
                return ["content": .string(text)]
            default:
                continue
            }
        }
        return event.attributes
    }

    /// A list of OpenAI-style messages, given as JSON text or an array.
    static func messageList(_ value: JSONValue?, warnings: inout [String]) -> [JSONValue] {
        var items: [JSONValue] = []
        switch value {
        case .array(let a)?: items = a
        case .string(let s)?:
            guard let parsed = try? JSONParser.parse(s), let a = parsed.arrayValue else {
                warnings.append("a message list is not a JSON array; skipped")
                return []
            }
            items = a
        default: return []
        }
        return items.compactMap { item in
            let fields = item["message"] ?? item
            return message(
                role: fields["role"]?.stringValue ?? "assistant", content: fields["content"],
                toolCalls: toolCalls(fields["tool_calls"]), toolCallID: fields["tool_call_id"]?.stringValue,
                name: fields["name"]?.stringValue, warnings: &warnings)
        }
    }
}
