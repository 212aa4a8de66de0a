/// An ordered list of HTTP header fields with case-insensitive lookup (RFC 9110 §5.1).
///
/// Field order is kept because it matters for repeated fields such as `Set-Cookie`.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// One header field.
    public typealias Field = (name: String, value: String)

    private var fields: [Field]

    /// Creates an empty header list.
    public init() {
        fields = []
    }

    /// Creates a header list from fields in order.
    public init(_ fields: [Field]) {
        self.fields = fields
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The number of fields.
    public var count: Int { fields.count }

    public var description: String { fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n") }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The first value of the field `name`, or `nil`; setting replaces every field of that name.
    public subscript(name: String) -> String? {
        get {
            for field in fields where Self.equalsIgnoringCase(field.name, name) { return field.value }
            return nil
        }
        set {
            if let newValue { replaceOrAdd(name: name, value: newValue) } else { remove(name: name) }
        }
    }

    /// Every value of the field `name`, in order.
    public func values(for name: String) -> [String] {
        fields.filter { Self.equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    /// Whether a field named `name` is present.
    public func contains(_ name: String) -> Bool {
        fields.contains { Self.equalsIgnoringCase($0.name, name) }
    }

    /// Appends a field, keeping any existing field of the same name.
    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field named `name` with a single field.
    public mutating func replaceOrAdd(name: String, value: String) {
        if let first = fields.firstIndex(where: { Self.equalsIgnoringCase($0.name, name) }) {
            fields[first].value = value
            var index = fields.index(after: first)
            while index < fields.endIndex {
                if Self.equalsIgnoringCase(fields[index].name, name) { fields.remove(at: index) } else { index += 1 }
            }
        } else {
            fields.append((name: name, value: value))
        }
    }

    /// Removes every field named `name`.
    public mutating func remove(name: String) {
        fields.removeAll { Self.equalsIgnoringCase($0.name, name) }
    }

    /// Whether the comma-separated list in field `name` contains `token`, ignoring case (RFC 9110 §5.6.1).
    public func containsToken(_ token: String, in name: String) -> Bool {
        for field in fields where Self.equalsIgnoringCase(field.name, name) {
            for element in field.value.utf8.split(separator: UInt8(ascii: ",")) {
                if Self.equalsIgnoringCase(Self.trimmed(element), token.utf8) { return true }
            }
        }
        return false
    }

    /// ASCII case-insensitive comparison; header names are ASCII tokens.
    static func equalsIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
        equalsIgnoringCase(lhs.utf8, rhs.utf8)
    }

    static func equalsIgnoringCase<A: Collection<UInt8>, B: Collection<UInt8>>(_ lhs: A, _ rhs: B) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (a, b) in zip(lhs, rhs) where a != b {
            guard a | 0x20 == b | 0x20, (a | 0x20) >= UInt8(ascii: "a"), (a | 0x20) <= UInt8(ascii: "z") else {
                return false
            }
        }
        return true
    }

    /// Strips optional whitespace (SP / HTAB) from both ends (RFC 9110 §5.6.3).
    static func trimmed<C: BidirectionalCollection<UInt8>>(_ bytes: C) -> C.SubSequence {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start = bytes.index(after: start) }
        while end > start {
            let before = bytes.index(before: end)
            guard bytes[before] == 0x20 || bytes[before] == 0x09 else { break }
            end = before
        }
        return bytes[start..<end]
    }
}
