import Foundation

/// One public conversation before it is dated and attributed: its dataset, category and turns.
struct DemoSeed: Sendable {
    /// A user or assistant turn.
    struct Turn: Sendable {
        var role: String
        var text: String
    }

    /// The dataset's short name, used as tag and `metadata.source`.
    var source: String
    var category: String
    var turns: [Turn]
    /// Whether it is a query to the banking support bot (rather than the general assistant).
    var isSupport: Bool
}

extension DemoData {
    /// Reads every dataset in the folder, in a fixed order.
    static func loadSeeds(directory: String) throws -> [DemoSeed] {
        var seeds: [DemoSeed] = []
        seeds += try hhRLHF(directory + "/hh_rlhf_harmless_base/chosen.jsonl")
        seeds += try mtBench(
            questions: directory + "/mt_bench/question.jsonl",
            answers: directory + "/mt_bench/reference_answer_gpt-4.jsonl")
        seeds += try jsonLines(directory + "/vicuna_bench/question.jsonl").compactMap { question in
            guard let first = question["turns"]?.arrayValue?.first?.stringValue else { return nil }
            return DemoSeed(
                source: "vicuna-bench", category: question["category"]?.stringValue ?? "generic",
                turns: [.init(role: "user", text: first)], isSupport: false)
        }
        seeds += try banking77(directory + "/banking77/test-subset.csv")
        return seeds
    }

    /// HH-RLHF `chosen` transcripts: `\n\nHuman: …\n\nAssistant: …` turns.
    static func hhRLHF(_ path: String) throws -> [DemoSeed] {
        try jsonLines(path).compactMap { line in
            guard let transcript = line["chosen"]?.stringValue else { return nil }
            let turns = transcriptTurns(transcript)
            guard turns.contains(where: { $0.role == "user" }) else { return nil }
            return DemoSeed(source: "hh-rlhf", category: "harmless-base", turns: turns, isSupport: false)
        }
    }

    /// An HH-RLHF transcript as API messages (`role`, `content`).
    public static func transcriptMessages(_ transcript: String) -> [JSONValue] {
        transcriptTurns(transcript).map { .object(["role": .string($0.role), "content": .string($0.text)]) }
    }

    /// Splits an HH-RLHF transcript into turns; empty turns are dropped.
    static func transcriptTurns(_ transcript: String) -> [DemoSeed.Turn] {
        var turns: [DemoSeed.Turn] = []
        for chunk in transcript.components(separatedBy: "\n\nHuman: ").dropFirst() {
            let pieces = chunk.components(separatedBy: "\n\nAssistant: ")
            let human = pieces[0].trimmingCharacters(in: .whitespacesAndNewlines)
            if !human.isEmpty { turns.append(.init(role: "user", text: human)) }
            for reply in pieces.dropFirst() {
                let text = reply.trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty { turns.append(.init(role: "assistant", text: text)) }
            }
        }
        return turns
    }

    /// MT-Bench: both turns with GPT-4's reference answers where there are some, else the first question only
    /// (the second turn refers to an answer we do not have).
    static func mtBench(questions: String, answers: String) throws -> [DemoSeed] {
        var references: [String: [String]] = [:]
        for answer in try jsonLines(answers) {
            guard let id = answer["question_id"].map({ $0.stringValue ?? $0.serialized() }),
                let turns = answer["choices"]?.arrayValue?.first?["turns"]?.arrayValue
            else { continue }
            references[id] = turns.compactMap(\.stringValue)
        }
        return try jsonLines(questions).compactMap { question in
            guard let id = question["question_id"].map({ $0.stringValue ?? $0.serialized() }),
                let asked = question["turns"]?.arrayValue?.compactMap(\.stringValue), let first = asked.first
            else { return nil }
            var turns: [DemoSeed.Turn] = [.init(role: "user", text: first)]
            if let answers = references[id], answers.count >= asked.count {
                turns = []
                for (q, a) in zip(asked, answers) {
                    turns.append(.init(role: "user", text: q))
                    turns.append(.init(role: "assistant", text: a))
                }
            }
            return DemoSeed(
                source: "mt-bench", category: question["category"]?.stringValue ?? "general",
                turns: turns, isSupport: false)
        }
    }

    /// Banking77 queries, each answered by the support bot's reply for its intent.
    static func banking77(_ path: String) throws -> [DemoSeed] {
        let mapping = ImportReader.CSVMapping(userText: "text", metadata: ["category"])
        return try ImportReader(path: path, format: .csv, csvMapping: mapping).compactMap { item in
            guard case .success(let record) = item,
                let text = record.conversation["messages"]?.arrayValue?.first.map(ConversationInput.text(of:)),
                let category = record.conversation["metadata"]?["category"]?.stringValue
            else { return nil }
            return DemoSeed(
                source: "banking77", category: category,
                turns: [
                    .init(role: "user", text: text),
                    .init(role: "assistant", text: BankingReplies.reply(for: category)),
                ],
                isSupport: true)
        }
    }

    /// The JSON objects of a small JSONL file.
    static func jsonLines(_ path: String) throws -> [JSONValue] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try data.split(separator: 0x0A).compactMap { line in
            line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) ? nil : try JSONParser.parse(line)
        }
    }
}
