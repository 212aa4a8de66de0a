/// One bound parameter: its type, format and bytes (`nil` for SQL NULL).
public struct PostgresBind: Sendable {
    /// The parameter's type OID sent to the server.
    public var type: PostgresType
    /// 0 for text format, 1 for binary.
    public var format: Int16
    /// The encoded value; `nil` is SQL NULL.
    public var bytes: [UInt8]?

    public init(type: PostgresType, format: Int16, bytes: [UInt8]?) {
        self.type = type
        self.format = format
        self.bytes = bytes
    }
}

/// A SQL statement whose interpolated values become `$n` parameters, never SQL text.
///
/// ```swift
/// let query: PostgresQuery = "SELECT id FROM conversations WHERE project_id = \(project) AND model = \(model)"
/// ```
/// Queries compose: `query.append(" AND created_at > \(since)")` keeps numbering right.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    enum Part: Sendable {
        case sql(String)
        case bind(PostgresBind)
        /// A bind whose `$n` is already written in the SQL text (``init(unsafeSQL:binds:)``).
        case prenumbered(PostgresBind)
    }

    var parts: [Part]

    public init(stringLiteral value: String) {
        parts = [.sql(value)]
    }

    public init(stringInterpolation: StringInterpolation) {
        parts = stringInterpolation.parts
    }

    /// A query from SQL text that the program itself controls; values must still be bound.
    public init(unsafeSQL sql: String, binds: [PostgresBind] = []) {
        precondition(binds.isEmpty || sql.contains("$"), "binds given without placeholders")
        parts = [.sql(sql)]
        // Pre-numbered placeholders: keep them as written by appending the binds at the end.
        parts.append(contentsOf: binds.map { .prenumbered($0) })
    }

    /// Appends another query fragment; its values are renumbered after this query's.
    public mutating func append(_ other: PostgresQuery) {
        parts.append(contentsOf: other.parts)
    }

    /// Joins fragments with a separator (for `AND`-ed filters or `,`-separated value lists).
    public static func joined(_ fragments: [PostgresQuery], separator: String) -> PostgresQuery {
        var result = PostgresQuery(stringLiteral: "")
        for (i, fragment) in fragments.enumerated() {
            if i > 0 { result.parts.append(.sql(separator)) }
            result.append(fragment)
        }
        return result
    }

    /// The SQL text with `$n` placeholders and the parameters in order.
    public func render() -> (sql: String, binds: [PostgresBind]) {
        var sql = ""
        var binds: [PostgresBind] = []
        for part in parts {
            switch part {
            case .sql(let text):
                sql += text
            case .bind(let bind):
                binds.append(bind)
                sql += "$\(binds.count)"
            case .prenumbered(let bind):
                binds.append(bind)
            }
        }
        return (sql, binds)
    }

    /// The SQL text only (no values): safe to log.
    public var description: String { render().sql }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            parts.reserveCapacity(interpolationCount * 2 + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { parts.append(.sql(literal)) }
        }

        /// A value, sent as a parameter.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            parts.append(.bind(value.postgresBind()))
        }

        /// An optional value: `nil` is sent as SQL NULL of the wrapped type. (Spelled out so that the compiler
        /// sees an optional parameter and does not warn about interpolating an optional.)
        public mutating func appendInterpolation<T: PostgresArrayElement>(_ value: T?) {
            parts.append(.bind(value.postgresBind()))
        }

        /// A nested query fragment (its own values stay parameters).
        public mutating func appendInterpolation(_ fragment: PostgresQuery) {
            parts.append(contentsOf: fragment.parts)
        }

        /// A quoted identifier (table or column name chosen by the program, never by input).
        public mutating func appendInterpolation(identifier: String) {
            let escaped = String(identifier.flatMap { $0 == "\"" ? ["\"", "\""] : [$0] })
            parts.append(.sql("\"" + escaped + "\""))
        }
    }
}

