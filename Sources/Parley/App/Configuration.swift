import Foundation
import Logging

/// Every setting of the service, read from the environment and overridden by command-line flags.
public struct Configuration: Sendable {
    /// Address the HTTP server binds (`HOST`); loopback by default.
    public var host = "127.0.0.1"
    /// Port of the HTTP server (`PORT`).
    public var port = 8080
    /// An existing PostgreSQL server (`DATABASE_URL`); when nil an embedded cluster runs under `home`.
    public var databaseURL: String?
    /// Folder for the embedded database and other state (`PARLEY_HOME`).
    public var home = "./.parley"
    /// Log level (`LOG_LEVEL`: trace, debug, info, notice, warning, error, critical).
    public var logLevel: Logger.Level = .info
    /// Largest number of database connections (`DATABASE_POOL_SIZE`).
    public var databasePoolSize = 16
    /// Background workers inside `serve` (`PARLEY_WORKERS`, 0 allowed).
    public var workers = 1
    /// Folder of the embedding models (`PARLEY_MODELS`).
    public var modelsDirectory = FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/parley/models"
    /// Which embedding model to use (`PARLEY_EMBEDDER`: minilm or potion).
    public var embedder = "minilm"
    /// Folder of the SQL migrations (`PARLEY_MIGRATIONS`); found next to the program when nil.
    public var migrationsDirectory: String?
    /// Limits on ingested conversations (`PARLEY_MAX_BATCH`, `PARLEY_MAX_MESSAGES`, `PARLEY_MAX_MESSAGE_BYTES`).
    public var ingestLimits = IngestLimits()
    /// Dashboard settings: sessions, cookies, sign-in limits, password hashing (see `WebConfiguration`).
    public var web = WebConfiguration()
    /// Automatic clustering runs (see `ClusterSettings`).
    public var clusters = ClusterSettings()
    /// The optional OpenAI-compatible endpoint that names clusters (see `LLMSettings`).
    public var llm = LLMSettings()

    public init() {}

    /// Reads the settings from environment variables.
    /// - Throws: `ConfigurationError` naming the variable and what it accepts.
    public init(environment: [String: String]) throws {
        self.init()
        if let value = environment["HOST"], !value.isEmpty { host = value }
        if let value = environment["PORT"] { port = try Self.port(value, setting: "PORT") }
        if let value = environment["DATABASE_URL"], !value.isEmpty { databaseURL = value }
        if let value = environment["PARLEY_HOME"], !value.isEmpty { home = value }
        if let value = environment["LOG_LEVEL"] { logLevel = try Self.logLevel(value, setting: "LOG_LEVEL") }
        if let value = environment["DATABASE_POOL_SIZE"] {
            databasePoolSize = try Self.integer(value, setting: "DATABASE_POOL_SIZE", in: 1...500)
        }
        if let value = environment["PARLEY_WORKERS"] {
            workers = try Self.integer(value, setting: "PARLEY_WORKERS", in: 0...64)
        }
        if let value = environment["PARLEY_MODELS"], !value.isEmpty { modelsDirectory = value }
        if let value = environment["PARLEY_EMBEDDER"] { embedder = try Self.embedder(value, setting: "PARLEY_EMBEDDER") }
        if let value = environment["PARLEY_MIGRATIONS"], !value.isEmpty { migrationsDirectory = value }
        web = try WebConfiguration(environment: environment)
        clusters = try ClusterSettings(environment: environment)
        llm = try LLMSettings(environment: environment)
        if let value = environment["PARLEY_MAX_BATCH"] {
            ingestLimits.maxConversationsPerRequest = try Self.integer(value, setting: "PARLEY_MAX_BATCH", in: 1...100_000)
        }
        if let value = environment["PARLEY_MAX_MESSAGES"] {
            ingestLimits.maxMessages = try Self.integer(value, setting: "PARLEY_MAX_MESSAGES", in: 1...100_000)
        }
        if let value = environment["PARLEY_MAX_MESSAGE_BYTES"] {
            ingestLimits.maxMessageBytes = try Self.integer(value, setting: "PARLEY_MAX_MESSAGE_BYTES",
                                                            in: 1_024...(64 << 20))
        }
    }

    static func port(_ text: String, setting: String) throws -> Int {
        try integer(text, setting: setting, in: 0...65535)
    }

    static func integer(_ text: String, setting: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw ConfigurationError(setting: setting, value: text,
                                     expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    static func logLevel(_ text: String, setting: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError(setting: setting, value: text,
                                     expected: Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return level
    }

    static func embedder(_ text: String, setting: String) throws -> String {
        let value = text.lowercased()
        guard ["minilm", "potion"].contains(value) else {
            throw ConfigurationError(setting: setting, value: text, expected: "minilm or potion")
        }
        return value
    }
}

/// A setting with a value the service cannot use.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    /// The environment variable or flag.
    public var setting: String
    /// The value given.
    public var value: String
    /// What the setting accepts.
    public var expected: String

    public var description: String { "\(setting) must be \(expected) (got \"\(value)\")" }
}
