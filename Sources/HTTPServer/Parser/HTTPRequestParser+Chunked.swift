extension HTTPRequestParser {
    /// Longest chunk-size line (size plus extensions) accepted.
    static let maxChunkLineLength = 4096

    /// One step of the chunked transfer coding (RFC 9112 §7.1).
    mutating func stepChunked() throws(HTTPParserError) -> Event? {
        while true {
            switch state {
            case .chunkSize:
                guard let line = nextLine() else {
                    if bufferedByteCount > Self.maxChunkLineLength { throw .bad("chunk size line too long") }
                    return nil
                }
                let size = try parseChunkSize(line)
                if size == 0 {
                    headBytes = 0
                    state = .trailers
                    continue
                }
                bodyReceived += size
                if bodyReceived > bodyLimit { throw HTTPParserError(.contentTooLarge, "chunked content above limit") }
                state = .chunkData(remaining: size)
            case .chunkData(let remaining):
                guard let chunk = take(upTo: remaining) else { return nil }
                state = remaining == chunk.count ? .chunkDataEnd : .chunkData(remaining: remaining - chunk.count)
                return .body(chunk)
            case .chunkDataEnd:
                guard let line = nextLine() else {
                    if bufferedByteCount > 1 { throw .bad("chunk data not followed by CRLF") }
                    return nil
                }
                guard line.isEmpty else { throw .bad("chunk data not followed by CRLF") }
                state = .chunkSize
            case .trailers:
                guard let line = nextLine() else {
                    if headBytes + bufferedByteCount > limits.maxHeaderBytes {
                        throw HTTPParserError(.headerFieldsTooLarge, "trailer section too large")
                    }
                    return nil
                }
                headBytes += line.count + 2
                if headBytes > limits.maxHeaderBytes {
                    throw HTTPParserError(.headerFieldsTooLarge, "trailer section too large")
                }
                if line.isEmpty {
                    state = .requestLine
                    return .end
                }
                // RFC 9112 §7.1.2: trailer fields may be discarded; they are checked for syntax only.
                guard buffer[line].contains(UInt8(ascii: ":")),
                    buffer[line].allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) })
                else { throw .bad("invalid trailer field") }
            default:
                return nil
            }
        }
    }

    /// `chunk-size [ chunk-ext ]`: hex digits, then optional `;`-extensions which are ignored.
    private func parseChunkSize(_ line: Range<Int>) throws(HTTPParserError) -> Int {
        var size = 0
        var digits = 0
        var position = line.lowerBound
        while position < line.upperBound, let value = Self.hexValue(buffer[position]) {
            // 15 hex digits stay below Int.max.
            guard digits < 15 else { throw .bad("chunk size too large") }
            size = size << 4 | value
            digits += 1
            position += 1
        }
        guard digits > 0 else { throw .bad("invalid chunk size") }
        let rest = HTTPHeaders.trimmed(buffer[position..<line.upperBound])
        guard rest.isEmpty || rest.first == UInt8(ascii: ";") else { throw .bad("invalid chunk extension") }
        guard rest.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
            throw .bad("invalid chunk extension")
        }
        return size
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
