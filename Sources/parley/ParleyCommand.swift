import ArgumentParser
import Foundation
import Logging
import Parley
import Postgres

@main
struct ParleyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley",
        abstract: "Conversation insights for LLM applications.",
        subcommands: [Serve.self, Worker.self, Migrate.self, APIKeyCommand.self, UserCommand.self, Import.self, Demo.self, Models.self, ClusterCommand.self, Eval.self, Train.self, Purge.self],
        defaultSubcommand: Serve.self
    )
}

/// Flags shared by every subcommand; each overrides the environment variable named in its help.
struct CommonOptions: ParsableArguments {
    @Option(help: "PostgreSQL URL (DATABASE_URL). Without it, an embedded PostgreSQL runs under --home.")
    var databaseURL: String?

    @Option(help: "Folder for the embedded database and state (PARLEY_HOME, default ./.parley).")
    var home: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (LOG_LEVEL).")
    var logLevel: String?

    /// The environment's configuration with these flags applied, and logging set up.
    func resolve() throws -> (Configuration, Logger) {
        var configuration = try Configuration(environment: ProcessInfo.processInfo.environment)
        if let databaseURL { configuration.databaseURL = databaseURL }
        if let home { configuration.home = home }
        if let logLevel {
            guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
                throw ValidationError("--log-level must be one of "
                    + Logger.Level.allCases.map(\.rawValue).joined(separator: ", ") + " (got \"\(logLevel)\")")
            }
            configuration.logLevel = level
        }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return (configuration, Logger(label: "parley"))
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Migrate the database and run the service.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Address to listen on (HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (PORT, default 8080).")
    var port: Int?

    func run() async throws {
        var (configuration, logger) = try common.resolve()
        if let host { configuration.host = host }
        if let port {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535 (got \(port))") }
            configuration.port = port
        }
        try await operatorFacing { try await ParleyService(configuration: configuration, logger: logger).run() }
    }
}

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run background workers only (no HTTP server).")

    @OptionGroup var common: CommonOptions

    @Option(help: "Number of workers (PARLEY_WORKERS, default 1).")
    var count: Int?

    func run() async throws {
        let (configuration, logger) = try common.resolve()
        try await operatorFacing {
            try await ParleyService(configuration: configuration, logger: logger)
                .runWorkers(count: count ?? max(1, configuration.workers))
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (configuration, logger) = try common.resolve()
        try await operatorFacing {
            let database = try await Database.open(configuration: configuration, logger: logger)
            do {
                let applied = try await database.migrate(directory: configuration.migrationsDirectory)
                print(applied.isEmpty ? "Database is up to date." : "Applied \(applied.count) migration(s): "
                      + applied.map { "\($0.version)_\($0.name)" }.joined(separator: ", "))
            } catch {
                await database.close()
                throw error
            }
            await database.close()
        }
    }
}

/// Shows the operator the full text of database errors (their `description` is kept generic for HTTP).
struct OperatorError: Error, CustomStringConvertible {
    var description: String
}

func operatorFacing<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as PostgresError {
        throw OperatorError(description: error.logDescription)
    }
}
