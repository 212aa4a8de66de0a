/// Settings of the dashboard: sessions, cookies, sign-in limits and password hashing.
public struct WebConfiguration: Sendable {
    /// A session ends after this long without a request (`PARLEY_SESSION_IDLE_MINUTES`, default 8 hours).
    public var sessionIdleTimeout: Duration = .seconds(8 * 3600)
    /// A session ends this long after sign-in whatever happens (`PARLEY_SESSION_MAX_HOURS`, default 7 days).
    public var sessionLifetime: Duration = .seconds(7 * 24 * 3600)
    /// Always mark cookies `Secure` (`PARLEY_SECURE_COOKIES=1`); otherwise only requests that came over HTTPS
    /// (`X-Forwarded-Proto: https` from the proxy in front) get `Secure` cookies.
    public var secureCookies = false
    /// Take the client address from `X-Forwarded-For` (`PARLEY_TRUST_PROXY=1`): only behind a proxy that sets
    /// it, or anyone could pick the address the sign-in rate limit counts.
    public var trustProxy = false
    /// Failed sign-ins allowed per email and address within `loginWindow` (then 429 until the oldest expires).
    public var loginAttemptsPerEmail = 5
    /// Failed sign-ins allowed per address within `loginWindow`, whatever the email.
    public var loginAttemptsPerAddress = 50
    /// The rate-limit window.
    public var loginWindow: Duration = .seconds(15 * 60)
    /// PBKDF2 iterations of new password hashes (`PARLEY_PASSWORD_ITERATIONS`, default and OWASP: 600,000;
    /// lower values only make tests faster).
    public var passwordIterations = PasswordHasher.defaultIterations
    /// Viewers see clusters of at least this many conversations (`PARLEY_VIEWER_MIN_CLUSTER_SIZE`, default 10).
    public var viewerMinimumClusterSize = 10
    /// Folder of the Mustache templates (`PARLEY_TEMPLATES`); found next to the program when nil.
    public var templatesDirectory: String?
    /// Folder of the static assets (`PARLEY_PUBLIC`); found next to the program when nil.
    public var publicDirectory: String?

    public init() {}

    /// Reads the settings from environment variables.
    /// - Throws: `ConfigurationError` naming the variable and what it accepts.
    public init(environment: [String: String]) throws {
        self.init()
        if let value = environment["PARLEY_SESSION_IDLE_MINUTES"] {
            let minutes = try Configuration.integer(value, setting: "PARLEY_SESSION_IDLE_MINUTES", in: 1...100_000)
            sessionIdleTimeout = .seconds(minutes * 60)
        }
        if let value = environment["PARLEY_SESSION_MAX_HOURS"] {
            let hours = try Configuration.integer(value, setting: "PARLEY_SESSION_MAX_HOURS", in: 1...100_000)
            sessionLifetime = .seconds(hours * 3600)
        }
        if let value = environment["PARLEY_SECURE_COOKIES"] {
            secureCookies = try Self.flag(value, setting: "PARLEY_SECURE_COOKIES")
        }
        if let value = environment["PARLEY_TRUST_PROXY"] { trustProxy = try Self.flag(value, setting: "PARLEY_TRUST_PROXY") }
        if let value = environment["PARLEY_PASSWORD_ITERATIONS"] {
            passwordIterations = try Configuration.integer(
                value, setting: "PARLEY_PASSWORD_ITERATIONS", in: PasswordHasher.minimumIterations...100_000_000)
        }
        if let value = environment["PARLEY_VIEWER_MIN_CLUSTER_SIZE"] {
            viewerMinimumClusterSize = try Configuration.integer(value, setting: "PARLEY_VIEWER_MIN_CLUSTER_SIZE",
                                                                 in: 1...1_000_000)
        }
        if let value = environment["PARLEY_TEMPLATES"], !value.isEmpty { templatesDirectory = value }
        if let value = environment["PARLEY_PUBLIC"], !value.isEmpty { publicDirectory = value }
    }

    static func flag(_ text: String, setting: String) throws -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off", "": return false
        default: throw ConfigurationError(setting: setting, value: text, expected: "1 or 0 (true or false)")
        }
    }
}
