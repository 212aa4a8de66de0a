import Foundation
import Postgres
import TestSupport
import Testing

@Suite struct ListenNotifyTests {
    @Test func notificationsAreDelivered() async throws {
        let db = try await TestPostgres.freshDatabase(migrated: false)
        let listener = try await PostgresListener.start(conninfo: db.conninfo, channels: ["jobs", "other"],
                                                        logger: TestPostgres.logger)
        defer { listener.stop() }
        try await db.pool.notify(channel: "jobs", payload: "42")
        // A notification inside a rolled-back transaction is never delivered.
        _ = try? await db.pool.withTransaction { connection in
            try await connection.query("SELECT pg_notify('jobs', 'rolled back')")
            throw CancellationError()
        }
        try await db.pool.notify(channel: "other", payload: "ünï")
        var received: [PostgresNotification] = []
        for await notification in listener.notifications {
            received.append(notification)
            if received.count == 2 { break }
        }
        #expect(received.map(\.channel) == ["jobs", "other"])
        #expect(received.map(\.payload) == ["42", "ünï"])
    }
}

@Suite struct MigrationTests {
    let migrations = [
        Migration(version: 1, name: "first", sql: "CREATE TABLE a (id int); INSERT INTO a VALUES (1);"),
        Migration(version: 2, name: "second", sql: "CREATE TABLE b (id int PRIMARY KEY); ALTER TABLE a ADD note text;"),
    ]

    @Test func racingMigratorsApplyEachMigrationOnce() async throws {
        let db = try await TestPostgres.freshDatabase(migrated: false)
        let other = PostgresPool(configuration: .init(conninfo: db.conninfo), logger: TestPostgres.logger)
        let migrator = Migrator(migrations: migrations, logger: TestPostgres.logger)
        async let first = migrator.migrate(on: db.pool)
        async let second = migrator.migrate(on: other)
        let (a, b) = try await (first, second)
        // One of them applied both, the other found nothing left to do.
        #expect(a.count + b.count == 2)
        #expect(try await db.pool.query("SELECT count(*) FROM a").first?.decode(0, as: Int.self) == 1)
        #expect(try await db.pool.query("SELECT count(*) FROM schema_migrations").first?.decode(0, as: Int.self) == 2)
        #expect(try await migrator.migrate(on: db.pool).isEmpty)
        await other.shutdown()
    }

    @Test func editedAppliedMigrationIsRejected() async throws {
        let db = try await TestPostgres.freshDatabase(migrated: false)
        try await Migrator(migrations: migrations, logger: TestPostgres.logger).migrate(on: db.pool)
        var edited = migrations
        edited[0].sql += " -- sneaky edit"
        let error = try await #require(throws: PostgresError.self) {
            try await Migrator(migrations: edited, logger: TestPostgres.logger).migrate(on: db.pool)
        }
        #expect(error.code == .migration)
        #expect(error.message.contains("1_first"))
    }

    @Test func failingMigrationLeavesNoTrace() async throws {
        let db = try await TestPostgres.freshDatabase(migrated: false)
        let broken = migrations + [Migration(version: 3, name: "broken", sql: "CREATE TABLE c (id int); SELEC 1;")]
        await #expect(throws: PostgresError.self) {
            try await Migrator(migrations: broken, logger: TestPostgres.logger).migrate(on: db.pool)
        }
        let versions = try await db.pool.query("SELECT version FROM schema_migrations ORDER BY 1").map { try $0.decode(0, as: Int.self) }
        #expect(versions == [1, 2])
        let hasC = try await db.pool.query("SELECT to_regclass('c') IS NOT NULL").first?.decode(0, as: Bool.self)
        #expect(hasC == false)
    }

    @Test func projectMigrationsLoadInOrder() throws {
        let loaded = try Migrator.load(directory: TestPostgres.migrationsDirectory)
        #expect(!loaded.isEmpty)
        #expect(loaded.map(\.version) == loaded.map(\.version).sorted())
    }
}

@Suite struct RestartRecoveryTests {
    @Test func poolRecoversAfterPostgresRestart() async throws {
        // A cluster of its own: restarting the shared one would disturb other suites.
        let cluster = try await TestPostgres.privateCluster("restart")
        let pool = PostgresPool(configuration: .init(conninfo: cluster.conninfo(), minConnections: 3, maxConnections: 3),
                                logger: TestPostgres.logger)
        try await pool.warmUp()
        #expect(try await pool.query("SELECT 1").first?.decode(0, as: Int.self) == 1)

        try await cluster.stop()
        // While the server is down, queries fail with a connection error (the app answers 503).
        let down = try await #require(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(down.isConnectionError)
        try await cluster.start()

        // Every old connection is dead; the pool notices on checkout and replaces them by itself.
        for _ in 0..<10 {
            #expect(try await pool.query("SELECT 2").first?.decode(0, as: Int.self) == 2)
        }
        await pool.shutdown()
        await TestPostgres.discard(cluster)
    }
}
