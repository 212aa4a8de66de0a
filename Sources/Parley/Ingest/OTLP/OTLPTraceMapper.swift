import Foundation

/// Maps an OTLP/HTTP JSON `ExportTraceServiceRequest` carrying OpenTelemetry GenAI spans to conversations.
///
/// Spans are grouped by `gen_ai.conversation.id` or `session.id` (on any span of the trace), else by trace id.
/// A group's messages are those of its chat spans merged in end-time order: later spans usually repeat the
/// whole history, so a message already seen is not added twice, and messages only earlier spans carry
/// (separate turns) keep their place. See `docs/otlp.md` for the full attribute mapping.
///
/// ```swift
/// let result = try OTLPTraceMapper().map(json: body)
/// for conversation in result.conversations { _ = ConversationValidator().validate(conversation) }
/// ```
public struct OTLPTraceMapper: Sendable {
    /// Attributes naming the conversation a span belongs to, in order of preference.
    static let conversationKeys = [
        "gen_ai.conversation.id", "session.id", "traceloop.association.properties.session_id",
    ]
    /// Attributes naming the end user.
    static let userKeys = ["user.id", "enduser.id", "traceloop.association.properties.user_id"]

    /// Creates a mapper.
    public init() {}

    /// Parses and maps a request body.
    /// - Parameter json: the UTF-8 JSON body of `POST /v1/traces`.
    /// - Returns: the conversations and warnings.
    /// - Throws: `JSONParseError` when the body is not JSON.
    public func map(json: some Collection<UInt8>) throws(JSONParseError) -> OTLPMappingResult {
        map(try JSONParser.parse(json))
    }

    /// Maps a parsed `ExportTraceServiceRequest`.
    /// - Parameter request: the request as JSON.
    /// - Returns: one conversation per conversation id or trace holding GenAI messages, oldest first, and
    ///   the warnings for what was skipped.
    public func map(_ request: JSONValue) -> OTLPMappingResult {
        var result = OTLPMappingResult()
        let spans = OTLPSpan.spans(in: request, warnings: &result.warnings)

        // A conversation id set on any span (often only the root) applies to the whole trace.
        var traceKeys: [String: String] = [:]
        for span in spans {
            if traceKeys[span.traceID] == nil, let key = span.string(anyOf: Self.conversationKeys) {
                traceKeys[span.traceID] = key
            }
        }
        var groups: [String: Group] = [:]
        for span in spans {
            let explicit = span.string(anyOf: Self.conversationKeys) ?? traceKeys[span.traceID]
            let key = explicit ?? span.traceID
            var group = groups[key] ?? Group(key: key, isSession: explicit != nil)
            group.spans.append(span)
            var messageWarnings: [String] = []
            let messages = span.messages(warnings: &messageWarnings)
            result.warnings += messageWarnings.map {
                OTLPMappingResult.Warning(traceID: span.traceID, spanID: span.spanID, message: $0)
            }
            if !messages.isEmpty {
                group.chats.append((span, messages))
            } else if span.hasGenAIAttributes {
                let operation = span.string("gen_ai.operation.name").map { " (operation \($0))" } ?? ""
                result.warnings.append(
                    .init(
                        traceID: span.traceID, spanID: span.spanID,
                        message: "GenAI span without messages\(operation); skipped"))
            }
            groups[key] = group
        }
        let conversations = groups.values.filter { !$0.chats.isEmpty }.map { $0.conversation() }
        result.conversations = conversations.sorted { $0.sortKey < $1.sortKey }.map(\.value)
        return result
    }

    /// The spans that share a conversation id or a trace.
    struct Group {
        var key: String
        var isSession: Bool
        var spans: [OTLPSpan] = []
        var chats: [(span: OTLPSpan, messages: SpanMessages)] = []

        func conversation() -> (sortKey: String, value: JSONValue) {
            let ordered = chats.sorted {
                ($0.span.endNanos, $0.span.startNanos) < ($1.span.endNanos, $1.span.startNanos)
            }
            var messages: [JSONValue] = []
            for (span, spanMessages) in ordered {
                let input = spanMessages.input.map { Self.stamped($0, span.startNanos) }
                let output = spanMessages.output.map { Self.stamped($0, span.endNanos) }
                messages = Self.merge(messages, input + output, newestInput: input.count - 1)
            }
            let chatSpans = ordered.map(\.span)
            // The latest span that says wins: models and services may change during a session.
            func latest(_ keys: [String]) -> String? {
                for span in chatSpans.reversed() { if let v = span.string(anyOf: keys) { return v } }
                return spans.lazy.compactMap { $0.string(anyOf: keys) }.first
            }
            var object: [String: JSONValue] = ["id": .string("otel:" + key), "messages": .array(messages)]
            if let model = latest(["gen_ai.response.model", "gen_ai.request.model"]) {
                object["model"] = .string(model)
            }
            if let user = latest(OTLPTraceMapper.userKeys) { object["user_id"] = .string(user) }
            if isSession { object["session_id"] = .string(key) }
            let start = spans.map(\.startNanos).filter { $0 > 0 }.min()
            if let start { object["started_at"] = .string(Timestamp.format(Self.date(start))) }

            var metadata: [String: JSONValue] = ["source": .string("otlp")]
            let traceIDs = spans.map(\.traceID).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            metadata["trace_id"] = .string(traceIDs.first ?? "")
            if traceIDs.count > 1 { metadata["trace_ids"] = .array(traceIDs.map(JSONValue.string)) }
            if let provider = latest(["gen_ai.provider.name", "gen_ai.system"]) {
                metadata["provider"] = .string(provider)
            }
            if let operation = latest(["gen_ai.operation.name"]) { metadata["operation"] = .string(operation) }
            if let service = latest(["service.name"]) { metadata["service"] = .string(service) }
            let input = chatSpans.compactMap {
                $0.integer("gen_ai.usage.input_tokens") ?? $0.integer("gen_ai.usage.prompt_tokens")
            }
            let output = chatSpans.compactMap {
                $0.integer("gen_ai.usage.output_tokens") ?? $0.integer("gen_ai.usage.completion_tokens")
            }
            if !input.isEmpty { metadata["input_tokens"] = .number(String(Self.total(input))) }
            if !output.isEmpty { metadata["output_tokens"] = .number(String(Self.total(output))) }
            metadata["span_count"] = .number(String(chatSpans.count))
            object["metadata"] = .object(metadata)
            return (String(format: "%020llu", start ?? 0) + key, .object(object))
        }

        /// The sum of token counts, saturated: they are int64 values chosen by the client, and a plain `+` past
        /// `Int.max` would trap (two spans of 2^62 tokens crashed the server;
        /// seen while writing the scripts/fuzz.sh otlp harness, which traps on it).
        static func total(_ counts: [Int]) -> Int {
            counts.reduce(0) { sum, count in
                let (result, overflow) = sum.addingReportingOverflow(count)
                return overflow ? (count > 0 ? .max : .min) : result
            }
        }

        static func date(_ nanos: UInt64) -> Date { Date(timeIntervalSince1970: Double(nanos) / 1e9) }

        static func stamped(_ message: JSONValue, _ nanos: UInt64) -> JSONValue {
            guard nanos > 0, case .object(var object) = message else { return message }
            object["created_at"] = .string(Timestamp.format(date(nanos)))
            return .object(object)
        }

        /// Merges a later span's messages into the conversation so far. Messages already present (matched in
        /// order) are skipped; new ones go just before the next matched message, or at the end.
        ///
        /// The span's newest input message is what prompted the call, so it is new unless it repeats the very
        /// last message (a retry): a user who says "yes" twice in separate turns keeps both.
        static func merge(_ current: [JSONValue], _ later: [JSONValue], newestInput: Int) -> [JSONValue] {
            let currentKeys = current.map(identity)
            var out: [JSONValue] = []
            var cursor = 0
            var pending: [JSONValue] = []
            for (index, message) in later.enumerated() {
                let key = identity(message)
                let searched = index == newestInput ? max(cursor, currentKeys.count - 1) : cursor
                if searched < currentKeys.count, let match = currentKeys[searched...].firstIndex(of: key) {
                    out += current[cursor...match].dropLast()
                    out += pending
                    out.append(current[match])
                    pending = []
                    cursor = match + 1
                } else {
                    pending.append(message)
                }
            }
            return out + current[cursor...] + pending
        }

        /// What makes two messages the same turn: role, text and tool calls, not times or argument formatting.
        static func identity(_ message: JSONValue) -> String {
            let calls = (message["tool_calls"]?.arrayValue ?? []).map {
                ($0["id"]?.stringValue ?? "") + "/" + ($0["function"]?["name"]?.stringValue ?? "")
            }
            let parts: [JSONValue] = [
                message["role"] ?? .null, .string(ConversationInput.text(of: message)),
                .array(calls.map(JSONValue.string)), message["tool_call_id"] ?? .null,
            ]
            return JSONValue.array(parts).serialized()
        }
    }
}
