extension OTLPSpan {
    /// The older flattened attributes (OpenLLMetry/Traceloop): `gen_ai.prompt.{i}.role`, `.content`,
    /// `.tool_call_id`, `.tool_calls.{j}.{id,name,arguments}`, and the same under `gen_ai.completion.{i}`.
    /// Only the first completion is kept: further ones are alternative choices (`n > 1`), not later turns.
    func messagesFromIndexedAttributes(warnings: inout [String]) -> SpanMessages {
        var result = SpanMessages()
        let prompts = indexedMessages(prefix: "gen_ai.prompt.")
        let completions = indexedMessages(prefix: "gen_ai.completion.")
        for (_, fields) in prompts {
            if let m = Self.indexedMessage(fields, defaultRole: "user", warnings: &warnings) { result.input.append(m) }
        }
        if let (_, fields) = completions.first,
            let m = Self.indexedMessage(fields, defaultRole: "assistant", warnings: &warnings)
        {
            result.output.append(m)
        }
        if completions.count > 1 { warnings.append("kept the first of \(completions.count) completion choices") }
        return result
    }

    /// The attributes under `prefix`, grouped by message index, in index order; keys are what follows the index.
    private func indexedMessages(prefix: String) -> [(Int, [String: JSONValue])] {
        var byIndex: [Int: [String: JSONValue]] = [:]
        for (key, value) in attributes where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]) else { continue }
            byIndex[index, default: [:]][String(rest[rest.index(after: dot)...])] = value
        }
        return byIndex.sorted { $0.key < $1.key }
    }

    private static func indexedMessage(
        _ fields: [String: JSONValue], defaultRole: String, warnings: inout [String]
    ) -> JSONValue? {
        // Tool calls: `tool_calls.{j}.id`, `.name`, `.arguments`.
        var calls: [Int: [String: JSONValue]] = [:]
        for (key, value) in fields where key.hasPrefix("tool_calls.") {
            let rest = key.dropFirst("tool_calls.".count)
            guard let dot = rest.firstIndex(of: "."), let j = Int(rest[..<dot]) else { continue }
            calls[j, default: [:]][String(rest[rest.index(after: dot)...])] = value
        }
        var toolCalls = calls.sorted { $0.key < $1.key }.map { _, call in
            toolCall(id: call["id"]?.stringValue, name: call["name"]?.stringValue, arguments: call["arguments"])
        }
        // Older OpenLLMetry releases recorded a single legacy `function_call`.
        if toolCalls.isEmpty, let name = fields["function_call.name"]?.stringValue {
            toolCalls.append(toolCall(id: nil, name: name, arguments: fields["function_call.arguments"]))
        }
        return message(
            role: fields["role"]?.stringValue ?? defaultRole, content: fields["content"], toolCalls: toolCalls,
            toolCallID: fields["tool_call_id"]?.stringValue, name: fields["name"]?.stringValue, warnings: &warnings)
    }
}
