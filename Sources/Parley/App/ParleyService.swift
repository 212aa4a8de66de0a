import Foundation
import Logging
import Postgres

/// The running service: database, migrations, and (from the HTTP issue on) the web server and workers.
public struct ParleyService: Sendable {
    public let configuration: Configuration
    public let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Opens the database, migrates it, serves until SIGTERM/SIGINT, then shuts down cleanly.
    public func run() async throws {
        let database = try await Database.open(configuration: configuration, logger: logger)
        do {
            try await database.migrate(directory: configuration.migrationsDirectory)
        } catch {
            await database.close()
            throw error
        }
        let where_ = configuration.databaseURL == nil ? "embedded PostgreSQL in \(configuration.home)" : "DATABASE_URL"
        logger.notice("Parley is ready", metadata: ["database": "\(where_)"])
        let signal = await TerminationSignal.wait()
        logger.notice("shutting down", metadata: ["signal": "\(signal)"])
        await database.close()
    }
}
