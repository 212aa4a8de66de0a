import Foundation

extension JSONValue: Encodable {
    /// Encodes the value as it was parsed; numbers keep their digits (through `Decimal`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let text):
            if let integer = Int(text) { try container.encode(integer) } else { try container.encode(Decimal(string: text) ?? 0) }
        case .string(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let members): try container.encode(members)
        }
    }
}

extension JSONEncoder {
    /// The API's encoder: dates as ISO 8601 (UTC), keys in a stable order.
    public static var api: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
