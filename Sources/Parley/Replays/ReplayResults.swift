import Foundation
import Postgres

/// Results of a replay: new answers to a set's items, stored as variants of them (one per item and label).
///
/// A body is a JSON object (one result, or `{"label": …, "results": […]}`), a JSON array of results, or NDJSON
/// (one result per line). Each result: `{"id": item id, "label": "…", "output": "text"}` or `"messages": […]`
/// instead of `output`, optionally `model`, `prompt_version` and `metadata`. A body is stored whole or not at all:
/// any invalid entry rejects it, with every problem listed. Posting the same results again changes nothing; a
/// changed answer replaces the old one and drops the verdicts given on it.
struct ReplayResults: Sendable {
    let pool: PostgresPool

    /// Most results in one body.
    static let maximumEntries = 50_000

    /// One valid result.
    struct Entry: Sendable, Equatable {
        var key: String
        var label: String
        var output: [JSONValue]
        var model: String?
        var promptVersion: String?
        var metadata: JSONValue
        /// Where it was in the body (`line 3`, `results[2]`), for errors.
        var path = ""
    }

    /// What storing did.
    struct Outcome: Encodable, Sendable, Equatable {
        var received = 0
        var created = 0
        var updated = 0
        var unchanged = 0
        /// Verdicts dropped because the answer they judged changed.
        var verdictsReset = 0

        enum CodingKeys: String, CodingKey {
            case received, created, updated, unchanged, verdictsReset = "verdicts_reset"
        }
    }

    /// The body's problems (each with its line or index), when it is rejected.
    struct Rejection: Error, Sendable {
        var errors: [Problem.FieldError]
    }

    /// Parses a body into results; `label` applies to entries without one.
    static func parse(_ bytes: [UInt8], label defaultLabel: String? = nil) -> (entries: [Entry], errors: [Problem.FieldError]) {
        var entries: [Entry] = []
        var errors: [Problem.FieldError] = []
        var seen = Set<[String]>()
        func take(_ value: JSONValue, at path: String, label: String?) {
            switch entry(value, label: label) {
            case .success(var entry):
                entry.path = path
                if seen.insert([entry.key, entry.label]).inserted {
                    entries.append(entry)
                } else {
                    errors.append(.init(path: path, message: "id \(entry.key) with label \(entry.label) appears twice"))
                }
            case .failure(let message):
                errors.append(.init(path: path, message: message.description))
            }
        }
        if let whole = try? JSONParser.parse(bytes) {
            if let list = whole.arrayValue {
                for (index, value) in list.enumerated() { take(value, at: "[\(index)]", label: defaultLabel) }
            } else if let results = whole["results"]?.arrayValue {
                let label = whole["label"]?.stringValue ?? defaultLabel
                for (index, value) in results.enumerated() { take(value, at: "results[\(index)]", label: label) }
            } else {
                take(whole, at: "line 1", label: defaultLabel)
            }
        } else {
            var number = 0
            for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
                number += 1
                let trimmed = line.last == 0x0D ? line.dropLast() : line
                if trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                do {
                    take(try JSONParser.parse(trimmed), at: "line \(number)", label: defaultLabel)
                } catch {
                    errors.append(.init(path: "line \(number)", message: "not JSON: \(error)"))
                }
                if entries.count + errors.count > maximumEntries { break }
            }
        }
        if entries.count + errors.count > maximumEntries {
            return ([], [.init(path: "", message: "at most \(maximumEntries) results per request")])
        }
        if entries.isEmpty && errors.isEmpty {
            errors.append(.init(path: "", message: "no results: send JSON objects with id, label and output"))
        }
        return (entries, errors)
    }

    struct Message: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// One result, validated.
    static func entry(_ value: JSONValue, label defaultLabel: String?) -> Result<Entry, Message> {
        guard let object = value.objectValue else { return .failure(Message("must be a JSON object")) }
        guard let key = object["id"]?.stringValue, !key.isEmpty else {
            return .failure(Message("id: the item id of the inputs export (such as rs1-1) is required"))
        }
        let label = (object["label"]?.stringValue ?? defaultLabel ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(label.count) else {
            return .failure(Message("label: 1 to 100 characters naming the model or prompt that answered, required"))
        }
        var output: [JSONValue]
        switch (object["output"], object["messages"]) {
        case (.string(let text)?, nil):
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                return .failure(Message("output: the answer is empty"))
            }
            output = [.object(["role": "assistant", "content": .string(text)])]
        case (nil, .array(let messages)?):
            guard !messages.isEmpty, messages.allSatisfy({ $0["role"]?.stringValue != nil }) else {
                return .failure(Message("messages: a non-empty list of messages, each with a role"))
            }
            guard messages.contains(where: { $0["role"]?.stringValue == "assistant" }) else {
                return .failure(Message("messages: must contain an assistant message"))
            }
            output = messages
        case (nil, nil):
            return .failure(Message("output (text) or messages (list) is required"))
        default:
            return .failure(Message("give output as text or messages as a list, not both"))
        }
        output = output.map(TrainingExamples.chatMessage)
        var optional: [String: String] = [:]
        for field in ["model", "prompt_version"] {
            switch object[field] {
            case nil, .null?: break
            case .string(let text)? where text.count <= 200: optional[field] = text
            default: return .failure(Message("\(field): text of at most 200 characters"))
            }
        }
        let metadata = object["metadata"] ?? .object([:])
        guard metadata.objectValue != nil else { return .failure(Message("metadata: must be an object")) }
        return .success(Entry(key: key, label: label, output: output, model: optional["model"],
                              promptVersion: optional["prompt_version"], metadata: metadata))
    }

    /// Stores `entries` as variants of set `setID`'s items, all or nothing.
    /// - Throws: `Rejection` when an entry names an item that is not in the set.
    func store(_ entries: [Entry], setID: Int) async throws -> Outcome {
        let keys = entries.map(\.key)
        let known = Set(try await pool.query("""
            SELECT item_key FROM replay_items WHERE set_id = \(setID) AND item_key = ANY(\(Array(Set(keys))))
            """).map { try $0.decode(0, as: String.self) })
        let unknown = entries.filter { !known.contains($0.key) }
        if !unknown.isEmpty {
            throw Rejection(errors: unknown.prefix(100).map {
                .init(path: $0.path, message: "id \($0.key) is not an item of replay set \(setID)")
            })
        }
        let labels = entries.map(\.label)
        let outputs = entries.map { JSONValue.array($0.output).serialized() }
        let models = entries.map { $0.model ?? "" }
        let prompts = entries.map { $0.promptVersion ?? "" }
        let metadata = entries.map { $0.metadata.serialized() }
        let input: PostgresQuery = """
            SELECT i.id AS item_id, t.label, t.output::jsonb AS output, nullif(t.model, '') AS model,
                   nullif(t.prompt, '') AS prompt, t.meta::jsonb AS meta
            FROM unnest(\(keys)::text[], \(labels)::text[], \(outputs)::text[], \(models)::text[], \(prompts)::text[],
                        \(metadata)::text[]) AS t(key, label, output, model, prompt, meta)
            JOIN replay_items i ON i.item_key = t.key AND i.set_id = \(setID)
            """
        return try await pool.withTransaction { connection in
            var outcome = Outcome(received: entries.count)
            outcome.verdictsReset = try await connection.query("""
                DELETE FROM pairwise_verdicts p USING replay_variants v, (\(input)) t
                WHERE p.variant_id = v.id AND v.item_id = t.item_id AND v.label = t.label AND v.output <> t.output
                """).affectedRows
            let changed = try await connection.query("""
                INSERT INTO replay_variants (set_id, item_id, label, model, prompt_version, output, metadata)
                SELECT \(setID), item_id, label, model, prompt, output, meta FROM (\(input)) t
                ON CONFLICT (item_id, label) DO UPDATE SET output = EXCLUDED.output, model = EXCLUDED.model,
                    prompt_version = EXCLUDED.prompt_version, metadata = EXCLUDED.metadata, updated_at = now()
                WHERE (replay_variants.output, replay_variants.model, replay_variants.prompt_version, replay_variants.metadata)
                      IS DISTINCT FROM (EXCLUDED.output, EXCLUDED.model, EXCLUDED.prompt_version, EXCLUDED.metadata)
                RETURNING (xmax = 0)
                """).map { try $0.decode(0, as: Bool.self) }
            outcome.created = changed.filter { $0 }.count
            outcome.updated = changed.count - outcome.created
            outcome.unchanged = entries.count - changed.count
            return outcome
        }
    }
}
