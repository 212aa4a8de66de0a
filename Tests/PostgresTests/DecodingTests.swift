import Foundation
import Postgres
import TestSupport
import Testing

@Suite struct DecodingTests {
    let db: TestPostgres.Database

    init() async throws {
        db = try await TestPostgres.freshDatabase(migrated: false)
    }

    @Test func scalarTypesRoundTrip() async throws {
        let id = UUID()
        let when = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let bytes = Data([0, 1, 2, 255, 92, 39])
        let row = try #require(try await db.pool.query("""
            SELECT \(true), \(Int16(-7))::int2, \(Int32(123_456))::int4, \(Int.max)::int8,
                   \(Float(1.5))::float4, \(Double.pi)::float8, \("héllo \"wörld\" 🎉"), \(id),
                   \(when), \(try PostgresJSONB(encoding: ["a": 1])), \(bytes), \(["x", "y,z", "\"q\"", ""]),
                   \([1, 2, 3]), \([Float(0.25), -1]), 12345678901234::numeric, 2.5::numeric, '2024-02-29'::date
            """).first)
        #expect(try row.decode(0, as: Bool.self) == true)
        #expect(try row.decode(1, as: Int.self) == -7)
        #expect(try row.decode(2, as: Int32.self) == 123_456)
        #expect(try row.decode(3, as: Int.self) == Int.max)
        #expect(try row.decode(4, as: Float.self) == 1.5)
        #expect(try row.decode(5, as: Double.self) == Double.pi)
        #expect(try row.decode(6, as: String.self) == "héllo \"wörld\" 🎉")
        #expect(try row.decode(7, as: UUID.self) == id)
        let decodedDate = try row.decode(8, as: Date.self)
        #expect(abs(decodedDate.timeIntervalSince1970 - when.timeIntervalSince1970) < 0.000001)
        #expect(try row.decode(9, as: PostgresJSONB.self).decode([String: Int].self) == ["a": 1])
        #expect(try row.decode(10, as: Data.self) == bytes)
        #expect(try row.decode(11, as: [String].self) == ["x", "y,z", "\"q\"", ""])
        #expect(try row.decode(12, as: [Int].self) == [1, 2, 3])
        #expect(try row.decode(13, as: [Float].self) == [0.25, -1])
        #expect(try row.decode(14, as: Int.self) == 12_345_678_901_234)
        #expect(try row.decode(15, as: Double.self) == 2.5)
        #expect(try row.decode(16, as: Date.self) == Date(timeIntervalSince1970: 1_709_164_800))
    }

    @Test func nullsDecodeAsNilForEveryType() async throws {
        let row = try #require(try await db.pool.query("""
            SELECT NULL::bool, NULL::int2, NULL::int4, NULL::int8, NULL::float4, NULL::float8, NULL::text,
                   NULL::uuid, NULL::timestamptz, NULL::jsonb, NULL::bytea, NULL::text[], \(nil as String?)
            """).first)
        #expect(try row.decode(0, as: Bool?.self) == nil)
        #expect(try row.decode(1, as: Int?.self) == nil)
        #expect(try row.decode(2, as: Int32?.self) == nil)
        #expect(try row.decode(3, as: Int?.self) == nil)
        #expect(try row.decode(4, as: Float?.self) == nil)
        #expect(try row.decode(5, as: Double?.self) == nil)
        #expect(try row.decode(6, as: String?.self) == nil)
        #expect(try row.decode(7, as: UUID?.self) == nil)
        #expect(try row.decode(8, as: Date?.self) == nil)
        #expect(try row.decode(9, as: PostgresJSONB?.self) == nil)
        #expect(try row.decode(10, as: Data?.self) == nil)
        #expect(try row.decode(11, as: [String]?.self) == nil)
        #expect(try row.decode(12, as: String?.self) == nil)
        #expect(row.isNull(12))
        // A NULL into a non-optional type is a clear decoding error naming the column.
        let error = try #require(throws: PostgresError.self) { try row.decode(6, as: String.self) }
        #expect(error.code == .decoding)
        #expect(error.message.contains("NULL"))
    }

    @Test func typeMismatchIsATypedError() async throws {
        let row = try #require(try await db.pool.query("SELECT 'text'::text AS label, 1.5::float8 AS x").first)
        let error = try #require(throws: PostgresError.self) { try row.decode("label", as: Int.self) }
        #expect(error.code == .decoding)
        #expect(error.message.contains("label"))
        #expect(throws: PostgresError.self) { try row.decode("x", as: UUID.self) }
        #expect(throws: PostgresError.self) { try row.decode("missing", as: Int.self) }
        let (label, x) = try row.decode((String, Double).self)
        #expect(label == "text" && x == 1.5)
    }

    @Test func badParameterCountAndSQLErrors() async throws {
        let mismatched = PostgresQuery(unsafeSQL: "SELECT $1::int + $2::int", binds: [1.postgresBind()])
        let countError = try await #require(throws: PostgresError.self) { try await db.pool.query(mismatched) }
        #expect(countError.code == .badParameters)
        let syntax = try await #require(throws: PostgresError.self) { try await db.pool.query("SELEC 1") }
        #expect(syntax.code == .server)
        #expect(syntax.sqlState == "42601")
        // The description never carries database text (it may reach users); the log text does.
        #expect(!syntax.description.contains("SELEC"))
        #expect(syntax.logDescription.contains("42601"))
        // The connection is still usable after errors.
        #expect(try await db.pool.query("SELECT 1").first?.decode(0, as: Int.self) == 1)
    }

    @Test func interpolatedValuesAreNeverSQL() async throws {
        let hostile = "'; DROP TABLE pg_class; --"
        let echoed = try await db.pool.query("SELECT \(hostile)::text").first?.decode(0, as: String.self)
        #expect(echoed == hostile)
        var query: PostgresQuery = "SELECT count(*) FROM (VALUES (1), (2), (3)) v(n) WHERE true"
        query.append(" AND n >= \(2)")
        query.append(" AND n <= \(3)")
        #expect(query.description.contains("$2"))
        #expect(try await db.pool.query(query).first?.decode(0, as: Int.self) == 2)
    }
}
