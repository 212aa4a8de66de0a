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

    /// A CSV record holding a NUL byte became a conversation that PostgreSQL refuses to store, failing the whole
    /// import; now that record alone is rejected and the others are read.
    @Test func csvRecordWithNULIsRejected() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("chats.csv").path
        let text = "id,user,assistant\nc1,hello\u{0}there,hi\nc2,fine,ok\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let items = Array(try ImportReader(path: path))
        #expect(items.count == 2)
        guard case .failure(let error)? = items.first else {
            Issue.record("the NUL record was accepted")
            return
        }
        #expect(error.code == .invalidRecord)
        #expect(error.line == 2)
        let second = try items[1].get()
        #expect(try ConversationValidator().validate(second.conversation).get().externalID == "c2")
    }
}
