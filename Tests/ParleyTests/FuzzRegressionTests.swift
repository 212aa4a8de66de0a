import Foundation
import Parley
import Testing

/// Inputs that broke the decoder fuzz harnesses (scripts/fuzz.sh), kept so that the bugs they showed stay fixed.
struct FuzzRegressionTests {
    /// Two chat spans of one trace whose token counts add up past `Int.max` trapped in the OTLP mapper (an overflow
    /// seen in review while writing the otlp harness; the harness traps on this input without the fix).
    @Test func otlpTokenCountsPastIntMaxSaturate() throws {
        func span(_ id: String) -> String {
            #"{"traceId":"t","spanId":""# + id + #"","attributes":["#
                + #"{"key":"gen_ai.prompt.0.content","value":{"stringValue":"hi"}},"#
                + #"{"key":"gen_ai.usage.input_tokens","value":{"intValue":"9223372036854775807"}},"#
                + #"{"key":"gen_ai.usage.output_tokens","value":{"intValue":"-9223372036854775808"}}]}"#
        }
        let body = #"{"resourceSpans":[{"scopeSpans":[{"spans":["# + span("a") + "," + span("b") + "]}]}]}"
        let result = try OTLPTraceMapper().map(json: Array(body.utf8))
        let conversation = try #require(result.conversations.first)
        let input = try ConversationValidator().validate(conversation).get()
        #expect(input.metadata["input_tokens"] == .number(String(Int.max)))
        #expect(input.metadata["output_tokens"] == .number(String(Int.min)))
    }
}
