import Foundation

/// A path into a JSON document: `customer.tier`, `items[0].sku`, `$.a.b` (a leading `$.` is optional) and
/// `labels["a.b"]` for keys with dots.
struct MetadataPath: Sendable, Equatable {
    enum Segment: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    /// How a value at the path is compared with the rule's value.
    ///
    /// `!=` also matches when the path is missing (as in MongoDB's `$ne`); every other comparison needs the value.
    /// Numbers compare as numbers (a numeric string counts as a number when the other side is one); strings compare
    /// by code points, so ISO 8601 dates order correctly. `contains`: a substring of a string, an element of an
    /// array, or a key of an object.
    enum Operator: String, Sendable, CaseIterable {
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case exists, notExists = "not_exists", contains

        var needsValue: Bool { self != .exists && self != .notExists }
    }

    let segments: [Segment]
    /// As written by the rule's author.
    let text: String

    /// Parses a path; nil when it is malformed or empty.
    init?(_ text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest.hasPrefix("$.") { rest = rest.dropFirst(2) } else if rest.hasPrefix("$[") { rest = rest.dropFirst(1) }
        guard !rest.isEmpty, rest.count <= 500 else { return nil }
        var segments: [Segment] = []
        var current = ""
        var i = rest.startIndex
        func flush() -> Bool {
            guard !current.isEmpty else { return false }
            segments.append(.key(current))
            current = ""
            return true
        }
        while i < rest.endIndex {
            let c = rest[i]
            if c == "." {
                if !current.isEmpty { _ = flush() } else if segments.isEmpty || rest[rest.index(before: i)] != "]" { return nil }
                i = rest.index(after: i)
            } else if c == "[" {
                if !current.isEmpty { _ = flush() }
                guard let close = rest[i...].firstIndex(of: "]") else { return nil }
                let inside = rest[rest.index(after: i)..<close]
                if let index = Int(inside), index >= 0 {
                    segments.append(.index(index))
                } else if inside.count >= 2, let q = inside.first, q == "\"" || q == "'", inside.last == q {
                    segments.append(.key(String(inside.dropFirst().dropLast())))
                } else {
                    return nil
                }
                i = rest.index(after: close)
            } else {
                current.append(c)
                i = rest.index(after: i)
            }
        }
        if !current.isEmpty { _ = flush() }
        guard !segments.isEmpty, !(rest.last == ".") else { return nil }
        self.segments = segments
        self.text = text
    }

    /// The value at the path, or nil when some segment is missing.
    func value(in document: JSONValue) -> JSONValue? {
        var current = document
        for segment in segments {
            switch segment {
            case .key(let key):
                guard let next = current[key] else { return nil }
                current = next
            case .index(let index):
                guard let array = current.arrayValue, index < array.count else { return nil }
                current = array[index]
            }
        }
        return current
    }

    /// Whether the document's value at the path compares with `operand` as `op` says.
    func matches(_ document: JSONValue, _ op: Operator, _ operand: JSONValue?) -> Bool {
        let found = value(in: document)
        switch op {
        case .exists: return found != nil && found != .null
        case .notExists: return found == nil || found == .null
        case .notEqual:
            guard let found, let operand else { return true }
            return !Self.equal(found, operand)
        default:
            break
        }
        guard let found, let operand else { return false }
        switch op {
        case .equal: return Self.equal(found, operand)
        case .contains:
            switch found {
            case .string(let s): return operand.stringValue.map { s.contains($0) } ?? false
            case .array(let items): return items.contains { Self.equal($0, operand) }
            case .object(let members): return operand.stringValue.map { members[$0] != nil } ?? false
            default: return false
            }
        default:
            guard let order = Self.order(found, operand) else { return false }
            switch op {
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            case .greaterOrEqual: return order >= 0
            default: return false
            }
        }
    }

    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = number(a, other: b), let y = number(b, other: a) { return x == y }
        return a == b
    }

    /// -1, 0 or 1 for comparable values (two numbers, or two strings), else nil.
    static func order(_ a: JSONValue, _ b: JSONValue) -> Int? {
        if let x = number(a, other: b), let y = number(b, other: a) { return x < y ? -1 : x > y ? 1 : 0 }
        if case .string(let x) = a, case .string(let y) = b {
            return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) ? -1 : x == y ? 0 : 1
        }
        return nil
    }

    /// The value as a number: a JSON number, or a numeric string when the other side is a number.
    private static func number(_ value: JSONValue, other: JSONValue) -> Double? {
        switch value {
        case .number(let text): return Double(text)
        case .string(let text):
            if case .number = other { return Double(text.trimmingCharacters(in: .whitespaces)) }
            return nil
        default: return nil
        }
    }
}
