import Foundation
import Parley
import Testing

struct DemoDataTests {
    /// The repository's data folder, found from this file's path so the test does not depend on the
    /// working directory.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/Parley/Demo/Data").path
    static let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    @Test func everyConversationValidates() throws {
        let demo = try DemoData(directory: Self.directory)
        let conversations = demo.conversations(now: Self.now, seed: 7)
        #expect(conversations.count == demo.count)
        #expect(conversations.count > 1_500)
        var ids: Set<String> = []
        for conversation in conversations {
            let input = try ConversationValidator().validate(conversation, now: Self.now).get()
            ids.insert(input.externalID)
            #expect(input.startedAt <= Self.now && input.startedAt > Self.now.addingTimeInterval(-30 * 86_400))
            for message in input.messages {
                if let time = message["created_at"]?.stringValue.flatMap(Timestamp.parse) { #expect(time <= Self.now) }
            }
        }
        #expect(ids.count == conversations.count)
    }

    @Test func sourcesModelsAndPromptVersions() throws {
        let inputs = try DemoData(directory: Self.directory).conversations(now: Self.now, seed: 1).map {
            try ConversationValidator().validate($0, now: Self.now).get()
        }
        let sources = Dictionary(grouping: inputs) { $0.metadata["source"]?.stringValue ?? "" }.mapValues(\.count)
        #expect(sources == ["hh-rlhf": 600, "mt-bench": 80, "vicuna-bench": 80, "banking77": 800])
        #expect(Set(inputs.compactMap(\.model)) == [DemoData.olderModel, DemoData.newerModel])
        #expect(Set(inputs.compactMap(\.promptVersion)) == ["support-v1", "support-v2", "assistant-v1"])

        func daysAgo(_ input: ConversationInput) -> Double { Self.now.timeIntervalSince(input.startedAt) / 86_400 }
        #expect(inputs.filter { daysAgo($0) > 14 }.allSatisfy { $0.model == DemoData.olderModel })
        #expect(inputs.filter { daysAgo($0) < 11 }.allSatisfy { $0.model == DemoData.newerModel })
        let support = inputs.filter { $0.metadata["source"] == .string("banking77") }
        #expect(support.allSatisfy { ($0.promptVersion == "support-v1") == (daysAgo($0) >= 15) })
        #expect(support.allSatisfy { $0.messages.map { $0["role"]?.stringValue } == ["system", "user", "assistant"] })

        // Recent days are busier than old ones.
        let lastWeek = inputs.filter { daysAgo($0) < 7 }.count
        let firstWeek = inputs.filter { daysAgo($0) >= 23 }.count
        #expect(lastWeek > firstWeek)

        #expect(inputs.allSatisfy { $0.endUserID != nil && $0.sessionID != nil && $0.tags.count == 1 })
        let rated = inputs.compactMap(\.feedback)
        #expect(rated.count > 200)
        #expect(rated.contains { $0.thumb == -1 } && rated.contains { $0.thumb == 1 })
        #expect(rated.contains { $0.rating != nil } && rated.contains { $0.comment != nil })
    }

    @Test func hhRLHFTurnsAreParsed() throws {
        let conversations = try DemoData(directory: Self.directory).conversations(now: Self.now, seed: 3)
        let chat = try #require(conversations.first { $0["id"] == .string("demo-hh-rlhf-0") })
        let messages = try #require(chat["messages"]?.arrayValue)
        #expect(
            messages.map { $0["role"]?.stringValue } == [
                "system", "user", "assistant", "user", "assistant", "user", "assistant",
            ])
        #expect(messages[1]["content"] == .string("what are some pranks with a pen i can do?"))
        #expect(messages.allSatisfy { !($0["content"]?.stringValue?.contains("Human:") ?? true) })
    }

    @Test func deterministicForASeed() throws {
        let demo = try DemoData(directory: Self.directory)
        let a = demo.conversations(now: Self.now, seed: 42)
        #expect(a == demo.conversations(now: Self.now, seed: 42))
        #expect(a != demo.conversations(now: Self.now, seed: 43))
    }

    @Test func locatesDirectoryAndReportsMissingData() throws {
        let located = try DemoData.locateDirectory()
        #expect(FileManager.default.fileExists(atPath: located + "/README.md"))
        #expect(throws: DemoDataError.self) { _ = try DemoData(directory: "/nonexistent/demo") }
    }
}
