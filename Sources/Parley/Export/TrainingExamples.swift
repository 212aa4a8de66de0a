/// Conversations as training data: OpenAI chat fine-tuning lines and DPO preference pairs.
enum TrainingExamples {
    /// A stored message in the chat format: `role`, `content` as text (content parts joined), and `tool_calls`,
    /// `tool_call_id` and `name` when present.
    static func chatMessage(_ message: JSONValue) -> JSONValue {
        var object: [String: JSONValue] = [
            "role": .string(message["role"]?.stringValue ?? "user"),
            "content": .string(ConversationInput.text(of: message)),
        ]
        for key in ["tool_calls", "tool_call_id", "name"] {
            if let value = message[key], value != .null { object[key] = value }
        }
        return .object(object)
    }

    static func assistant(_ text: String) -> JSONValue {
        .object(["role": .string("assistant"), "content": .string(text)])
    }

    /// The index of the last user message.
    static func lastUser(_ messages: [JSONValue]) -> Int? {
        messages.lastIndex { $0["role"]?.stringValue == "user" }
    }

    /// `{"messages": […]}` for OpenAI chat fine-tuning, ending on an assistant turn: with a corrected answer, the
    /// messages up to the last user turn followed by the correction (it replaces what the assistant said after
    /// it); without, the messages up to the last assistant turn. nil when there is no assistant turn to learn.
    static func fineTuneLine(_ row: ExportRow) -> JSONValue? {
        let messages = row.messages
        if let corrected = row.corrected {
            let prompt = lastUser(messages).map { Array(messages[...$0]) } ?? messages
            return .object(["messages": .array(prompt.map(chatMessage) + [assistant(corrected)])])
        }
        guard let last = messages.lastIndex(where: { $0["role"]?.stringValue == "assistant" }) else { return nil }
        return .object(["messages": .array(messages[...last].map(chatMessage))])
    }

    /// The prompt (messages up to the last user turn) and the response (what follows it), or nil without either.
    static func split(_ messages: [JSONValue]) -> (prompt: [JSONValue], response: [JSONValue])? {
        guard let user = lastUser(messages) else { return nil }
        let response = Array(messages[(user + 1)...])
        guard response.contains(where: { $0["role"]?.stringValue == "assistant" }) else { return nil }
        return (Array(messages[...user]), response)
    }

    /// A preference pair in TRL's conversational format: `prompt` (messages), `chosen` and `rejected` (the
    /// responses as messages), with `source` and the conversations' `parley_ids` for tracing.
    static func preference(prompt: [JSONValue], chosen: [JSONValue], rejected: [JSONValue], source: String,
                           ids: [Int]) -> JSONValue {
        .object([
            "prompt": .array(prompt.map(chatMessage)),
            "chosen": .array(chosen.map(chatMessage)),
            "rejected": .array(rejected.map(chatMessage)),
            "source": .string(source),
            "parley_ids": .array(ids.map { .number(String($0)) }),
        ])
    }

    /// The pair a corrected answer makes: the correction is chosen over what the assistant answered.
    static func correctionPair(_ row: ExportRow) -> JSONValue? {
        guard let corrected = row.corrected, let (prompt, response) = split(row.messages) else { return nil }
        let original = response.filter { $0["role"]?.stringValue == "assistant" }.map(ConversationInput.text(of:))
            .joined(separator: "\n")
        guard original.trimmingCharacters(in: .whitespacesAndNewlines) != corrected.trimmingCharacters(in: .whitespacesAndNewlines)
        else { return nil }
        return preference(prompt: prompt, chosen: [assistant(corrected)], rejected: response, source: "correction",
                          ids: [row.id])
    }
}
