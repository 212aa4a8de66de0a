import Foundation
import Logging

/// One schema change: a file `migrations/NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    /// The number that orders migrations.
    public var version: Int
    /// The file name without its number and extension.
    public var name: String
    /// The SQL script.
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Applies migrations in order, each in its own transaction, under an advisory lock.
///
/// Applied migrations are recorded with a SHA-256 checksum; if an applied file was edited afterwards,
/// `migrate` refuses to go on, since the database no longer matches what the files say.
public struct Migrator: Sendable {
    /// Arbitrary but fixed: every Parley instance takes the same advisory lock.
    static let lockKey = 0x7061_726C_6579 // "parley"
    public let migrations: [Migration]
    let logger: Logger

    public init(migrations: [Migration], logger: Logger) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Reads `NNNN_name.sql` files from a directory.
    /// - Throws: `PostgresError(.migration)` for a missing directory, a badly named file or a duplicate number.
    public static func load(directory: String) throws -> [Migration] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw PostgresError(.migration, "cannot read the migrations directory \(directory)")
        }
        var seen: [Int: String] = [:]
        var result: [Migration] = []
        for file in files.sorted() where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw PostgresError(.migration, "migration file \(file) is not named NNNN_name.sql")
            }
            if let other = seen[version] {
                throw PostgresError(.migration, "migrations \(other) and \(file) share the number \(version)")
            }
            seen[version] = file
            guard let sql = FileManager.default.contents(atPath: directory + "/" + file) else {
                throw PostgresError(.migration, "cannot read \(file)")
            }
            let name = String(stem[stem.index(after: underscore)...])
            result.append(Migration(version: version, name: name, sql: String(decoding: sql, as: UTF8.self)))
        }
        return result
    }

    /// Applies the pending migrations.
    /// - Returns: the migrations applied by this call (empty when the database was up to date).
    /// - Throws: `PostgresError(.migration)` when an applied migration was edited or is unknown to this build.
    @discardableResult
    public func migrate(on pool: PostgresPool) async throws -> [Migration] {
        try await pool.withConnection { connection in
            // Session-level lock: a second instance starting at the same moment waits here.
            try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))")
            do {
                let applied = try await apply(on: connection)
                try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
                return applied
            } catch {
                _ = try? await connection.query("ROLLBACK")
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
                throw error
            }
        }
    }

    private func apply(on connection: PostgresConnection) async throws -> [Migration] {
        try await connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        var recorded: [Int: (name: String, checksum: String)] = [:]
        for row in try await connection.query("SELECT version, name, checksum FROM schema_migrations") {
            let (version, name, checksum) = try row.decode((Int, String, String).self)
            recorded[version] = (name, checksum)
        }
        var applied: [Migration] = []
        for migration in migrations {
            let checksum = try await Self.checksum(migration.sql, on: connection)
            if let existing = recorded.removeValue(forKey: migration.version) {
                guard existing.checksum == checksum else {
                    throw PostgresError(
                        .migration,
                        "migration \(migration.version)_\(migration.name).sql was edited after it was applied; "
                            + "add a new migration instead of changing an applied one")
                }
                continue
            }
            logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            try await connection.query("BEGIN")
            try await connection.executeScript(migration.sql)
            try await connection.query("""
                INSERT INTO schema_migrations (version, name, checksum)
                VALUES (\(migration.version), \(migration.name), \(checksum))
                """)
            try await connection.query("COMMIT")
            applied.append(migration)
        }
        if let unknown = recorded.keys.min() {
            throw PostgresError(
                .migration,
                "the database has migration \(unknown) (\(recorded[unknown]?.name ?? "")) that this build does not know; "
                    + "run a newer Parley")
        }
        return applied
    }

    /// SHA-256 of the script, computed by the server so that no crypto library is needed here.
    static func checksum(_ sql: String, on connection: PostgresConnection) async throws -> String {
        let result = try await connection.query("SELECT encode(sha256(convert_to(\(sql), 'UTF8')), 'hex')")
        return try result.first?.decode(0, as: String.self) ?? ""
    }
}
