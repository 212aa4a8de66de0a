/// An error from the database layer.
///
/// The `description` is deliberately generic so that database text never reaches an HTTP response;
/// the SQLSTATE, message and detail are kept in fields for logs.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in broad classes the application can act on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Sendable {
            case connectionFailed, connectionClosed, server, badParameters, decoding, copyFailed
            case poolShutdown, poolTimeout, migration, embedded
        }
        let base: Base
        /// The server could not be reached, or the connection could not be opened.
        public static let connectionFailed = Code(base: .connectionFailed)
        /// An open connection broke (server restart, network drop).
        public static let connectionClosed = Code(base: .connectionClosed)
        /// The server answered with an error (see `sqlState`).
        public static let server = Code(base: .server)
        /// The statement and its parameters do not fit together.
        public static let badParameters = Code(base: .badParameters)
        /// A column could not be decoded into the Swift type asked for.
        public static let decoding = Code(base: .decoding)
        /// A COPY stream failed.
        public static let copyFailed = Code(base: .copyFailed)
        /// The pool was shut down.
        public static let poolShutdown = Code(base: .poolShutdown)
        /// No connection became free in time.
        public static let poolTimeout = Code(base: .poolTimeout)
        /// A migration could not be applied or an applied one was edited.
        public static let migration = Code(base: .migration)
        /// The embedded PostgreSQL cluster could not be set up or started.
        public static let embedded = Code(base: .embedded)
        public var description: String { base.rawValue }
    }

    /// The class of error.
    public var code: Code
    /// The server's or libpq's message; for logs only.
    public var message: String
    /// The five-character SQLSTATE of a server error (`23505` for a unique violation).
    public var sqlState: String?
    /// The server's DETAIL field, if any.
    public var detail: String?
    /// The statement that failed (SQL text only, never parameter values).
    public var query: String?

    public init(_ code: Code, _ message: String, sqlState: String? = nil, detail: String? = nil, query: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.query = query
    }

    /// True when retrying on a fresh connection may succeed (the server or the connection went away).
    public var isConnectionError: Bool {
        if code == .connectionFailed || code == .connectionClosed || code == .poolTimeout { return true }
        // Class 08: connection exception; 57P01..57P03: admin shutdown, crash shutdown, cannot connect now.
        if let s = sqlState, s.hasPrefix("08") || s == "57P01" || s == "57P02" || s == "57P03" { return true }
        return false
    }

    /// True for a unique-constraint violation (SQLSTATE 23505).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// True when the server refused text it cannot store: a NUL character in text (SQLSTATE 22021) or a `\u0000`
    /// in jsonb (22P05). The input's fault, so a client error rather than a 500.
    public var isUnstorableText: Bool { sqlState == "22021" || sqlState == "22P05" }

    public var description: String { "database error (\(code))" }

    /// The full text, for logs only.
    public var logDescription: String {
        var s = "\(code): \(message)"
        if let sqlState { s += " [SQLSTATE \(sqlState)]" }
        if let detail { s += " detail: \(detail)" }
        if let query { s += " query: \(query.prefix(200))" }
        return s
    }
}
