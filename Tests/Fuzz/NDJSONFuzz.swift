// libFuzzer entry for the NDJSON paths: `POST /api/v1/conversations/bulk` (BulkIngest: LineSplitter fed the body in
// pieces, each line parsed and validated) and file imports (LineReader reading a file in small chunks, and
// ImportReader detecting the format and turning JSONL, fine-tuning JSONL or CSV records into conversations).
// Not a SwiftPM target: scripts/fuzz.sh compiles it with the Parley sources it needs using `swiftc -sanitize=fuzzer`.
import Foundation

private let validator = ConversationValidator()
private let now = Date(timeIntervalSince1970: 1_700_000_000)
/// Small limits so that short inputs reach the long-line and chunk-boundary code.
private let maxLineBytes = 200

@_cdecl("LLVMFuzzerTestOneInput")
public func ndjsonFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let reference = referenceLines(bytes)
    bulkLines(bytes)
    readerLines(bytes, reference: reference)
    importRecords(bytes)
    return 0
}

/// As BulkIngest.handle: the body arrives in chunks (cut where the input's bytes say), every line is parsed
/// and validated. The lines must be the input's lines, numbered from 1, long ones reported as too long.
private func bulkLines(_ bytes: [UInt8]) {
    var splitter = LineSplitter(maxLineBytes: maxLineBytes)
    var lines: [LineSplitter.Line] = []
    var start = 0
    var cut = bytes.first.map { Int($0) % 97 + 1 } ?? 1
    while start < bytes.count {
        let end = min(bytes.count, start + cut)
        lines += splitter.push(Array(bytes[start..<end]))
        cut = Int(bytes[end - 1]) % 97 + 1
        start = end
    }
    if let last = splitter.finish() { lines.append(last) }
    // LineSplitter keeps the `\r` of CRLF (the JSON parser skips it as whitespace) and does not drop a BOM.
    let raw = splitLines(bytes)
    require(lines.count == raw.count, "LineSplitter found \(lines.count) lines, the input has \(raw.count)")
    for (i, line) in lines.enumerated() {
        require(line.number == i + 1, "line numbers are not consecutive")
        switch line.content {
        case .bytes(let content):
            require(content == raw[i], "line \(i + 1) differs from the input")
            if content.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard let value = try? JSONParser.parse(content) else { continue }
            if case .success(let input) = validator.validate(value, now: now) { checkEncoded(input) }
        case .tooLong:
            require(raw[i].count > maxLineBytes, "a line of \(raw[i].count) bytes reported too long")
        }
    }
}

/// LineReader over the input as a file, read 16 bytes at a time: CRLF and a leading BOM dropped.
private func readerLines(_ bytes: [UInt8], reference: [[UInt8]]) {
    let reader = LineReader(handle: fileHandle(bytes), chunkSize: 16, maxLineBytes: maxLineBytes)
    var count = 0
    while let (number, line) = try! reader.next() {
        count += 1
        require(number == count, "LineReader line numbers are not consecutive")
        require(count <= reference.count, "LineReader returned more lines than the input has")
        switch line {
        case .bytes(let content):
            require(content == stripCR(reference[count - 1]), "LineReader line \(count) differs from the input")
            require(content.count <= maxLineBytes, "LineReader kept a line longer than its limit")
        case .tooLong:
            // A line is too long once its bytes (with a CR still unread) pass the limit.
            require(reference[count - 1].count > maxLineBytes, "LineReader reported a short line too long")
        }
    }
    require(count == reference.count, "LineReader found \(count) lines, the input has \(reference.count)")
}

/// ImportReader (format detected from a file name chosen by the input), each record validated.
private func importRecords(_ bytes: [UInt8]) {
    let names = ["upload.jsonl", "upload.csv", "upload", "upload.json"]
    let name = names[Int(bytes.last ?? 0) % names.count]
    guard let reader = try? ImportReader(handle: fileHandle(bytes), format: nil, fileName: name, idPrefix: name)
    else { return }
    var records = 0
    while let item = reader.next() {
        records += 1
        require(records <= bytes.count + 1, "ImportReader does not end")
        if case .success(let record) = item,
            case .success(let input) = validator.validate(record.conversation, now: now)
        {
            checkEncoded(input)
        }
    }
}

/// The input's lines: split at `\n`, no empty line after a final `\n`.
private func splitLines(_ bytes: [UInt8]) -> [[UInt8]] {
    var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    if lines.last?.isEmpty == true { lines.removeLast() }
    return lines
}

/// Lines as LineReader sees them: without a leading UTF-8 BOM (CR still attached).
private func referenceLines(_ bytes: [UInt8]) -> [[UInt8]] {
    splitLines(bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes)
}

private func stripCR(_ line: [UInt8]) -> [UInt8] { line.last == 0x0D ? Array(line.dropLast()) : line }

/// A pipe holding `bytes` (at most the fuzzer's max_len, well below a pipe's capacity), closed for writing.
private func fileHandle(_ bytes: [UInt8]) -> FileHandle {
    let pipe = Pipe()
    pipe.fileHandleForWriting.write(Data(bytes))
    try! pipe.fileHandleForWriting.close()
    return pipe.fileHandleForReading
}
