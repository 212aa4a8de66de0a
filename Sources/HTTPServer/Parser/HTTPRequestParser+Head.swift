extension HTTPRequestParser {
    /// A request line still missing its LF may not grow past the limit.
    mutating func checkPendingRequestLine() throws(HTTPParserError) {
        guard bufferedByteCount > limits.maxRequestLineLength else { return }
        let pending = buffer[index...]
        // RFC 9112 §3: 414 when the target is what is too long, 400 for anything else.
        if let space = pending.firstIndex(of: 0x20), !pending[(space + 1)...].contains(0x20) {
            throw HTTPParserError(.uriTooLong, "request target too long")
        }
        throw .bad("request line too long")
    }

    /// Parses `method SP request-target SP HTTP-version` (RFC 9112 §3).
    mutating func parseRequestLine(_ line: Range<Int>) throws(HTTPParserError) {
        guard line.count <= limits.maxRequestLineLength else {
            throw HTTPParserError(.uriTooLong, "request target too long")
        }
        let bytes = buffer[line]
        guard let firstSpace = bytes.firstIndex(of: 0x20),
            let secondSpace = bytes[(firstSpace + 1)...].firstIndex(of: 0x20)
        else { throw .bad("malformed request line") }
        let methodBytes = buffer[line.lowerBound..<firstSpace]
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(Self.isTokenByte) else { throw .bad("invalid method") }
        let targetBytes = buffer[(firstSpace + 1)..<secondSpace]
        // RFC 3986 targets are visible ASCII; whitespace, controls and raw non-ASCII are rejected.
        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .bad("invalid request target")
        }
        minorVersion = try Self.parseVersion(buffer[(secondSpace + 1)..<line.upperBound])
        method = HTTPMethod.parse(methodBytes)
        let first = targetBytes[targetBytes.startIndex]
        let isOrigin = first == UInt8(ascii: "/")
        let isAsterisk = targetBytes.count == 1 && first == UInt8(ascii: "*") && method == .options
        let isAbsolute = Self.hasHTTPScheme(targetBytes)
        // RFC 9112 §3.2: origin-form, absolute-form and asterisk-form; authority-form (CONNECT) is not served.
        guard isOrigin || isAsterisk || isAbsolute else { throw .bad("unsupported request target form") }
        target = String(decoding: targetBytes, as: UTF8.self)
        fields.removeAll(keepingCapacity: true)
        headBytes = 0
    }

    /// Parses one `field-name ":" OWS field-value OWS` line (RFC 9112 §5).
    mutating func parseFieldLine(_ line: Range<Int>) throws(HTTPParserError) {
        let first = buffer[line.lowerBound]
        // RFC 9112 §5.2: obsolete line folding may be rejected with 400.
        guard first != 0x20, first != 0x09 else { throw .bad("obsolete line folding") }
        guard let colon = buffer[line].firstIndex(of: UInt8(ascii: ":")) else { throw .bad("field line without colon") }
        let name = buffer[line.lowerBound..<colon]
        // RFC 9112 §5.1: no whitespace between field name and colon; names are tokens.
        guard !name.isEmpty, name.allSatisfy(Self.isTokenByte) else { throw .bad("invalid field name") }
        let value = HTTPHeaders.trimmed(buffer[(colon + 1)..<line.upperBound])
        // RFC 9110 §5.5: field values are visible characters, SP, HTAB and obs-text; CR, LF and NUL are invalid.
        guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
            throw .bad("invalid field value")
        }
        guard fields.count < limits.maxHeaderCount else {
            throw HTTPParserError(.headerFieldsTooLarge, "too many header fields")
        }
        fields.append((name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
    }

    /// Completes the head and decides the content framing (RFC 9112 §6.3).
    mutating func finishHead() throws(HTTPParserError) -> HTTPRequestHead {
        let headers = HTTPHeaders(fields)
        fields.removeAll(keepingCapacity: true)
        emptyLines = 0
        bodyLimit = .max
        bodyReceived = 0
        // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host field gets 400.
        if minorVersion >= 1, headers.values(for: "Host").count != 1 { throw .bad("missing or repeated Host") }
        let framing = try Self.framing(of: headers, minorVersion: minorVersion)
        switch framing {
        case .none: state = .endPending
        case .length(let length): state = .body(remaining: length)
        case .chunked: state = .chunkSize
        }
        return HTTPRequestHead(
            method: method, target: target, minorVersion: minorVersion, headers: headers, framing: framing)
    }

    static func framing(of headers: HTTPHeaders, minorVersion: Int) throws(HTTPParserError) -> HTTPRequestHead.Framing {
        let transferEncodings = headers.values(for: "Transfer-Encoding")
        let contentLengths = headers.values(for: "Content-Length")
        if !transferEncodings.isEmpty {
            // RFC 9112 §6.3 ¶3 and §6.1: both fields together is a smuggling vector; HTTP/1.0 has no chunking.
            guard contentLengths.isEmpty else { throw .bad("Content-Length with Transfer-Encoding") }
            guard minorVersion >= 1 else { throw .bad("Transfer-Encoding in HTTP/1.0") }
            let codings = transferEncodings.flatMap { $0.utf8.split(separator: UInt8(ascii: ",")) }
                .map { HTTPHeaders.trimmed($0) }
            // RFC 9112 §6.3 ¶4: chunked must be the final coding, else the length is unknowable: 400.
            guard let last = codings.last, HTTPHeaders.equalsIgnoringCase(last, "chunked".utf8) else {
                throw .bad("chunked is not the final transfer coding")
            }
            // RFC 9112 §6.1: other transfer codings are not implemented here (501).
            guard codings.count == 1 else { throw HTTPParserError(.notImplemented, "unsupported transfer coding") }
            return .chunked
        }
        guard !contentLengths.isEmpty else { return .none }
        // RFC 9110 §8.6: repeated identical values may be collapsed; anything else is invalid.
        var length: Int?
        for element in contentLengths.flatMap({ $0.utf8.split(separator: UInt8(ascii: ",")) }) {
            let digits = HTTPHeaders.trimmed(element)
            guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw .bad("invalid Content-Length")
            }
            let value = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard length == nil || length == value else { throw .bad("conflicting Content-Length values") }
            length = value
        }
        guard let length else { throw .bad("invalid Content-Length") }
        return length == 0 ? .none : .length(length)
    }

    static func parseVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPParserError) -> Int {
        guard bytes.count == 8, bytes.starts(with: "HTTP/".utf8) else { throw .bad("invalid HTTP version") }
        let major = bytes[bytes.startIndex + 5]
        let dot = bytes[bytes.startIndex + 6]
        let minor = bytes[bytes.startIndex + 7]
        guard (0x30...0x39).contains(major), dot == UInt8(ascii: "."), (0x30...0x39).contains(minor) else {
            throw .bad("invalid HTTP version")
        }
        guard major == UInt8(ascii: "1") else {
            throw HTTPParserError(.versionNotSupported, "unsupported HTTP major version")
        }
        return Int(minor - 0x30)
    }

    static func hasHTTPScheme(_ bytes: ArraySlice<UInt8>) -> Bool {
        let lowered = bytes.prefix(8).map { $0 | 0x20 }
        return lowered.starts(with: "http://".utf8) || lowered.starts(with: "https://".utf8)
    }

    /// tchar from RFC 9110 §5.6.2.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
