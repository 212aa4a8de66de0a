import Foundation

/// A Swift type that a binary-format column can be decoded into.
public protocol PostgresDecodable: Sendable {
    /// Decodes a non-NULL value.
    /// - Parameters:
    ///   - bytes: the column's binary representation.
    ///   - type: the column's type OID.
    /// - Throws: `DecodingFailure` when the type does not fit.
    static func decode(from bytes: UnsafeRawBufferPointer, type: PostgresType) throws(DecodingFailure) -> Self
    /// The value for SQL NULL; non-optional types throw.
    static func decodeNull(type: PostgresType) throws(DecodingFailure) -> Self
}

/// Why a column could not be decoded; turned into a `PostgresError` with the column name by the row.
public struct DecodingFailure: Error, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }

    static func mismatch(_ swiftType: Any.Type, _ type: PostgresType) -> DecodingFailure {
        DecodingFailure("cannot decode \(type) as \(swiftType)")
    }
}

extension PostgresDecodable {
    public static func decodeNull(type: PostgresType) throws(DecodingFailure) -> Self {
        throw DecodingFailure("unexpected NULL for non-optional \(Self.self)")
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: PostgresType) throws(DecodingFailure) -> Self {
        try Wrapped.decode(from: bytes, type: type)
    }
    public static func decodeNull(type: PostgresType) throws(DecodingFailure) -> Self { nil }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    func bigEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int = 0) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    func exactly<T: FixedWidthInteger>(_: T.Type, _ swiftType: Any.Type, _ type: PostgresType) throws(DecodingFailure) -> T {
        guard count == MemoryLayout<T>.size else {
            throw DecodingFailure("\(type) value of \(count) bytes for \(swiftType)")
        }
        return bigEndian(T.self)
    }
}

extension Bool: PostgresDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: PostgresType) throws(DecodingFailure) -> Bool {
        guard type == .bool, bytes.count == 1 else { throw .mismatch(Bool.self, type) }
        return bytes[0] != 0
    }
}

extension Int: PostgresDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: PostgresType) throws(DecodingFailure) -> Int {
        switch type {
        case .int2: Int(try bytes.exactly(Int16.self, Int.self, type))
        case .int4: Int(try bytes.exactly(Int32.self, Int.self, type))
        case .int8: Int(try bytes.exactly(Int64.self, Int.self, type))
        case .oid: Int(try bytes.exactly(UInt32.self, Int.self, type))
        case .numeric:
            if let value = try PostgresNumeric.decode(bytes).integer { value } else {
                throw DecodingFailure("numeric with a fraction as Int")
            }
        default: throw .mismatch(Int.self, type)
        }
    }
}

extension Int32: PostgresDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: PostgresType) throws(DecodingFailure) -> Int32 {
        let wide = try Int.decode(from: bytes, type: type)
        guard let value = Int32(exactly: wide) else { throw DecodingFailure("\(wide) does not fit Int32") }
        return value
    }
}

extension Int64: PostgresDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: PostgresType) throws(DecodingFailure) -> Int64 {
        Int64(try Int.decode(from: bytes, type: type))
    }
}

extension Double: PostgresDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: PostgresType) throws(DecodingFailure) -> Double {
        switch type {
        case .float8: Double(bitPattern: try bytes.exactly(UInt64.self, Double.self, type))
        case .float4: Double(Float(bitPattern: try bytes.exactly(UInt32.self, Double.self, type)))
        case .int2, .int4, .int8: Double(try Int.decode(from: bytes, type: type))
        case .numeric: try PostgresNumeric.decode(bytes).double
        default: throw .mismatch(Double.self, type)
        }
    }
}

extension Float: PostgresDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: PostgresType) throws(DecodingFailure) -> Float {
        if type == .float4 { return Float(bitPattern: try bytes.exactly(UInt32.self, Float.self, type)) }
        return Float(try Double.decode(from: bytes, type: type))
    }
}

extension String: PostgresDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: PostgresType) throws(DecodingFailure) -> String {
        switch type {
        case .text, .varchar, .bpchar, .name, .json, .char, .unknown:
            return String(decoding: bytes, as: UTF8.self)
        case .jsonb:
            // Binary jsonb: a version byte (1), then the JSON text.
            guard bytes.first == 1 else { throw DecodingFailure("unknown jsonb version") }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes.dropFirst()), as: UTF8.self)
        default:
            throw .mismatch(String.self, type)
        }
    }
}

extension UUID: PostgresDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: PostgresType) throws(DecodingFailure) -> UUID {
        guard type == .uuid, bytes.count == 16 else { throw .mismatch(UUID.self, type) }
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: bytes) }
        return UUID(uuid: raw)
    }
}

extension Date: PostgresDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: PostgresType) throws(DecodingFailure) -> Date {
        switch type {
        case .timestamptz, .timestamp:
            let micros = try bytes.exactly(Int64.self, Date.self, type)
            if micros == .max || micros == .min { throw DecodingFailure("infinite timestamp as Date") }
            return Date(timeIntervalSince1970: Double(micros + postgresEpochOffsetMicroseconds) / 1_000_000)
        case .date:
            let days = try bytes.exactly(Int32.self, Date.self, type)
            return Date(timeIntervalSince1970: Double(Int64(days) * 86_400 + 946_684_800))
        default:
            throw .mismatch(Date.self, type)
        }
    }
}

extension Data: PostgresDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: PostgresType) throws(DecodingFailure) -> Data {
        guard type == .bytea else { throw .mismatch(Data.self, type) }
        return Data(bytes)
    }
}

extension PostgresJSONB: PostgresDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: PostgresType) throws(DecodingFailure) -> PostgresJSONB {
        guard type == .jsonb || type == .json else { throw .mismatch(PostgresJSONB.self, type) }
        return PostgresJSONB(text: try String.decode(from: bytes, type: type))
    }

    /// Decodes the document with `JSONDecoder`.
    public func decode<T: Decodable>(_: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
