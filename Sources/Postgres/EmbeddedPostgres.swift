import Foundation
import Logging

/// A private PostgreSQL cluster run from the system's binaries, listening on a Unix socket only.
///
/// The first start creates the cluster (`initdb`) under `directory/data`; later starts reuse it. When the
/// process runs as root, PostgreSQL (which refuses to run as root) runs as an unprivileged user, `postgres`
/// by default. Authentication is `trust` on a socket whose directory only the cluster's owner can enter.
public final class EmbeddedPostgres: Sendable {
    /// Settings of the private cluster.
    public struct Configuration: Sendable {
        /// Folder that holds `data/`, the socket folder and `postgres.log`.
        public var directory: String
        /// False turns fsync and synchronous commit off: fast, for tests only.
        public var durable: Bool
        /// The cluster's superuser name.
        public var superuser: String
        /// The unprivileged user to run as when the process is root.
        public var rootRunsAs: String
        /// Extra `postgresql.conf` settings.
        public var settings: [String: String]

        public init(directory: String, durable: Bool = true, superuser: String = "parley",
                    rootRunsAs: String = "postgres", settings: [String: String] = [:]) {
            self.directory = directory
            self.durable = durable
            self.superuser = superuser
            self.rootRunsAs = rootRunsAs
            self.settings = settings
        }
    }

    public let configuration: Configuration
    let binaries: String
    let logger: Logger
    /// The folder of the cluster's files.
    public var dataDirectory: String { configuration.directory + "/data" }
    /// The folder holding the Unix socket.
    public let socketDirectory: String
    var logFile: String { configuration.directory + "/postgres.log" }

    /// Finds the PostgreSQL binaries; nothing is started yet.
    /// - Throws: `PostgresError(.embedded)` naming the Debian package when the binaries are missing.
    public init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.binaries = try Self.findBinaries()
        // A Unix socket path must fit in 107 bytes; long folders get a short socket folder under /tmp.
        let preferred = configuration.directory + "/run"
        if preferred.utf8.count + 20 < 100 {
            socketDirectory = preferred
        } else {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in configuration.directory.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            socketDirectory = "/tmp/parley-pg-\(String(hash, radix: 36))"
        }
    }

    /// A libpq connection string for a database of this cluster.
    public func conninfo(database: String = "postgres") -> String {
        "host=\(socketDirectory) port=5432 user=\(configuration.superuser) dbname=\(database)"
    }

    /// Creates the cluster if needed and starts it unless it is already running.
    /// - Returns: true when this call started the server (and so should stop it).
    @discardableResult
    public func start() async throws -> Bool {
        try await Self.offThread { try self.startBlocking() }
    }

    /// Stops the server (fast shutdown: sessions are ended, then a clean checkpoint).
    public func stop() async throws {
        try await Self.offThread { try self.stopBlocking() }
    }

    /// Stops the server, blocking the calling thread (for exit handlers).
    public func stopBlocking() throws {
        _ = try run(binaries + "/pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"])
    }

    private func startBlocking() throws -> Bool {
        let fm = FileManager.default
        try makeOwnedDirectory(configuration.directory)
        try makeOwnedDirectory(socketDirectory)
        if !fm.fileExists(atPath: dataDirectory + "/PG_VERSION") {
            logger.info("creating the embedded PostgreSQL cluster", metadata: ["directory": "\(dataDirectory)"])
            let output = try run(binaries + "/initdb", [
                "-D", dataDirectory, "-U", configuration.superuser, "--auth=trust",
                "--encoding=UTF8", "--locale=C", "--no-instructions",
            ])
            guard output.status == 0 else {
                throw PostgresError(.embedded, "initdb failed: \(output.text.suffix(800))")
            }
            try writeSettings()
        }
        if try run(binaries + "/pg_ctl", ["-D", dataDirectory, "status"]).status == 0 {
            logger.info("embedded PostgreSQL is already running", metadata: ["socket": "\(socketDirectory)"])
            return false
        }
        let output = try run(binaries + "/pg_ctl", ["-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "start"])
        guard output.status == 0 else {
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)).map { String($0.suffix(800)) } ?? ""
            throw PostgresError(.embedded, "PostgreSQL did not start: \(output.text.suffix(400)) \(log)")
        }
        logger.info("embedded PostgreSQL started", metadata: ["socket": "\(socketDirectory)"])
        return true
    }

    private func writeSettings() throws {
        var settings: [String: String] = [
            "listen_addresses": "''",
            "unix_socket_directories": "'\(socketDirectory)'",
            "unix_socket_permissions": "0700",
            "max_connections": "200",
            "shared_buffers": "128MB",
        ]
        if !configuration.durable {
            settings["fsync"] = "off"
            settings["synchronous_commit"] = "off"
            settings["full_page_writes"] = "off"
        }
        settings.merge(configuration.settings) { _, new in new }
        let text = "\n# Written by Parley\n" + settings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)\n" }.joined()
        let path = dataDirectory + "/postgresql.conf"
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw PostgresError(.embedded, "cannot write \(path)")
        }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    private static func offThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}
