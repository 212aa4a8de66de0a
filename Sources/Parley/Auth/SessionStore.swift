import Foundation
import Postgres

/// Server-side dashboard sessions in PostgreSQL, so every instance can serve every session.
///
/// The browser holds a random 256-bit token; the table holds only its SHA-256. A session ends at logout,
/// after `idleTimeout` without a request, or `lifetime` after sign-in. Each session has its own CSRF token.
public struct SessionStore: Sendable {
    /// A message shown once on the next page.
    public struct Flash: Sendable, Equatable, Codable {
        /// `success`, `info` or `error` (chooses the colour).
        public var kind: String
        public var message: String

        public init(_ kind: String = "success", _ message: String) {
            self.kind = kind
            self.message = message
        }
    }

    /// A live session with its user and their projects.
    public struct Session: Sendable {
        public var id: Int
        public var user: AccountStore.User
        public var csrfToken: String
        /// The project the pages show, if the user still belongs to it.
        public var projectID: Int?
        /// Every project of the user.
        public var memberships: [AccountStore.Membership]
        /// The flash message left by the previous request, already cleared in the database.
        public var flash: Flash?

        /// The membership of the current project (the first project when none is chosen).
        public var membership: AccountStore.Membership? {
            memberships.first { $0.projectID == projectID } ?? (projectID == nil ? memberships.first : nil)
        }
    }

    let pool: PostgresPool
    public let idleTimeout: Duration
    public let lifetime: Duration
    /// `last_seen_at` is written at most this often per session, not on every request.
    let touchInterval: Duration

    public init(pool: PostgresPool, idleTimeout: Duration = .seconds(8 * 3600), lifetime: Duration = .seconds(7 * 86400),
                touchInterval: Duration = .seconds(60)) {
        self.pool = pool
        self.idleTimeout = idleTimeout
        self.lifetime = lifetime
        self.touchInterval = touchInterval
    }

    /// Starts a session for a user who just signed in and returns the token for the cookie.
    ///
    /// Always a new token (the session id changes at sign-in, so a token planted before it is worthless);
    /// `replacing` is the token the browser sent, deleted here.
    public func create(userID: Int, projectID: Int?, ip: String?, userAgent: String?, replacing: String? = nil)
        async throws -> String
    {
        if let replacing { try await delete(token: replacing) }
        let token = Self.randomToken()
        try await pool.query("""
            INSERT INTO sessions (token_hash, user_id, project_id, csrf_token, expires_at, ip, user_agent)
            VALUES (\(Self.digest(token)), \(userID), \(projectID), \(Self.randomToken()),
                    now() + make_interval(secs => \(Self.seconds(lifetime))), \(ip), \(userAgent.map { String($0.prefix(300)) }))
            """)
        return token
    }

    /// The live session for a cookie token, else nil. Reading it clears its flash and refreshes its idle clock.
    public func session(token: String) async throws -> Session? {
        guard Self.isWellFormed(token) else { return nil }
        guard let row = try await pool.query("""
            SELECT s.id, u.id, u.email, u.display_name, s.csrf_token, s.project_id, s.flash::text,
                   extract(epoch FROM now() - s.last_seen_at)::float8,
                   (SELECT coalesce(json_agg(json_build_array(m.project_id, p.slug, p.name, m.role) ORDER BY p.name, p.id),
                                    '[]')::text
                    FROM project_memberships m JOIN projects p ON p.id = m.project_id WHERE m.user_id = u.id)
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = \(Self.digest(token)) AND s.expires_at > now() AND u.disabled_at IS NULL
              AND s.last_seen_at > now() - make_interval(secs => \(Self.seconds(idleTimeout)))
            """).first else { return nil }
        let (id, userID, email, name, csrf, projectID, flashText, idle, membershipText) =
            try row.decode((Int, Int, String, String, String, Int?, String?, Double, String).self)
        if flashText != nil || idle >= Self.seconds(touchInterval) {
            try await pool.query("UPDATE sessions SET last_seen_at = now(), flash = NULL WHERE id = \(id)")
        }
        let flash = flashText.flatMap { try? JSONDecoder().decode(Flash.self, from: Data($0.utf8)) }
        return Session(id: id, user: AccountStore.User(id: userID, email: email, displayName: name), csrfToken: csrf,
                       projectID: projectID, memberships: Self.memberships(membershipText), flash: flash)
    }

    /// Ends the session of this token (logout).
    public func delete(token: String) async throws {
        guard Self.isWellFormed(token) else { return }
        try await pool.query("DELETE FROM sessions WHERE token_hash = \(Self.digest(token))")
    }

    /// Leaves a message for the session's next page.
    public func setFlash(sessionID: Int, _ flash: Flash) async throws {
        let json = try PostgresJSONB(encoding: flash)
        try await pool.query("UPDATE sessions SET flash = \(json) WHERE id = \(sessionID)")
    }

    /// Chooses the project the session's pages show (the caller checks membership).
    public func selectProject(sessionID: Int, projectID: Int) async throws {
        try await pool.query("UPDATE sessions SET project_id = \(projectID) WHERE id = \(sessionID)")
    }

    /// Deletes sessions past their end or idle limit; returns how many.
    @discardableResult
    public func purgeExpired() async throws -> Int {
        try await pool.query("""
            DELETE FROM sessions
            WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => \(Self.seconds(idleTimeout)))
            """).affectedRows
    }

    static func memberships(_ json: String) -> [AccountStore.Membership] {
        guard let rows = (try? JSONParser.parse(json))?.arrayValue else { return [] }
        return rows.compactMap { row in
            guard let fields = row.arrayValue, fields.count == 4, let id = fields[0].intValue,
                  let slug = fields[1].stringValue, let name = fields[2].stringValue,
                  let role = fields[3].stringValue.flatMap(Role.init(rawValue:)) else { return nil }
            return AccountStore.Membership(projectID: id, projectSlug: slug, projectName: name, role: role)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// 32 bytes from the system's secure generator, base64url without padding (43 characters).
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Only tokens this code could have made reach the database.
    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43 && token.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    static func digest(_ token: String) -> Data {
        var hasher = SHA256()
        hasher.update(Array(token.utf8))
        return Data(hasher.finalize())
    }
}
