import Foundation
import Logging
import Postgres

/// One private PostgreSQL per test process, started on first use and stopped at exit.
///
/// It runs through the same `EmbeddedPostgres` code as `parley serve`, in a temporary folder, with fsync
/// off. Every suite gets its own database, copied from a migrated template, so suites run in parallel
/// and leave nothing behind (the whole folder is removed at exit).
public enum TestPostgres {
    /// A fresh database for one suite.
    public struct Database: Sendable {
        /// The database name.
        public let name: String
        /// A connection string for it.
        public let conninfo: String
        /// A pool on it.
        public let pool: PostgresPool
    }

    /// The running cluster (started on first access).
    public static func cluster() async throws -> EmbeddedPostgres {
        try await state.cluster.value
    }

    /// A new, empty database; `migrated` copies the migrated template instead of an empty one.
    public static func freshDatabase(migrated: Bool = true, maxConnections: Int = 8) async throws -> Database {
        let cluster = try await cluster()
        if migrated { _ = try await state.template.value }
        let name = await state.counter.next()
        let admin = PostgresPool(configuration: .init(conninfo: cluster.conninfo(), minConnections: 0, maxConnections: 1),
                                 logger: logger)
        let template = migrated ? "parley_template" : "template0"
        // CREATE DATABASE takes no parameters; both names are ours, quoted as identifiers.
        try await admin.query("CREATE DATABASE \(identifier: name) TEMPLATE \(identifier: template)")
        await admin.shutdown()
        let conninfo = cluster.conninfo(database: name)
        let pool = PostgresPool(configuration: .init(conninfo: conninfo, minConnections: 0, maxConnections: maxConnections),
                                logger: logger)
        return Database(name: name, conninfo: conninfo, pool: pool)
    }

    /// A started cluster of its own, for tests that stop or restart PostgreSQL (doing that to the shared one
    /// would disturb other suites). Stopped and removed at exit, or earlier with `discard`.
    public static func privateCluster(_ name: String) async throws -> EmbeddedPostgres {
        let directory = NSTemporaryDirectory() + "parley-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let cluster = try EmbeddedPostgres(configuration: .init(directory: directory, durable: false), logger: logger)
        ClusterRegistry.register(cluster)
        try await cluster.start()
        return cluster
    }

    /// Stops a private cluster and removes its folder now (off the cooperative threads: pg_ctl blocks).
    public static func discard(_ cluster: EmbeddedPostgres) async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                ClusterRegistry.stop(cluster)
                continuation.resume()
            }
        }
    }

    /// The repository's `migrations/` folder.
    public static var migrationsDirectory: String { repositoryRoot + "/migrations" }

    /// The repository root, found from this file's path.
    public static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// A logger for tests that prints only warnings and errors.
    public static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    private static let state = State()

    private final class State: Sendable {
        let cluster: Task<EmbeddedPostgres, any Error>
        let template: Task<Void, any Error>
        let counter = Counter()

        init() {
            let cluster = Task { () throws -> EmbeddedPostgres in
                let directory = NSTemporaryDirectory() + "parley-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
                let embedded = try EmbeddedPostgres(
                    configuration: .init(directory: directory, durable: false), logger: TestPostgres.logger)
                ClusterRegistry.register(embedded)
                try await embedded.start()
                return embedded
            }
            self.cluster = cluster
            self.template = Task {
                let embedded = try await cluster.value
                let admin = PostgresPool(configuration: .init(conninfo: embedded.conninfo(), maxConnections: 1),
                                         logger: TestPostgres.logger)
                try await admin.query("CREATE DATABASE parley_template TEMPLATE template0")
                await admin.shutdown()
                let pool = PostgresPool(configuration: .init(conninfo: embedded.conninfo(database: "parley_template"),
                                                             maxConnections: 1), logger: TestPostgres.logger)
                let migrations = try Migrator.load(directory: TestPostgres.migrationsDirectory)
                try await Migrator(migrations: migrations, logger: TestPostgres.logger).migrate(on: pool)
                await pool.shutdown()
            }
        }
    }

    actor Counter {
        private var value = 0
        func next() -> String {
            value += 1
            return "test_\(value)"
        }
    }
}

/// Stops the test cluster and removes its folder when the process exits.
enum ClusterRegistry {
    nonisolated(unsafe) private static var clusters: [EmbeddedPostgres] = []
    private static let lock = NSLock()

    static func register(_ cluster: EmbeddedPostgres) {
        lock.lock()
        defer { lock.unlock() }
        if clusters.isEmpty {
            atexit { ClusterRegistry.stopAll() }
        }
        clusters.append(cluster)
    }

    static func stop(_ cluster: EmbeddedPostgres) {
        lock.lock()
        clusters.removeAll { $0 === cluster }
        lock.unlock()
        try? cluster.stopBlocking()
        try? FileManager.default.removeItem(atPath: cluster.configuration.directory)
    }

    static func stopAll() {
        lock.lock()
        let all = clusters
        clusters.removeAll()
        lock.unlock()
        for cluster in all {
            try? cluster.stopBlocking()
            try? FileManager.default.removeItem(atPath: cluster.configuration.directory)
        }
    }
}
