/// An array of Floats that encodes as one base64 string of little-endian IEEE 754 bytes, so stored models with
/// many vectors stay a third the size of a JSON number list and decode exactly.
public struct PackedFloats: Codable, Sendable, Equatable {
    /// The values.
    public let values: [Float]

    /// Wraps `values`.
    public init(_ values: [Float]) {
        self.values = values
    }

    /// Decodes the base64 string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let bytes = Base64.decode(text), bytes.count % 4 == 0 else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected base64 of Float32 values")
        }
        values = stride(from: 0, to: bytes.count, by: 4).map { i -> Float in
            var bits = UInt32(bytes[i + 3])
            bits = bits << 8 | UInt32(bytes[i + 2])
            bits = bits << 8 | UInt32(bytes[i + 1])
            bits = bits << 8 | UInt32(bytes[i])
            return Float(bitPattern: bits)
        }
    }

    /// Encodes the values as base64.
    public func encode(to encoder: any Encoder) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for value in values {
            let bits = value.bitPattern
            bytes += [UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)]
        }
        var container = encoder.singleValueContainer()
        try container.encode(Base64.encode(bytes))
    }
}

/// RFC 4648 base64 with padding (Insights does not use Foundation).
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(triple >> 18 & 63)])
            out.append(alphabet[Int(triple >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(triple >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(triple & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var lookup = [Int16](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { lookup[Int(c)] = Int16(i) }
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 4 * 3)
        var i = 0
        while i < chars.count {
            var quad: UInt32 = 0, padding = 0
            for j in 0..<4 {
                let c = chars[i + j]
                if c == UInt8(ascii: "=") && j >= 2 && i + 4 == chars.count {
                    padding += 1
                    quad <<= 6
                    continue
                }
                guard padding == 0, lookup[Int(c)] >= 0 else { return nil }
                quad = quad << 6 | UInt32(lookup[Int(c)])
            }
            out.append(UInt8(quad >> 16 & 0xFF))
            if padding < 2 { out.append(UInt8(quad >> 8 & 0xFF)) }
            if padding < 1 { out.append(UInt8(quad & 0xFF)) }
            i += 4
        }
        return out
    }
}
