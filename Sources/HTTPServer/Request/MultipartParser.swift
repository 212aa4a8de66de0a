/// One part of a `multipart/form-data` body.
public struct MultipartPart: Sendable {
    /// The part's header fields.
    public var headers: HTTPHeaders
    /// The form field name from `Content-Disposition`.
    public var name: String?
    /// The file name from `Content-Disposition`, for file uploads; only the last path component is kept.
    public var filename: String?
    /// The part's `Content-Type`, if given.
    public var contentType: String? { headers["Content-Type"] }
    /// The part's content.
    public var body: [UInt8]
}

/// Parses `multipart/form-data` (RFC 7578, RFC 2046 §5.1.1) from a collected body.
enum MultipartParser {
    /// Most parts accepted in one body.
    static let maxParts = 1000

    /// The `boundary` parameter of a `multipart/form-data` content type.
    static func boundary(fromContentType value: String) -> String? {
        for parameter in value.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingASCIIWhitespace() }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let boundary = unquote(pair[1])
            // RFC 2046 §5.1.1: 1 to 70 characters.
            return (1...70).contains(boundary.utf8.count) ? boundary : nil
        }
        return nil
    }

    /// Splits `body` into parts; `nil` when the structure is malformed.
    static func parse(_ body: [UInt8], boundary: String) -> [MultipartPart]? {
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n--\(boundary)".utf8)
        // The first delimiter may follow a preamble; every later one is preceded by CRLF.
        guard var position = find(delimiter, in: body, from: 0) else { return nil }
        position += delimiter.count
        var parts: [MultipartPart] = []
        while true {
            // After a delimiter: `--` closes the body, CRLF starts a part.
            if body[position...].starts(with: "--".utf8) { return parts }
            guard body[position...].starts(with: "\r\n".utf8), parts.count < maxParts else { return nil }
            position += 2
            let headers: HTTPHeaders
            let contentStart: Int
            if body[position...].starts(with: "\r\n".utf8) {
                // A part without header fields.
                headers = HTTPHeaders()
                contentStart = position + 2
            } else {
                guard let headEnd = find(Array("\r\n\r\n".utf8), in: body, from: position) else { return nil }
                headers = parseHeaders(body[position..<headEnd])
                contentStart = headEnd + 4
            }
            guard let contentEnd = find(separator, in: body, from: contentStart) else { return nil }
            parts.append(makePart(headers: headers, body: Array(body[contentStart..<contentEnd])))
            position = contentEnd + separator.count
        }
    }

    private static func makePart(headers: HTTPHeaders, body: [UInt8]) -> MultipartPart {
        var name: String?
        var filename: String?
        if let disposition = headers["Content-Disposition"] {
            for parameter in disposition.split(separator: ";").dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingASCIIWhitespace() }
                guard pair.count == 2 else { continue }
                switch pair[0].lowercased() {
                case "name": name = unquote(pair[1])
                case "filename":
                    // Never trust client paths: keep the last component only.
                    let raw = unquote(pair[1])
                    filename = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
                default: break
                }
            }
        }
        return MultipartPart(headers: headers, name: name, filename: filename, body: body)
    }

    private static func parseHeaders(_ bytes: ArraySlice<UInt8>) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let trimmed = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            guard let colon = trimmed.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = String(decoding: trimmed[..<colon], as: UTF8.self)
            let value = String(decoding: HTTPHeaders.trimmed(trimmed[(colon + 1)...]), as: UTF8.self)
            headers.add(name: name, value: value)
        }
        return headers
    }

    private static func unquote(_ text: String) -> String {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return text }
        return String(text.dropFirst().dropLast()).replacingBackslashEscapes()
    }

    /// Index of the first occurrence of `needle` in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return nil }
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            guard let candidate = haystack[index...last].firstIndex(of: first) else { return nil }
            if haystack[candidate..<(candidate + needle.count)].elementsEqual(needle) { return candidate }
            index = candidate + 1
        }
        return nil
    }
}

extension String {
    /// `\"` → `"` and `\\` → `\` inside a quoted-string (RFC 9110 §5.6.4).
    fileprivate func replacingBackslashEscapes() -> String {
        var output = ""
        var escaping = false
        for character in self {
            if escaping {
                output.append(character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                output.append(character)
            }
        }
        return output
    }
}
