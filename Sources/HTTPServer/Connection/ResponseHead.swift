/// Serialises a response head (RFC 9112 §4, §6) into the connection's output buffer.
enum ResponseHead {
    /// How the content of the response is framed.
    enum Framing {
        case length(Int)
        case chunked
        /// HTTP/1.0 stream: the end of content is the end of the connection.
        case closeDelimited
        /// 1xx, 204, 304: no framing header at all.
        case none
    }

    /// Fields the server sets itself; the handler's copies are dropped to keep framing consistent.
    private static let managed = ["content-length", "transfer-encoding", "connection", "date", "keep-alive"]

    /// Appends the head to `output`.
    static func write(
        status: HTTPStatus, headers: HTTPHeaders, framing: Framing, close: Bool, minorVersion: Int,
        dateLine: [UInt8], into output: inout [UInt8]
    ) {
        output.append(contentsOf: minorVersion == 0 ? "HTTP/1.0 ".utf8 : "HTTP/1.1 ".utf8)
        appendDecimal(status.code, to: &output)
        output.append(0x20)
        output.append(contentsOf: status.reasonPhrase.utf8)
        output.append(contentsOf: "\r\n".utf8)
        for field in headers {
            guard isSafe(field.name), isSafe(field.value) else { continue }
            if managed.contains(where: { HTTPHeaders.equalsIgnoringCase($0, field.name) }) { continue }
            output.append(contentsOf: field.name.utf8)
            output.append(contentsOf: ": ".utf8)
            output.append(contentsOf: field.value.utf8)
            output.append(contentsOf: "\r\n".utf8)
        }
        output.append(contentsOf: dateLine)
        switch framing {
        case .length(let length):
            output.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(length, to: &output)
            output.append(contentsOf: "\r\n".utf8)
        case .chunked:
            output.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
        case .closeDelimited, .none:
            break
        }
        if close {
            output.append(contentsOf: "Connection: close\r\n".utf8)
        } else if minorVersion == 0 {
            // RFC 9112 §9.3: an HTTP/1.0 peer persists only when told keep-alive.
            output.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        output.append(contentsOf: "\r\n".utf8)
    }

    /// Appends the chunk-size line of a chunk of `count` bytes (RFC 9112 §7.1).
    static func appendChunkHeader(_ count: Int, to output: inout [UInt8]) {
        output.append(contentsOf: String(count, radix: 16).utf8)
        output.append(contentsOf: "\r\n".utf8)
    }

    static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        if value < 10 {
            output.append(UInt8(truncatingIfNeeded: value) + 0x30)
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var remaining = max(0, value)
        withUnsafeMutableBytes(of: &digits) { buffer in
            while remaining > 0, count < buffer.count {
                buffer[count] = UInt8(truncatingIfNeeded: remaining % 10) + 0x30
                remaining /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { output.append(buffer[index]) }
        }
    }

    /// Header injection guard: names and values from handlers may not contain CR, LF or NUL.
    private static func isSafe(_ text: String) -> Bool {
        !text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
    }
}
