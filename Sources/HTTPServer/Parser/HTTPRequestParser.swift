/// An incremental HTTP/1.1 request parser (RFC 9112): append bytes as they arrive, then pull events.
///
/// Pure value type with no I/O, no Dispatch and no Foundation, so it can be unit-tested and fuzzed on its own
/// (`scripts/fuzz-http.sh` compiles the files of this folder standalone). Every request produces `.head`,
/// zero or more `.body` chunks, then `.end`. After an error the parser stays failed: the connection answers
/// with the error's status and closes, because the framing of anything that follows is unknown.
struct HTTPRequestParser {
    /// Size limits applied while parsing a head.
    struct Limits: Sendable, Equatable {
        /// Longest accepted request line in bytes; longer targets get 414 (RFC 9112 §3).
        var maxRequestLineLength = 8 * 1024
        /// Largest header section (field lines plus trailers) in bytes; beyond it 431 (RFC 6585 §5).
        var maxHeaderBytes = 64 * 1024
        /// Most header fields accepted; beyond it 431.
        var maxHeaderCount = 100
    }

    /// What the parser found next in the byte stream.
    enum Event: Equatable {
        case head(HTTPRequestHead)
        case body([UInt8])
        case end
    }

    enum State: Equatable {
        case requestLine
        case headers
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case endPending
        case failed(HTTPParserError)
    }

    let limits: Limits
    var state: State = .requestLine
    var buffer: [UInt8] = []
    /// Position of the first byte not yet consumed.
    var index = 0
    /// Bytes before this position (and after `index`) are known to hold no LF.
    var scanned = 0
    // The head under construction.
    var method = HTTPMethod.get
    var target = ""
    var minorVersion = 1
    var fields: [HTTPHeaders.Field] = []
    var headBytes = 0
    var emptyLines = 0
    // Content accounting for the current request.
    var bodyLimit = Int.max
    var bodyReceived = 0

    /// Creates a parser with the given limits.
    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Bytes received but not yet turned into events (for example a pipelined next request).
    var bufferedByteCount: Int { buffer.count - index }

    /// Whether the parser sits between two requests with nothing buffered.
    var isIdle: Bool { state == .requestLine && bufferedByteCount == 0 }

    /// Appends bytes read from the connection.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Appends bytes (convenience for tests and the fuzzer).
    mutating func append(_ bytes: some Sequence<UInt8>) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Caps the content of the current request; a declared length above it fails at once with 413.
    ///
    /// Call after `.head`; chunked content is checked as chunk sizes arrive.
    mutating func limitBody(to limit: Int) throws(HTTPParserError) {
        bodyLimit = limit
        if case .body(let remaining) = state, remaining > limit {
            let error = HTTPParserError(.contentTooLarge, "content length above the limit")
            state = .failed(error)
            throw error
        }
    }

    /// Returns the next event, `nil` when more bytes are needed, or throws when the request is malformed.
    mutating func next() throws(HTTPParserError) -> Event? {
        do {
            return try step()
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func step() throws(HTTPParserError) -> Event? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .requestLine:
                guard let line = nextLine() else {
                    try checkPendingRequestLine()
                    return nil
                }
                if line.isEmpty {
                    // RFC 9112 §2.2: ignore at least one empty line before the request line.
                    emptyLines += 1
                    if emptyLines > 4 { throw .bad("too many empty lines before the request line") }
                    continue
                }
                try parseRequestLine(line)
                state = .headers
            case .headers:
                guard let line = nextLine() else {
                    if headBytes + bufferedByteCount > limits.maxHeaderBytes {
                        throw HTTPParserError(.headerFieldsTooLarge, "header section too large")
                    }
                    return nil
                }
                headBytes += line.count + 2
                if headBytes > limits.maxHeaderBytes {
                    throw HTTPParserError(.headerFieldsTooLarge, "header section too large")
                }
                if line.isEmpty { return .head(try finishHead()) }
                try parseFieldLine(line)
            case .body(let remaining):
                guard let chunk = take(upTo: remaining) else { return nil }
                state = remaining == chunk.count ? .endPending : .body(remaining: remaining - chunk.count)
                return .body(chunk)
            case .endPending:
                state = .requestLine
                return .end
            case .chunkSize, .chunkData, .chunkDataEnd, .trailers:
                guard let event = try stepChunked() else { return nil }
                return event
            }
        }
    }

    /// Consumes up to `limit` buffered content bytes.
    mutating func take(upTo limit: Int) -> [UInt8]? {
        let count = min(bufferedByteCount, limit)
        guard count > 0 else { return nil }
        let chunk = Array(buffer[index..<(index + count)])
        index += count
        scanned = index
        return chunk
    }

    /// Returns the next line without its CRLF (a bare LF is accepted, RFC 9112 §2.2) and consumes it.
    mutating func nextLine() -> Range<Int>? {
        guard let lf = buffer[max(scanned, index)...].firstIndex(of: UInt8(ascii: "\n")) else {
            scanned = buffer.count
            return nil
        }
        var end = lf
        if end > index, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = index..<end
        index = lf + 1
        scanned = index
        return line
    }

    private mutating func compact() {
        if index == buffer.count {
            if buffer.capacity > 256 * 1024 { buffer = [] } else { buffer.removeAll(keepingCapacity: true) }
            index = 0
            scanned = 0
        } else if index >= 4096, index * 2 >= buffer.count {
            buffer.removeSubrange(0..<index)
            scanned -= index
            index = 0
        }
    }
}
