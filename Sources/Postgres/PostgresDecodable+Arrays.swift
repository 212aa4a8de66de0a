extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// Decodes a one-dimensional array (binary format); an empty array has zero dimensions.
    public static func decode(from bytes: UnsafeRawBufferPointer, type: PostgresType) throws(DecodingFailure) -> [Element] {
        guard bytes.count >= 12 else { throw DecodingFailure("cannot decode \(type) as an array") }
        let dimensions = bytes.bigEndian(Int32.self, at: 0)
        let elementType = PostgresType(rawValue: bytes.bigEndian(UInt32.self, at: 8))
        if dimensions == 0 { return [] }
        guard dimensions == 1, bytes.count >= 20 else {
            throw DecodingFailure("only one-dimensional arrays are supported, got \(dimensions)")
        }
        let count = Int(bytes.bigEndian(Int32.self, at: 12))
        var offset = 20
        var result: [Element] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            guard offset + 4 <= bytes.count else { throw DecodingFailure("truncated array") }
            let length = Int(bytes.bigEndian(Int32.self, at: offset))
            offset += 4
            if length < 0 {
                result.append(try Element.decodeNull(type: elementType))
                continue
            }
            guard offset + length <= bytes.count else { throw DecodingFailure("truncated array element") }
            let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
            result.append(try Element.decode(from: slice, type: elementType))
            offset += length
        }
        return result
    }
}

/// The binary `numeric` format: digit count, weight, sign, display scale, then base-10000 digits.
struct PostgresNumeric {
    var digits: [Int16]
    var weight: Int16
    var negative: Bool
    var isNaN: Bool

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodingFailure) -> PostgresNumeric {
        guard bytes.count >= 8 else { throw DecodingFailure("truncated numeric") }
        let count = Int(bytes.bigEndian(Int16.self, at: 0))
        let weight = bytes.bigEndian(Int16.self, at: 2)
        let sign = bytes.bigEndian(UInt16.self, at: 4)
        guard count >= 0, bytes.count >= 8 + 2 * count else { throw DecodingFailure("truncated numeric") }
        let digits = (0..<count).map { bytes.bigEndian(Int16.self, at: 8 + 2 * $0) }
        return PostgresNumeric(digits: digits, weight: weight, negative: sign == 0x4000, isNaN: sign == 0xC000)
    }

    var double: Double {
        if isNaN { return .nan }
        var value = 0.0
        for (i, digit) in digits.enumerated() {
            value += Double(digit) * pow10000(Int(weight) - i)
        }
        return negative ? -value : value
    }

    /// The value as an integer, or nil when it has a fractional part or overflows.
    var integer: Int? {
        if isNaN { return nil }
        var value = 0
        for (i, digit) in digits.enumerated() {
            let power = Int(weight) - i
            if power < 0 {
                if digit != 0 { return nil }
                continue
            }
            var term = Int(digit)
            for _ in 0..<power {
                let (m, o) = term.multipliedReportingOverflow(by: 10_000)
                if o { return nil }
                term = m
            }
            let (s, o) = value.addingReportingOverflow(term)
            if o { return nil }
            value = s
        }
        return negative ? -value : value
    }

    private func pow10000(_ exponent: Int) -> Double {
        var result = 1.0
        if exponent >= 0 {
            for _ in 0..<exponent { result *= 10_000 }
        } else {
            for _ in 0..<(-exponent) { result /= 10_000 }
        }
        return result
    }
}
