import Foundation
import Parley
import Testing

struct ImportReaderTests {
    /// Writes `text` to a fresh temporary file named `name` and returns its path.
    func file(_ name: String, _ text: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func validated(_ record: ImportReader.Record) throws -> ConversationInput {
        try ConversationValidator().validate(record.conversation).get()
    }

    @Test func apiShapeJSONL() throws {
        let text = """
            {"id": "c1", "model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}], "tags": ["a"]}

            {"messages": [{"role": "user", "content": "No id"}], "user_id": "u1"}
            not json
            [1, 2]
            """
        let reader = try ImportReader(path: try file("chats.jsonl", text))
        #expect(reader.format == .jsonl)
        let items = Array(reader)
        #expect(items.count == 4)
        let first = try validated(try items[0].get())
        #expect(first.externalID == "c1")
        #expect(first.model == "gpt-4o")
        let second = try items[1].get()
        #expect(second.line == 3)
        #expect(try validated(second).externalID == "chats.jsonl:3")
        #expect(throws: ImportError.self) { try items[2].get() }
        if case .failure(let error) = items[2] {
            #expect(error.line == 4)
            #expect(error.code == .invalidJSON)
        }
        if case .failure(let error) = items[3] { #expect(error.code == .invalidRecord && error.line == 5) }
    }

    @Test func openAIFineTuningJSONL() throws {
        let lines = [
            #"{"messages": [{"role": "system", "content": "Marv is sarcastic."}, {"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "Paris, obviously.", "weight": 1}]}"#,
            #"{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}], "tools": [{"type": "function", "function": {"name": "get_weather"}}], "parallel_tool_calls": false}"#,
            #"{"prompt": "old format", "completion": "no"}"#,
        ]
        let reader = try ImportReader(path: try file("train.jsonl", lines.joined(separator: "\r\n") + "\r\n"))
        #expect(reader.format == .openAIFineTuning)
        let items = Array(reader)
        #expect(items.count == 3)
        let first = try validated(try items[0].get())
        #expect(first.messages.count == 3)
        #expect(first.externalID == "train.jsonl:1")
        #expect(first.promptVersion?.hasPrefix("sys-") == true)
        let second = try validated(try items[1].get())
        #expect(second.metadata["parallel_tool_calls"] == .bool(false))
        #expect(second.metadata["tools"]?.arrayValue?.count == 1)
        if case .failure(let error) = items[2] { #expect(error.line == 3) } else { Issue.record("expected an error") }
    }

    @Test func csvWithQuotesNewlinesAndMapping() throws {
        let text =
            "conv,question,answer,llm,when,sess,customer,channel,country\r\n"
            + "a1,\"How do I \"\"reset\"\" it?\",\"Step 1.\r\nStep 2.\",gpt-4o,2024-05-01T12:30:00Z,s1,u1,web,FR\r\n"
            + "a2,\"Multi\nline\nquestion\",,gpt-4o,1714566600,s1,u1,app,\r\n"
            + "a3,,no question,gpt-4o,,,,,\r\n"
            + "a4,too,many,fields,x,x,x,x,x,x\r\n"
            + "a5,last one,ok,gpt-4o,,,,,"
        let mapping = ImportReader.CSVMapping(
            id: "conv", userText: "question", assistantText: "answer", model: "llm", timestamp: "when", session: "sess",
            userID: "customer", metadata: ["channel", "country"])
        let items = Array(try ImportReader(path: try file("export.txt", text), format: .csv, csvMapping: mapping))
        #expect(items.count == 5)
        let first = try items[0].get()
        #expect(first.line == 2)
        let a1 = try validated(first)
        #expect(a1.externalID == "a1")
        #expect(ConversationInput.text(of: a1.messages[0]) == "How do I \"reset\" it?")
        #expect(ConversationInput.text(of: a1.messages[1]) == "Step 1.\nStep 2.")
        #expect(a1.model == "gpt-4o" && a1.sessionID == "s1" && a1.endUserID == "u1")
        #expect(a1.metadata == .object(["channel": .string("web"), "country": .string("FR")]))
        #expect(Timestamp.format(a1.startedAt) == "2024-05-01T12:30:00.000Z")

        let second = try items[1].get()
        #expect(second.line == 4)
        let a2 = try validated(second)
        #expect(a2.messages.count == 1)
        #expect(ConversationInput.text(of: a2.messages[0]) == "Multi\nline\nquestion")
        #expect(Timestamp.format(a2.startedAt) == "2024-05-01T12:30:00.000Z")
        #expect(a2.metadata == .object(["channel": .string("app")]))

        if case .failure(let error) = items[2] { #expect(error.line == 7) } else { Issue.record("empty user text") }
        if case .failure(let error) = items[3] { #expect(error.line == 8) } else { Issue.record("field count") }
        #expect(try items[4].get().line == 9)
    }

    @Test func csvMappingGuessedFromHeader() throws {
        let text =
            "text,category\nHow do I locate my card?,card_arrival\n\"I still have not received my new card, I ordered over a week ago.\",card_arrival\n"
        let reader = try ImportReader(path: try file("banking.csv", text))
        #expect(reader.format == .csv)
        let items = Array(reader)
        #expect(items.count == 2)
        let second = try validated(try items[1].get())
        #expect(ConversationInput.text(of: second.messages[0]).hasSuffix("over a week ago."))
        #expect(second.metadata["category"] == .string("card_arrival"))
        #expect(second.externalID == "banking.csv:3")
    }

    @Test func csvMissingColumnAndUnknownFormat() throws {
        let path = try file("x.csv", "a,b\n1,2\n")
        #expect(throws: ImportError.self) {
            _ = try ImportReader(path: path, csvMapping: .init(userText: "prompt"))
        }
        #expect(throws: ImportError.self) { _ = try ImportReader(path: path) }  // no user-text column to guess
        #expect(throws: ImportError.self) { _ = try ImportReader(path: try file("notes.txt", "just words\n")) }
        #expect(throws: ImportError.self) { _ = try ImportReader(path: "/nonexistent/file.jsonl") }
        #expect(throws: ImportError.self) {
            _ = try ImportReader(path: try file("broken.csv", "prompt,answer\n\"never closed,x\n"), format: .csv).map {
                try $0.get()
            }
        }
    }

    @Test func detectsFormatFromNameAndFirstLine() {
        #expect(ImportReader.detectFormat(fileName: "a.CSV", firstLine: "{}") == .csv)
        #expect(ImportReader.detectFormat(fileName: "a.jsonl", firstLine: #"{"messages": []}"#) == .openAIFineTuning)
        #expect(ImportReader.detectFormat(fileName: "a", firstLine: #"{"id": 1, "messages": []}"#) == .jsonl)
        #expect(ImportReader.detectFormat(fileName: "a.ndjson", firstLine: "") == .jsonl)
        #expect(ImportReader.detectFormat(fileName: "data", firstLine: "prompt,response") == .csv)
        #expect(ImportReader.detectFormat(fileName: "data", firstLine: "hello") == nil)
    }

    @Test func streamsLargeFilesAcrossChunks() throws {
        // Lines straddle the 64 KiB read chunks; one line is bigger than a chunk.
        var text = "\u{FEFF}"
        for i in 1...3_000 {
            text += #"{"id": "c\#(i)", "messages": [{"role": "user", "content": "message number \#(i)"}]}"# + "\n"
        }
        text +=
            #"{"id": "big", "messages": [{"role": "user", "content": "\#(String(repeating: "x", count: 200_000))"}]}"#
            + "\n"
        let reader = try ImportReader(path: try file("many.jsonl", text))
        var count = 0
        var last: ImportReader.Record?
        for item in reader {
            let record = try item.get()
            count += 1
            #expect(record.line == count)
            last = record
        }
        #expect(count == 3_001)
        #expect(last?.conversation["id"] == .string("big"))
    }
}
