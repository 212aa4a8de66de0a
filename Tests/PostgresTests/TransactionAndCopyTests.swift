import Foundation
import Postgres
import TestSupport
import Testing

@Suite struct TransactionAndCopyTests {
    let db: TestPostgres.Database

    init() async throws {
        db = try await TestPostgres.freshDatabase(migrated: false)
        try await db.pool.query("CREATE TABLE items (id int PRIMARY KEY, body text, note text)")
    }

    struct Boom: Error {}

    @Test func transactionRollsBackOnThrow() async throws {
        await #expect(throws: Boom.self) {
            try await db.pool.withTransaction { connection in
                try await connection.query("INSERT INTO items VALUES (1, 'a', NULL)")
                throw Boom()
            }
        }
        try await db.pool.withTransaction { connection in
            try await connection.query("INSERT INTO items VALUES (2, 'b', NULL)")
        }
        let ids = try await db.pool.query("SELECT id FROM items ORDER BY id").map { try $0.decode(0, as: Int.self) }
        #expect(ids == [2])
    }

    @Test func connectionReturnedMidTransactionIsRolledBack() async throws {
        try await db.pool.withConnection { connection in
            try await connection.query("BEGIN")
            try await connection.query("INSERT INTO items VALUES (3, 'c', NULL)")
        }
        // Every pooled connection is idle again and the insert was not committed.
        let count = try await db.pool.query("SELECT count(*) FROM items WHERE id = 3").first?.decode(0, as: Int.self)
        #expect(count == 0)
        let inTransaction = try await db.pool.withConnection { await $0.isInTransaction() }
        #expect(!inTransaction)
    }

    @Test func copyOf100kRowsRoundTripsExactly() async throws {
        try await db.pool.query("CREATE TABLE copied (id int PRIMARY KEY, body text, note text)")
        let tricky = ["tab\there", "new\nline", "back\\slash \\N", "crlf\r\n", "ümlaut 日本語 🎉", "", "\\."]
        func body(_ i: Int) -> String { tricky[i % tricky.count] + " #\(i)" }
        let copied = try await db.pool.withConnection { connection in
            try await connection.copyIn("COPY copied (id, body, note) FROM STDIN") { writer in
                for i in 0..<100_000 {
                    writer.appendRow([String(i), body(i), i % 10 == 0 ? nil : "n\(i)"])
                    try await writer.flushIfNeeded()
                }
            }
        }
        #expect(copied == 100_000)
        let rows = try await db.pool.query("SELECT id, body, note FROM copied ORDER BY id")
        #expect(rows.count == 100_000)
        var mismatches = 0
        for row in rows {
            let (id, text, note) = try row.decode((Int, String, String?).self)
            if text != body(id) || note != (id % 10 == 0 ? nil : "n\(id)") { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func failedCopyStoresNothingAndKeepsConnection() async throws {
        try await db.pool.query("CREATE TABLE strict_copy (id int PRIMARY KEY)")
        await #expect(throws: PostgresError.self) {
            try await db.pool.withConnection { connection in
                _ = try await connection.copyIn("COPY strict_copy (id) FROM STDIN") { writer in
                    writer.appendRow(["1"])
                    writer.appendRow(["not a number"])
                }
            }
        }
        #expect(try await db.pool.query("SELECT count(*) FROM strict_copy").first?.decode(0, as: Int.self) == 0)
    }

    @Test func poolWaitersGetConnectionsWithoutSemaphores() async throws {
        let small = PostgresPool(configuration: .init(conninfo: db.conninfo, minConnections: 1, maxConnections: 2),
                                 logger: TestPostgres.logger)
        try await small.warmUp()
        let sum = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<40 {
                group.addTask { try await small.query("SELECT \(i) FROM pg_sleep(0.005)").first?.decode(0) ?? 0 }
            }
            return try await group.reduce(0, +)
        }
        #expect(sum == (0..<40).reduce(0, +))
        let stats = await small.statistics
        #expect(stats.open <= 2)
        await small.shutdown()
    }
}
