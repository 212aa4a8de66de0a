extension ImportReader {
    /// Reads the header row and resolves the mapping (given, or guessed from the header).
    func readCSVHeader(mapping: CSVMapping?) throws(ImportError) -> CSVLayout {
        let header: [String]
        do {
            guard let (number, line) = try lines.next() else {
                throw ImportError(.invalidRecord, line: 1, "the CSV file is empty; it needs a header row")
            }
            guard case .bytes(let bytes) = line else {
                throw ImportError(.lineTooLong, line: number, "the header is longer than \(lines.maxLineBytes) bytes")
            }
            header = Self.csvFields(try completeRecord(bytes, line: number))
        } catch let error as ImportError {
            throw error
        } catch {
            throw ImportError(.unreadable, line: 1, "cannot read: \(error)")
        }
        guard let resolved = mapping ?? CSVMapping.guess(header: header) else {
            throw ImportError(
                .missingColumn, line: 1,
                "no column looks like the user's text (\(header.joined(separator: ", "))); give a mapping")
        }
        return try CSVLayout(header: header, mapping: resolved)
    }

    /// One CSV record (which may continue over further lines) as a conversation.
    func csvRecord(_ bytes: [UInt8], line: Int) throws -> Result<Record, ImportError> {
        guard let layout = csv else { return .failure(ImportError(.invalidRecord, line: line, "no CSV header")) }
        let fields: [String]
        do {
            fields = Self.csvFields(try completeRecord(bytes, line: line))
        } catch let error as ImportError {
            return .failure(error)
        }
        guard fields.count == layout.columnCount else {
            return .failure(
                ImportError(
                    .invalidRecord, line: line,
                    "has \(fields.count) fields; the header has \(layout.columnCount)"))
        }
        func cell(_ index: Int?) -> String? {
            guard let index else { return nil }
            let value = fields[index]
            return value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : value
        }
        guard let user = cell(layout.userText) else {
            return .failure(ImportError(.invalidRecord, line: line, "the user text is empty"))
        }
        var messages: [JSONValue] = [.object(["role": .string("user"), "content": .string(user)])]
        if let reply = cell(layout.assistantText) {
            messages.append(.object(["role": .string("assistant"), "content": .string(reply)]))
        }
        var object: [String: JSONValue] = [
            "id": .string(cell(layout.id) ?? "\(idPrefix):\(line)"), "messages": .array(messages),
        ]
        if let model = cell(layout.model) { object["model"] = .string(model) }
        if let session = cell(layout.session) { object["session_id"] = .string(session) }
        if let user = cell(layout.userID) { object["user_id"] = .string(user) }
        if let time = cell(layout.timestamp) {
            let trimmed = time.trimmingCharacters(in: .whitespaces)
            // Epoch times are numbers in the API shape; everything else is passed on as text.
            let isNumber = !trimmed.isEmpty && trimmed.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
            object["started_at"] = isNumber ? .number(trimmed) : .string(trimmed)
        }
        var metadata: [String: JSONValue] = [:]
        for (name, index) in layout.metadata { if let value = cell(index) { metadata[name] = .string(value) } }
        if !metadata.isEmpty { object["metadata"] = .object(metadata) }
        return .success(Record(line: line, conversation: .object(object)))
    }

    /// Joins further lines while a quoted field is open (RFC 4180 §2.6: line breaks inside quotes).
    private func completeRecord(_ first: [UInt8], line: Int) throws -> [UInt8] {
        var record = first
        var quotes = first.reduce(0) { $0 + ($1 == UInt8(ascii: "\"") ? 1 : 0) }
        while quotes % 2 == 1 {
            guard let (_, next) = try lines.next() else {
                throw ImportError(.invalidRecord, line: line, "a quoted field is not closed before the end of the file")
            }
            guard case .bytes(let bytes) = next, record.count + bytes.count < lines.maxLineBytes else {
                throw ImportError(.lineTooLong, line: line, "the record is longer than \(lines.maxLineBytes) bytes")
            }
            record.append(0x0A)
            record += bytes
            quotes += bytes.reduce(0) { $0 + ($1 == UInt8(ascii: "\"") ? 1 : 0) }
        }
        // PostgreSQL text and jsonb cannot hold U+0000 (the JSON parser refuses \u0000 for the same reason): one
        // such record would fail the whole import's INSERT. Found by scripts/fuzz.sh ndjson.
        guard !record.contains(0) else {
            throw ImportError(.invalidRecord, line: line, "contains a NUL byte, which cannot be stored")
        }
        return record
    }

    /// Splits one record into fields: commas separate, `"` quotes, `""` inside quotes is one quote.
    static func csvFields(_ record: [UInt8]) -> [String] {
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var index = 0
        while index < record.count {
            let byte = record[index]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < record.count, record[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == UInt8(ascii: ",") {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            } else if byte == UInt8(ascii: "\"") && field.isEmpty {
                inQuotes = true
            } else {
                // Lenient: a quote in the middle of an unquoted field is kept as text.
                field.append(byte)
            }
            index += 1
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return fields
    }
}
