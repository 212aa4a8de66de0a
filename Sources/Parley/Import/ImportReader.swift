import Foundation

/// Streams an import file as conversation objects in the API shape, one record at a time.
///
/// Reads JSONL in the API shape, OpenAI chat fine-tuning JSONL (`{"messages": [...]}` per line) or CSV with a
/// header row and a `CSVMapping`. Only one line (one CSV record) is in memory at a time. Every record comes
/// with the line it starts on; a bad record is an `ImportError` with its line number, and reading goes on.
/// A record without an id gets `"<idPrefix>:<line>"`, so importing the same file twice imports nothing new.
///
/// ```swift
/// for item in try ImportReader(path: "chats.csv") {
///     switch item {
///     case .success(let record): send(record.conversation)
///     case .failure(let error): print(error) // "line 12: …"
///     }
/// }
/// ```
public final class ImportReader: Sequence, IteratorProtocol {
    /// The kinds of import file.
    public enum Format: String, Sendable, CaseIterable {
        /// One conversation per line in the API shape.
        case jsonl
        /// OpenAI chat fine-tuning data: `{"messages": [...]}` per line; other keys go into metadata.
        case openAIFineTuning = "openai"
        /// CSV (RFC 4180) with a header row, one conversation per record.
        case csv
    }

    /// One conversation read from the file.
    public struct Record: Sendable, Equatable {
        /// The line the record starts on, from 1 (the CSV header is line 1).
        public var line: Int
        /// The conversation in the API shape; not yet validated.
        public var conversation: JSONValue
    }

    /// The format being read.
    public let format: Format
    let lines: LineReader
    let idPrefix: String
    var csv: CSVLayout?
    private var failed = false

    /// Opens a file, detecting the format from its extension and first line when `format` is nil.
    /// - Parameters:
    ///   - path: the file to read.
    ///   - format: the format, or nil to detect it.
    ///   - csvMapping: for CSV, which column holds what; nil to guess from the header.
    ///   - idPrefix: the prefix of generated ids; by default the file's name.
    /// - Throws: `ImportError` when the file cannot be opened, the format cannot be detected, or the CSV
    ///   header lacks a mapped column.
    public convenience init(
        path: String, format: Format? = nil, csvMapping: CSVMapping? = nil, idPrefix: String? = nil
    ) throws(ImportError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImportError(.unreadable, line: 0, "cannot open \(path)")
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        try self.init(
            handle: handle, format: format, fileName: name, csvMapping: csvMapping, idPrefix: idPrefix ?? name)
    }

    /// Reads from an open file handle (which the reader then owns and reads to the end).
    /// - Parameters:
    ///   - handle: where to read.
    ///   - format: the format, or nil to detect it from `fileName` and the first line.
    ///   - fileName: the name used for detection (its extension matters).
    ///   - csvMapping: for CSV, which column holds what; nil to guess from the header.
    ///   - idPrefix: the prefix of generated ids (`"<idPrefix>:<line>"`).
    /// - Throws: `ImportError` as for `init(path:format:csvMapping:idPrefix:)`.
    public init(
        handle: FileHandle, format: Format?, fileName: String = "", csvMapping: CSVMapping? = nil, idPrefix: String
    ) throws(ImportError) {
        lines = LineReader(handle: handle)
        self.idPrefix = idPrefix
        var firstLine = ""
        do {
            while let (_, line) = try lines.peek(), case .bytes(let bytes) = line,
                bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 })
            {
                _ = try lines.next()  // leading blank lines carry no record
            }
            if case .bytes(let bytes)? = try lines.peek()?.line { firstLine = String(decoding: bytes, as: UTF8.self) }
        } catch {
            throw ImportError(.unreadable, line: 0, "cannot read: \(error)")
        }
        guard let resolved = format ?? Self.detectFormat(fileName: fileName, firstLine: firstLine) else {
            throw ImportError(
                .unknownFormat, line: 0,
                "cannot tell the format of \(fileName.isEmpty ? "the file" : fileName); give it explicitly")
        }
        self.format = resolved
        if resolved == .csv { csv = try readCSVHeader(mapping: csvMapping) }
    }

    /// The next conversation or error, or nil at the end of the file (or after a read error).
    public func next() -> Result<Record, ImportError>? {
        guard !failed else { return nil }
        do {
            while let (number, line) = try lines.next() {
                guard case .bytes(let bytes) = line else {
                    return .failure(ImportError(.lineTooLong, line: number, "longer than \(lines.maxLineBytes) bytes"))
                }
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                switch format {
                case .jsonl, .openAIFineTuning: return jsonRecord(bytes, line: number)
                case .csv: return try csvRecord(bytes, line: number)
                }
            }
            return nil
        } catch {
            failed = true
            return .failure(ImportError(.unreadable, line: lines.lineNumber + 1, "cannot read: \(error)"))
        }
    }

    /// Guesses the format: `.csv` by extension, else from the first line (a JSON object with only
    /// fine-tuning keys is `.openAIFineTuning`, any other JSON object `.jsonl`), else `.csv` for a line with commas.
    /// - Returns: the format, or nil when nothing fits.
    public static func detectFormat(fileName: String, firstLine: String) -> Format? {
        let lowered = fileName.lowercased()
        if lowered.hasSuffix(".csv") { return .csv }
        let trimmed = firstLine.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("{") {
            guard let object = (try? JSONParser.parse(trimmed))?.objectValue else { return .jsonl }
            let apiKeys: Set<String> = [
                "id", "model", "prompt_version", "user_id", "end_user_id", "session_id", "started_at", "timestamp",
                "metadata", "tags", "feedback",
            ]
            let isFineTuning = object["messages"] != nil && apiKeys.isDisjoint(with: object.keys)
            return isFineTuning ? .openAIFineTuning : .jsonl
        }
        if lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") || lowered.hasSuffix(".json") { return .jsonl }
        return trimmed.contains(",") ? .csv : nil
    }

    /// A JSONL line: a conversation in the API shape, or a fine-tuning example.
    private func jsonRecord(_ bytes: [UInt8], line: Int) -> Result<Record, ImportError> {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            return .failure(ImportError(.invalidJSON, line: line, "invalid JSON: \(error)"))
        }
        guard case .object(var object) = value else {
            return .failure(ImportError(.invalidRecord, line: line, "must be a JSON object, got \(value.kindName)"))
        }
        if format == .openAIFineTuning {
            guard let messages = object.removeValue(forKey: "messages"), case .array = messages else {
                return .failure(ImportError(.invalidRecord, line: line, "needs a \"messages\" array"))
            }
            var conversation: [String: JSONValue] = ["messages": messages]
            // Keys beside `messages` (`tools`, `parallel_tool_calls`, …) are kept as metadata.
            if !object.isEmpty { conversation["metadata"] = .object(object) }
            object = conversation
        }
        if object["id"] == nil || object["id"] == .null { object["id"] = .string("\(idPrefix):\(line)") }
        return .success(Record(line: line, conversation: .object(object)))
    }
}
