import Foundation
import Logging
import Postgres

/// The service's database: an existing server from `DATABASE_URL`, or the embedded private cluster.
public final class Database: Sendable {
    /// The shared pool.
    public let pool: PostgresPool
    /// The connection string (for listeners and workers).
    public let conninfo: String
    /// The embedded cluster, when this process started it (and so stops it on close).
    let embedded: EmbeddedPostgres?
    let logger: Logger

    /// A database over an existing pool (tests, tools); closing it stops nothing else.
    public convenience init(pool: PostgresPool, conninfo: String, logger: Logger) {
        self.init(pool: pool, conninfo: conninfo, embedded: nil, logger: logger)
    }

    init(pool: PostgresPool, conninfo: String, embedded: EmbeddedPostgres?, logger: Logger) {
        self.pool = pool
        self.conninfo = conninfo
        self.embedded = embedded
        self.logger = logger
    }

    /// Connects, starting the embedded cluster first when no `DATABASE_URL` is set.
    public static func open(configuration: Configuration, logger: Logger) async throws -> Database {
        var embedded: EmbeddedPostgres?
        let conninfo: String
        if let url = configuration.databaseURL {
            conninfo = url
        } else {
            let home = URL(fileURLWithPath: configuration.home).standardizedFileURL.path
            let cluster = try EmbeddedPostgres(configuration: .init(directory: home + "/postgres"), logger: logger)
            let startedHere = try await cluster.start()
            try await createDatabaseIfMissing(cluster: cluster, name: "parley", logger: logger)
            embedded = startedHere ? cluster : nil
            conninfo = cluster.conninfo(database: "parley")
        }
        let pool = PostgresPool(configuration: .init(conninfo: conninfo, minConnections: 1,
                                                     maxConnections: configuration.databasePoolSize), logger: logger)
        do {
            try await pool.warmUp()
        } catch {
            if let embedded { try? await embedded.stop() }
            throw error
        }
        return Database(pool: pool, conninfo: conninfo, embedded: embedded, logger: logger)
    }

    /// Connects and applies pending migrations (closing again if they fail).
    public static func openMigrated(configuration: Configuration, logger: Logger) async throws -> Database {
        let database = try await open(configuration: configuration, logger: logger)
        do {
            try await database.migrate(directory: configuration.migrationsDirectory)
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// Applies pending migrations.
    @discardableResult
    public func migrate(directory: String?) async throws -> [Migration] {
        let folder = try directory ?? ResourceLocator.folder(named: "migrations")
        let migrator = Migrator(migrations: try Migrator.load(directory: folder), logger: logger)
        let applied = try await migrator.migrate(on: pool)
        logger.info("database is up to date", metadata: ["applied": "\(applied.count)", "known": "\(migrator.migrations.count)"])
        return applied
    }

    /// True when the database answers a trivial query.
    public func isReachable() async -> Bool {
        (try? await pool.query("SELECT 1")) != nil
    }

    /// Closes the pool and stops the embedded cluster if this process started it.
    public func close() async {
        await pool.shutdown()
        if let embedded {
            do {
                try await embedded.stop()
                logger.info("embedded PostgreSQL stopped")
            } catch {
                logger.error("embedded PostgreSQL did not stop cleanly", metadata: ["error": "\(error)"])
            }
        }
    }

    private static func createDatabaseIfMissing(cluster: EmbeddedPostgres, name: String, logger: Logger) async throws {
        let admin = PostgresPool(configuration: .init(conninfo: cluster.conninfo(), minConnections: 0, maxConnections: 1),
                                 logger: logger)
        defer { Task { await admin.shutdown() } }
        let exists = try await admin.query("SELECT count(*) FROM pg_database WHERE datname = \(name)")
            .first?.decode(0, as: Int.self) ?? 0
        guard exists == 0 else { return }
        do {
            try await admin.query("CREATE DATABASE \(identifier: name)")
        } catch let error as PostgresError where error.sqlState == "42P04" {
            // Another instance created it at the same moment.
        }
    }
}
