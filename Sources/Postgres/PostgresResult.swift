import CLibPQ

/// The rows of a finished statement.
///
/// Owns its `PGresult`, which is immutable once returned by libpq and so safe to read from any thread;
/// it is cleared exactly once, when the last reference goes away.
public final class PostgresResult: @unchecked Sendable {
    let handle: OpaquePointer
    /// Column names in order.
    public let columns: [String]
    /// Column type OIDs in order.
    public let columnTypes: [PostgresType]
    /// The number of rows returned.
    public let count: Int
    /// Rows inserted, updated, deleted, copied… as reported by the command tag (0 when none).
    public let affectedRows: Int
    let query: String

    init(handle: OpaquePointer, query: String) {
        self.handle = handle
        self.query = query
        let n = Int(PQnfields(handle))
        var names: [String] = []
        var types: [PostgresType] = []
        names.reserveCapacity(n)
        types.reserveCapacity(n)
        for i in 0..<n {
            names.append(PQfname(handle, Int32(i)).map { String(cString: $0) } ?? "?column?")
            types.append(PostgresType(rawValue: PQftype(handle, Int32(i))))
        }
        columns = names
        columnTypes = types
        count = Int(PQntuples(handle))
        affectedRows = PQcmdTuples(handle).flatMap { Int(String(cString: $0)) } ?? 0
    }

    deinit { PQclear(handle) }

    /// The index of a column by name.
    public func columnIndex(_ name: String) -> Int? { columns.firstIndex(of: name) }

    /// The first row, if any.
    public var first: PostgresRow? { count > 0 ? PostgresRow(result: self, index: 0) : nil }
}

extension PostgresResult: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public subscript(position: Int) -> PostgresRow { PostgresRow(result: self, index: position) }
}

/// One row of a `PostgresResult`; decode its columns by position or by name.
public struct PostgresRow: Sendable {
    let result: PostgresResult
    let index: Int

    /// Decodes column `column` as `T` (use an optional type for nullable columns).
    /// - Throws: `PostgresError` with code `.decoding` naming the column, its type and the Swift type.
    public func decode<T: PostgresDecodable>(_ column: Int, as: T.Type = T.self) throws -> T {
        guard column >= 0, column < result.columns.count else {
            throw PostgresError(.decoding, "column \(column) out of range (\(result.columns.count) columns)",
                                query: result.query)
        }
        let type = result.columnTypes[column]
        let row = Int32(index), col = Int32(column)
        do {
            if PQgetisnull(result.handle, row, col) != 0 {
                return try T.decodeNull(type: type)
            }
            let length = Int(PQgetlength(result.handle, row, col))
            guard let base = PQgetvalue(result.handle, row, col) else {
                return try T.decodeNull(type: type)
            }
            return try T.decode(from: UnsafeRawBufferPointer(start: base, count: length), type: type)
        } catch {
            throw PostgresError(.decoding, "column \"\(result.columns[column])\": \(error.reason)", query: result.query)
        }
    }

    /// Decodes the column named `name` as `T`.
    public func decode<T: PostgresDecodable>(_ name: String, as: T.Type = T.self) throws -> T {
        guard let column = result.columnIndex(name) else {
            throw PostgresError(.decoding, "no column named \"\(name)\"", query: result.query)
        }
        return try decode(column, as: T.self)
    }

    /// Decodes the leading columns into a tuple: `let (id, name) = try row.decode((Int, String).self)`.
    public func decode<each T: PostgresDecodable>(_: (repeat each T).Type) throws -> (repeat each T) {
        var column = 0
        func next<U: PostgresDecodable>(_: U.Type) throws -> U {
            defer { column += 1 }
            return try decode(column, as: U.self)
        }
        return (repeat try next((each T).self))
    }

    /// True when the column is SQL NULL.
    public func isNull(_ column: Int) -> Bool {
        PQgetisnull(result.handle, Int32(index), Int32(column)) != 0
    }
}
