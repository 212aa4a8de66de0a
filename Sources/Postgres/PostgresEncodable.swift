import Foundation

/// A Swift value that can be sent to PostgreSQL as a bound parameter.
public protocol PostgresEncodable: Sendable {
    /// The type OID the parameter is declared with.
    static var postgresType: PostgresType { get }
    /// The value encoded as a parameter.
    func postgresBind() -> PostgresBind
}

/// A value that can also be an element of a PostgreSQL array parameter (binary format).
public protocol PostgresArrayElement: PostgresEncodable {
    /// The array type OID (`text[]` for `String`).
    static var postgresArrayType: PostgresType { get }
    /// Appends the binary representation, without the length prefix.
    func appendBinary(to buffer: inout [UInt8])
    /// True for SQL NULL (an optional without a value).
    var postgresIsNull: Bool { get }
}

extension PostgresArrayElement {
    public var postgresIsNull: Bool { false }
}

extension Optional: PostgresEncodable, PostgresArrayElement where Wrapped: PostgresArrayElement {
    public static var postgresType: PostgresType { Wrapped.postgresType }
    public static var postgresArrayType: PostgresType { Wrapped.postgresArrayType }
    public var postgresIsNull: Bool { self == nil }
    public func appendBinary(to buffer: inout [UInt8]) { self?.appendBinary(to: &buffer) }
    public func postgresBind() -> PostgresBind {
        self?.postgresBind() ?? PostgresBind(type: Wrapped.postgresType, format: 1, bytes: nil)
    }
}

extension PostgresArrayElement {
    public func postgresBind() -> PostgresBind {
        var bytes: [UInt8] = []
        appendBinary(to: &bytes)
        return PostgresBind(type: Self.postgresType, format: 1, bytes: bytes)
    }
}

@inline(__always)
func appendBigEndian<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
    withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
}

extension Bool: PostgresArrayElement {
    public static var postgresType: PostgresType { .bool }
    public static var postgresArrayType: PostgresType { .boolArray }
    public func appendBinary(to buffer: inout [UInt8]) { buffer.append(self ? 1 : 0) }
}

extension Int: PostgresArrayElement {
    public static var postgresType: PostgresType { .int8 }
    public static var postgresArrayType: PostgresType { .int8Array }
    public func appendBinary(to buffer: inout [UInt8]) { appendBigEndian(Int64(self), to: &buffer) }
}

extension Int64: PostgresArrayElement {
    public static var postgresType: PostgresType { .int8 }
    public static var postgresArrayType: PostgresType { .int8Array }
    public func appendBinary(to buffer: inout [UInt8]) { appendBigEndian(self, to: &buffer) }
}

extension Int32: PostgresArrayElement {
    public static var postgresType: PostgresType { .int4 }
    public static var postgresArrayType: PostgresType { .int4Array }
    public func appendBinary(to buffer: inout [UInt8]) { appendBigEndian(self, to: &buffer) }
}

extension Int16: PostgresArrayElement {
    public static var postgresType: PostgresType { .int2 }
    public static var postgresArrayType: PostgresType { .int2Array }
    public func appendBinary(to buffer: inout [UInt8]) { appendBigEndian(self, to: &buffer) }
}

extension Double: PostgresArrayElement {
    public static var postgresType: PostgresType { .float8 }
    public static var postgresArrayType: PostgresType { .float8Array }
    public func appendBinary(to buffer: inout [UInt8]) { appendBigEndian(bitPattern, to: &buffer) }
}

extension Float: PostgresArrayElement {
    public static var postgresType: PostgresType { .float4 }
    public static var postgresArrayType: PostgresType { .float4Array }
    public func appendBinary(to buffer: inout [UInt8]) { appendBigEndian(bitPattern, to: &buffer) }
}

extension String: PostgresArrayElement {
    public static var postgresType: PostgresType { .text }
    public static var postgresArrayType: PostgresType { .textArray }
    public func appendBinary(to buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
}

extension Substring: PostgresEncodable {
    public static var postgresType: PostgresType { .text }
    public func postgresBind() -> PostgresBind { String(self).postgresBind() }
}

extension UUID: PostgresArrayElement {
    public static var postgresType: PostgresType { .uuid }
    public static var postgresArrayType: PostgresType { .uuidArray }
    public func appendBinary(to buffer: inout [UInt8]) {
        withUnsafeBytes(of: uuid) { buffer.append(contentsOf: $0) }
    }
}

/// Microseconds between the Unix epoch and PostgreSQL's epoch (2000-01-01 00:00:00 UTC).
let postgresEpochOffsetMicroseconds: Int64 = 946_684_800_000_000

extension Date: PostgresArrayElement {
    public static var postgresType: PostgresType { .timestamptz }
    public static var postgresArrayType: PostgresType { .timestamptzArray }
    /// Binary timestamptz: Int64 microseconds since 2000-01-01 UTC.
    public func appendBinary(to buffer: inout [UInt8]) {
        let micros = Int64((timeIntervalSince1970 * 1_000_000).rounded()) - postgresEpochOffsetMicroseconds
        appendBigEndian(micros, to: &buffer)
    }
}

extension Data: PostgresArrayElement {
    public static var postgresType: PostgresType { .bytea }
    public static var postgresArrayType: PostgresType { .byteaArray }
    public func appendBinary(to buffer: inout [UInt8]) { buffer.append(contentsOf: self) }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresType: PostgresType { Element.postgresArrayType }
    public func postgresBind() -> PostgresBind {
        // Binary array: ndim, has-null flag, element OID, then (size, lower bound) per dimension,
        // then each element as length + bytes.
        var bytes: [UInt8] = []
        appendBigEndian(Int32(isEmpty ? 0 : 1), to: &bytes)
        appendBigEndian(Int32(contains { $0.postgresIsNull } ? 1 : 0), to: &bytes)
        appendBigEndian(Element.postgresType.rawValue, to: &bytes)
        if !isEmpty {
            appendBigEndian(Int32(count), to: &bytes)
            appendBigEndian(Int32(1), to: &bytes)
        }
        var element: [UInt8] = []
        for value in self {
            if value.postgresIsNull {
                appendBigEndian(Int32(-1), to: &bytes)
                continue
            }
            element.removeAll(keepingCapacity: true)
            value.appendBinary(to: &element)
            appendBigEndian(Int32(element.count), to: &bytes)
            bytes.append(contentsOf: element)
        }
        return PostgresBind(type: Element.postgresArrayType, format: 1, bytes: bytes)
    }
}

/// A JSON document sent as `jsonb` (text format: the JSON text itself).
public struct PostgresJSONB: PostgresArrayElement, Hashable {
    /// The JSON text.
    public var text: String

    public init(text: String) { self.text = text }

    /// Encodes a value with `JSONEncoder` (keys sorted, so equal values give equal text).
    public init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public static var postgresType: PostgresType { .jsonb }
    public static var postgresArrayType: PostgresType { .jsonbArray }
    /// Binary jsonb: a version byte (1), then the JSON text.
    public func appendBinary(to buffer: inout [UInt8]) {
        buffer.append(1)
        buffer.append(contentsOf: text.utf8)
    }
}
