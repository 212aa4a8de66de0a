import Foundation
import Postgres

/// Imports examples from CSV (`text,label` with a header) or JSONL (`{"text": …, "label": …}` per line): creates
/// the intents that do not exist yet (by name, case-insensitively) and adds the examples; bad lines are reported
/// by number and skipped.
struct IntentImport: Sendable {
    let store: IntentStore

    struct Report: Encodable, Sendable {
        struct LineError: Encodable, Sendable {
            var line: Int
            var message: String
        }
        var intentsCreated = 0
        var examplesAdded = 0
        var errors: [LineError] = []
        enum CodingKeys: String, CodingKey {
            case intentsCreated = "intents_created", examplesAdded = "examples_added", errors
        }
    }

    func run(projectID: Int, bytes: [UInt8], contentType: String) async throws -> Report {
        let text = String(decoding: bytes, as: UTF8.self)
        // Split on the scalars: Swift reads "\r\n" as one Character, so splitting Characters on "\n" misses CRLF.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(String.UnicodeScalarView(line.last == "\r" ? line.dropLast() : line[...]))
        }
        let firstLine = lines.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
        let isJSONL = contentType.lowercased().contains("json") || firstLine.hasPrefix("{")
        var report = Report()
        var pairs: [(line: Int, text: String, label: String)] = []
        var textColumn = 0, labelColumn = 1, sawHeader = false
        for (i, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let number = i + 1
            var text: String?, label: String?
            if isJSONL {
                guard let value = try? JSONParser.parse(Array(line.utf8)), value.objectValue != nil else {
                    report.errors.append(.init(line: number, message: "not a JSON object"))
                    continue
                }
                text = value["text"]?.stringValue
                label = value["label"]?.stringValue
            } else {
                let fields = Self.csvFields(line)
                if !sawHeader {
                    sawHeader = true
                    let names = fields.map { $0.lowercased().trimmingCharacters(in: .whitespaces) }
                    guard let t = names.firstIndex(of: "text"), let l = names.firstIndex(of: "label") else {
                        throw Problem(.unprocessableContent, title: "Missing header",
                                      detail: "The CSV must start with a header naming the columns text and label.")
                    }
                    (textColumn, labelColumn) = (t, l)
                    continue
                }
                text = fields.indices.contains(textColumn) ? fields[textColumn] : nil
                label = fields.indices.contains(labelColumn) ? fields[labelColumn] : nil
            }
            let cleanText = text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            let cleanLabel = label?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if cleanText.isEmpty || cleanText.count > 4_000 {
                report.errors.append(.init(line: number, message: "text must be 1 to 4000 characters"))
            } else if cleanLabel.isEmpty || cleanLabel.unicodeScalars.count > 200 {
                report.errors.append(.init(line: number, message: "label must be 1 to 200 characters"))
            } else {
                pairs.append((number, cleanText, cleanLabel))
            }
        }
        guard !pairs.isEmpty else { return report }
        let created = try await store.pool.withTransaction { connection -> (Int, Int) in
            var known: [String: Int] = [:]
            for row in try await connection.query("SELECT lower(name), id FROM intents WHERE project_id = \(projectID)") {
                let (name, id) = try row.decode((String, Int).self)
                known[name] = id
            }
            var createdCount = 0
            var byIntent: [Int: [String]] = [:]
            for pair in pairs {
                let key = pair.label.lowercased()
                if known[key] == nil {
                    known[key] = try await store.create(projectID: projectID, name: pair.label, description: "",
                                                        source: "import", connection: connection)
                    createdCount += 1
                }
                byIntent[known[key]!, default: []].append(pair.text)
            }
            var added = 0
            for (intent, texts) in byIntent {
                added += try await store.addExamples(projectID: projectID, intentID: intent, texts: texts,
                                                     conversations: texts.map { _ in nil }, connection: connection).count
            }
            return (createdCount, added)
        }
        report.intentsCreated = created.0
        report.examplesAdded = created.1
        return report
    }

    /// The fields of one CSV line (RFC 4180 quoting; a quoted field may contain commas and doubled quotes).
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        var characters = line.makeIterator()
        var pending: Character? = characters.next()
        while let c = pending {
            pending = characters.next()
            if quoted {
                if c == "\"" {
                    if pending == "\"" { current.append("\""); pending = characters.next() } else { quoted = false }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }
}
