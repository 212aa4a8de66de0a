/// Name/value pairs of a query string or an `application/x-www-form-urlencoded` body.
///
/// Decoding follows the URL standard's urlencoded parser: `&`-separated pairs, `+` is a space,
/// percent-escapes are decoded as UTF-8 (invalid escapes are kept as they are).
public struct QueryParameters: Sendable, Sequence {
    /// The pairs in order; a name may repeat.
    public let pairs: [(name: String, value: String)]

    /// Parses an encoded string such as `a=1&b=two+words`.
    public init(_ encoded: some StringProtocol) {
        var pairs: [(name: String, value: String)] = []
        for piece in encoded.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let name: ArraySlice<UInt8>
            let value: ArraySlice<UInt8>
            let bytes = ArraySlice(piece)
            if let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
                name = bytes[..<equals]
                value = bytes[(equals + 1)...]
            } else {
                name = bytes
                value = []
            }
            pairs.append((PercentDecoding.decode(name, plusAsSpace: true), PercentDecoding.decode(value, plusAsSpace: true)))
        }
        self.pairs = pairs
    }

    /// The first value for `name`.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value for `name`, in order.
    public func values(for name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    /// The first value for `name` converted with `LosslessStringConvertible`, e.g. `query.get("limit", as: Int.self)`.
    public func get<T: LosslessStringConvertible>(_ name: String, as type: T.Type = T.self) -> T? {
        self[name].flatMap(T.init)
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        pairs.makeIterator()
    }
}

/// Percent-decoding of URL components (RFC 3986 §2.1).
enum PercentDecoding {
    /// Decodes `%XX` escapes (and `+` as space when asked); malformed escapes are kept literally.
    static func decode(_ bytes: some Collection<UInt8>, plusAsSpace: Bool) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let first = bytes.index(after: index)
                if first != bytes.endIndex {
                    let second = bytes.index(after: first)
                    if second != bytes.endIndex, let high = hex(bytes[first]), let low = hex(bytes[second]) {
                        output.append(high << 4 | low)
                        index = bytes.index(after: second)
                        continue
                    }
                }
                output.append(byte)
            } else if plusAsSpace && byte == UInt8(ascii: "+") {
                output.append(0x20)
            } else {
                output.append(byte)
            }
            index = bytes.index(after: index)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes a path segment; returns `nil` when it decodes to something unsafe (NUL, `/`, `\`).
    static func decodePathSegment(_ segment: some StringProtocol) -> String? {
        let decoded = decode(segment.utf8, plusAsSpace: false)
        guard !decoded.utf8.contains(where: { $0 == 0 || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }) else {
            return nil
        }
        return decoded
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
