import Foundation
import Parley
import Testing

/// Payloads shaped as common GenAI instrumentations export them over OTLP/HTTP JSON.
struct OTLPMappingTests {
    let trace = "5b8efff798038103d269b633813fc60c"

    /// An `ExportTraceServiceRequest` with one resource (`service.name`) and the given spans.
    func request(_ spans: [String], service: String = "chat-api") -> JSONValue {
        let text =
            #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":""#
            + service + #""}}]},"scopeSpans":[{"scope":{"name":"test"},"spans":["# + spans.joined(separator: ",")
            + "]}]}]}"
        return (try? JSONParser.parse(text)) ?? .null
    }

    func span(
        _ id: String, trace: String? = nil, name: String = "chat", start: Int, end: Int,
        attributes: [String], events: String = "[]"
    ) -> String {
        #"{"traceId":""# + (trace ?? self.trace) + #"","spanId":""# + id + #"","name":""# + name
            + #"","kind":3,"startTimeUnixNano":"\#(1_730_000_000_000_000_000 + start * 1_000_000)","endTimeUnixNano":"\#(1_730_000_000_000_000_000 + end * 1_000_000)","attributes":["#
            + attributes.joined(separator: ",") + #"],"events":"# + events + #","status":{}}"#
    }

    func str(_ key: String, _ value: String) -> String {
        #"{"key":"\#(key)","value":{"stringValue":\#(JSONValue.string(value).serialized())}}"#
    }

    func int(_ key: String, _ value: Int) -> String { #"{"key":"\#(key)","value":{"intValue":"\#(value)"}}"# }

    func validated(_ value: JSONValue) throws -> ConversationInput {
        try ConversationValidator().validate(value).get()
    }

    @Test func openLLMetryIndexedAttributes() throws {
        let attributes = [
            str("gen_ai.system", "OpenAI"), str("llm.request.type", "chat"), str("gen_ai.request.model", "gpt-4o-mini"),
            str("gen_ai.response.model", "gpt-4o-mini-2024-07-18"), str("gen_ai.prompt.0.role", "system"),
            str("gen_ai.prompt.0.content", "You are a helpful assistant."), str("gen_ai.prompt.1.role", "user"),
            str("gen_ai.prompt.1.content", "How do I reset my password?"), str("gen_ai.completion.0.role", "assistant"),
            str("gen_ai.completion.0.content", "Open Settings, then Security."),
            str("gen_ai.completion.0.finish_reason", "stop"), int("gen_ai.usage.prompt_tokens", 25),
            int("gen_ai.usage.completion_tokens", 9), str("traceloop.association.properties.user_id", "u-42"),
        ]
        let result = OTLPTraceMapper().map(
            request([
                span(
                    "a1b2c3d4e5f60718", name: "openai.chat", start: 0, end: 900,
                    attributes: attributes)
            ]))
        #expect(result.warnings.isEmpty)
        let conversation = try #require(result.conversations.first)
        let input = try validated(conversation)
        #expect(input.externalID == "otel:\(trace)")
        #expect(input.messages.map { $0["role"]?.stringValue } == ["system", "user", "assistant"])
        #expect(ConversationInput.text(of: input.messages[2]) == "Open Settings, then Security.")
        #expect(input.model == "gpt-4o-mini-2024-07-18")
        #expect(input.endUserID == "u-42")
        #expect(input.sessionID == nil)
        #expect(input.metadata["provider"] == .string("OpenAI"))
        #expect(input.metadata["service"] == .string("chat-api"))
        #expect(input.metadata["input_tokens"]?.intValue == 25)
        #expect(input.metadata["output_tokens"]?.intValue == 9)
        #expect(Timestamp.format(input.startedAt) == "2024-10-27T03:33:20.000Z")
    }

    @Test func openAIV2SpanEvents() throws {
        let events = #"""
            [{"timeUnixNano":"1730000000000000000","name":"gen_ai.system.message","attributes":[{"key":"gen_ai.system","value":{"stringValue":"openai"}},{"key":"content","value":{"stringValue":"Answer briefly."}}]},
             {"timeUnixNano":"1730000000000000001","name":"gen_ai.user.message","attributes":[{"key":"gen_ai.system","value":{"stringValue":"openai"}},{"key":"body","value":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"What is 2+2?"}}]}}}]},
             {"timeUnixNano":"1730000000500000000","name":"gen_ai.choice","attributes":[{"key":"gen_ai.system","value":{"stringValue":"openai"}},{"key":"body","value":{"stringValue":"{\"index\":0,\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\",\"content\":\"4\"}}"}}]}]
            """#
        let attributes = [
            str("gen_ai.operation.name", "chat"), str("gen_ai.system", "openai"), str("gen_ai.request.model", "gpt-4o"),
            int("gen_ai.usage.input_tokens", 12), int("gen_ai.usage.output_tokens", 1),
        ]
        let result = OTLPTraceMapper().map(
            request([
                span(
                    "00f067aa0ba902b7", name: "chat gpt-4o", start: 0, end: 500,
                    attributes: attributes, events: events)
            ]))
        #expect(result.warnings.isEmpty)
        let input = try validated(try #require(result.conversations.first))
        #expect(input.messages.map(ConversationInput.text(of:)) == ["Answer briefly.", "What is 2+2?", "4"])
        #expect(input.messages.map { $0["role"]?.stringValue } == ["system", "user", "assistant"])
        #expect(input.model == "gpt-4o")
        #expect(input.metadata["operation"] == .string("chat"))
    }

    @Test func messagesAttributesGroupedByConversationID() throws {
        let first = [
            str("gen_ai.operation.name", "chat"), str("gen_ai.provider.name", "openai"),
            str("gen_ai.conversation.id", "conv-7"), str("gen_ai.response.model", "gpt-4o-2024-11-20"),
            str("gen_ai.system_instructions", #"[{"type":"text","content":"Be kind."}]"#),
            str("gen_ai.input.messages", #"[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]"#),
            str(
                "gen_ai.output.messages",
                #"[{"role":"assistant","parts":[{"type":"text","content":"Hello!"}],"finish_reason":"stop"}]"#),
            str("enduser.id", "alice"),
        ]
        // The second turn, in another trace, repeats the history.
        let second = [
            str("gen_ai.operation.name", "chat"), str("gen_ai.conversation.id", "conv-7"),
            str(
                "gen_ai.input.messages",
                #"[{"role":"user","parts":[{"type":"text","content":"Hi"}]},{"role":"assistant","parts":[{"type":"text","content":"Hello!"}]},{"role":"user","parts":[{"type":"text","content":"Bye"},{"type":"blob","modality":"image","content":"AAAA"}]}]"#
            ),
            str("gen_ai.output.messages", #"[{"role":"assistant","parts":[{"type":"text","content":"Goodbye."}]}]"#),
        ]
        let result = OTLPTraceMapper().map(
            request([
                span(
                    "1111111111111111", trace: "0af7651916cd43dd8448eb211c80319c", start: 60_000, end: 61_000,
                    attributes: second),
                span("2222222222222222", start: 0, end: 1_000, attributes: first),
            ]))
        #expect(result.conversations.count == 1)
        #expect(result.warnings.map(\.message) == ["skipped blob parts"])
        let input = try validated(try #require(result.conversations.first))
        #expect(input.externalID == "otel:conv-7")
        #expect(input.sessionID == "conv-7")
        #expect(input.endUserID == "alice")
        #expect(input.messages.map(ConversationInput.text(of:)) == ["Be kind.", "Hi", "Hello!", "Bye", "Goodbye."])
        #expect(input.metadata["trace_ids"]?.arrayValue?.count == 2)
        #expect(input.metadata["provider"] == .string("openai"))
        #expect(input.messages[1]["created_at"] == .string("2024-10-27T03:33:20.000Z"))
    }

    @Test func multiSpanTraceWithToolCalls() throws {
        let ask = [
            str("gen_ai.prompt.0.role", "system"), str("gen_ai.prompt.0.content", "You can check weather."),
            str("gen_ai.prompt.1.role", "user"), str("gen_ai.prompt.1.content", "Weather in Paris?"),
        ]
        let firstCall =
            ask + [
                str("gen_ai.operation.name", "chat"), str("gen_ai.request.model", "gpt-4o"),
                str("gen_ai.completion.0.role", "assistant"), str("gen_ai.completion.0.finish_reason", "tool_calls"),
                str("gen_ai.completion.0.tool_calls.0.id", "call_1"),
                str("gen_ai.completion.0.tool_calls.0.name", "get_weather"),
                str("gen_ai.completion.0.tool_calls.0.arguments", #"{"city":"Paris"}"#),
                int("gen_ai.usage.input_tokens", 40), int("gen_ai.usage.output_tokens", 10),
            ]
        let secondCall =
            ask + [
                str("gen_ai.operation.name", "chat"), str("gen_ai.request.model", "gpt-4o"),
                str("gen_ai.prompt.2.role", "assistant"), str("gen_ai.prompt.2.tool_calls.0.id", "call_1"),
                str("gen_ai.prompt.2.tool_calls.0.name", "get_weather"),
                str("gen_ai.prompt.2.tool_calls.0.arguments", #"{"city": "Paris"}"#),
                str("gen_ai.prompt.3.role", "tool"), str("gen_ai.prompt.3.tool_call_id", "call_1"),
                str("gen_ai.prompt.3.content", #"{"temp_c":18}"#), str("gen_ai.completion.0.role", "assistant"),
                str("gen_ai.completion.0.content", "It is 18 °C in Paris."),
                int("gen_ai.usage.input_tokens", 70), int("gen_ai.usage.output_tokens", 12),
            ]
        let result = OTLPTraceMapper().map(
            request([
                span(
                    "aaaaaaaaaaaaaaa1", name: "invoke_agent weather", start: 0, end: 3_000,
                    attributes: [str("gen_ai.operation.name", "invoke_agent"), str("session.id", "s-9")]),
                span("aaaaaaaaaaaaaaa2", start: 10, end: 1_000, attributes: firstCall),
                span(
                    "aaaaaaaaaaaaaaa3", name: "execute_tool get_weather", start: 1_010, end: 1_200,
                    attributes: [str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "get_weather")]),
                span("aaaaaaaaaaaaaaa4", start: 1_210, end: 2_900, attributes: secondCall),
                span(
                    "aaaaaaaaaaaaaaa5", name: "GET /weather", start: 1_020, end: 1_150,
                    attributes: [str("http.request.method", "GET")]),
            ]))
        #expect(result.conversations.count == 1)
        #expect(Set(result.warnings.map(\.spanID)) == ["aaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaa3"])
        let input = try validated(try #require(result.conversations.first))
        #expect(input.externalID == "otel:s-9")
        #expect(input.sessionID == "s-9")
        #expect(input.messages.map { $0["role"]?.stringValue } == ["system", "user", "assistant", "tool", "assistant"])
        let call = try #require(input.messages[2]["tool_calls"]?.arrayValue?.first)
        #expect(call["function"]?["name"] == .string("get_weather"))
        #expect(call["id"] == .string("call_1"))
        #expect(input.messages[3]["tool_call_id"] == .string("call_1"))
        #expect(input.metadata["input_tokens"]?.intValue == 110)
        #expect(input.metadata["span_count"]?.intValue == 2)
        #expect(input.startedAt == Date(timeIntervalSince1970: 1_730_000_000))
    }

    @Test func separateTurnsMergeInTimeOrder() throws {
        func turn(_ user: String, _ reply: String) -> [String] {
            [
                str("session.id", "s-1"), str("gen_ai.prompt.0.role", "user"), str("gen_ai.prompt.0.content", user),
                str("gen_ai.completion.0.role", "assistant"), str("gen_ai.completion.0.content", reply),
            ]
        }
        let result = OTLPTraceMapper().map(
            request([
                span(
                    "bbbbbbbbbbbbbbb2", trace: "0af7651916cd43dd8448eb211c80319d", start: 5_000, end: 6_000,
                    attributes: turn("yes", "Done.")),
                span("bbbbbbbbbbbbbbb1", start: 0, end: 1_000, attributes: turn("Book it?", "Shall I?")),
                span(
                    "bbbbbbbbbbbbbbb3", trace: "0af7651916cd43dd8448eb211c80319e", start: 7_000, end: 8_000,
                    attributes: turn("yes", "Already done.")),
            ]))
        let input = try validated(try #require(result.conversations.first))
        #expect(
            input.messages.map(ConversationInput.text(of:))
                == ["Book it?", "Shall I?", "yes", "Done.", "yes", "Already done."])
    }

    @Test func spanWithoutGenAIDataIsIgnored() {
        let result = OTLPTraceMapper().map(
            request([
                span(
                    "cccccccccccccccc", name: "GET /healthz", start: 0, end: 2,
                    attributes: [str("http.request.method", "GET"), int("http.response.status_code", 200)])
            ]))
        #expect(result.conversations.isEmpty)
        #expect(result.warnings.isEmpty)
    }

    @Test func malformedSpansAndBodiesAreReported() throws {
        let payload = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"no ids"}]}]}]}"#
        let result = try OTLPTraceMapper().map(json: Array(payload.utf8))
        #expect(result.conversations.isEmpty)
        #expect(result.warnings.count == 1)
        #expect(throws: JSONParseError.self) { try OTLPTraceMapper().map(json: Array("{".utf8)) }

        let broken = OTLPTraceMapper().map(
            request([
                span(
                    "dddddddddddddddd", start: 0, end: 1,
                    attributes: [
                        str("gen_ai.input.messages", "not json"), str("gen_ai.operation.name", "chat"),
                    ])
            ]))
        #expect(broken.conversations.isEmpty)
        #expect(broken.warnings.map(\.message).contains("gen_ai.input.messages is not a JSON array; skipped"))
    }
}
