import Foundation
import Postgres

/// Sign-in rate limiting, counted in PostgreSQL so that several instances share one count.
///
/// Failures are recorded per lowercased email and client address. Sign-in is refused (429) while an email
/// and address have `perEmail` failures within `window`, or an address has `perAddress` failures for any
/// emails (one address trying many accounts). The refusal ends when the oldest counted failure leaves the
/// window; a correct password during a refusal does not help, so guessing cannot continue.
public struct LoginThrottle: Sendable {
    let pool: PostgresPool
    public let perEmail: Int
    public let perAddress: Int
    public let window: Duration

    public init(pool: PostgresPool, perEmail: Int = 5, perAddress: Int = 50, window: Duration = .seconds(900)) {
        self.pool = pool
        self.perEmail = perEmail
        self.perAddress = perAddress
        self.window = window
    }

    /// Seconds until sign-in is allowed again for this email and address, or nil when it is allowed now.
    public func retryAfter(email: String, ip: String) async throws -> Int? {
        let key = Self.key(email)
        let seconds = SessionStore.seconds(window)
        guard let row = try await pool.query("""
            WITH recent AS (
                SELECT email, attempted_at FROM login_attempts
                WHERE ip = \(ip) AND attempted_at > now() - make_interval(secs => \(seconds))
            ),
            by_email AS (
                SELECT attempted_at FROM recent WHERE email = \(key) ORDER BY attempted_at DESC LIMIT \(perEmail)
            ),
            by_address AS (SELECT attempted_at FROM recent ORDER BY attempted_at DESC LIMIT \(perAddress))
            SELECT (SELECT count(*) FROM by_email), (SELECT extract(epoch FROM min(attempted_at))::float8 FROM by_email),
                   (SELECT count(*) FROM by_address),
                   (SELECT extract(epoch FROM min(attempted_at))::float8 FROM by_address),
                   extract(epoch FROM now())::float8
            """).first else { return nil }
        let (emailCount, emailOldest, addressCount, addressOldest, now) =
            try row.decode((Int, Double?, Int, Double?, Double).self)
        var waits: [Double] = []
        // The most recent `limit` failures are in the window: wait until the oldest of them leaves it.
        if emailCount >= perEmail, let oldest = emailOldest { waits.append(oldest + seconds - now) }
        if addressCount >= perAddress, let oldest = addressOldest { waits.append(oldest + seconds - now) }
        guard let wait = waits.max() else { return nil }
        return max(1, Int(wait.rounded(.up)))
    }

    /// Records a failed sign-in (and now and then forgets failures older than a day).
    public func recordFailure(email: String, ip: String) async throws {
        try await pool.query("INSERT INTO login_attempts (email, ip) VALUES (\(Self.key(email)), \(ip))")
        if Int.random(in: 0..<100) == 0 {
            try await pool.query("DELETE FROM login_attempts WHERE attempted_at < now() - interval '1 day'")
        }
    }

    /// Forgets the failures of this email and address after a successful sign-in.
    public func recordSuccess(email: String, ip: String) async throws {
        try await pool.query("DELETE FROM login_attempts WHERE email = \(Self.key(email)) AND ip = \(ip)")
    }

    static func key(_ email: String) -> String {
        String(email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().prefix(254))
    }
}
