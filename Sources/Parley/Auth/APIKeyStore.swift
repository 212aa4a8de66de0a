import Foundation
import Postgres
import Synchronization

/// API keys: `prl_<prefix>_<secret>`, shown once, stored as a SHA-256 digest, scoped to one project.
public final class APIKeyStore: Sendable {
    /// What a valid key grants.
    public struct Principal: Sendable, Equatable {
        public var keyID: Int
        public var projectID: Int
        public var scopes: Set<String>
    }

    /// A new key: `key` is shown to the user once and never again.
    public struct Created: Sendable {
        public var id: Int
        public var key: String
        public var prefix: String
    }

    private let pool: PostgresPool
    /// Recently verified keys (by digest) and when they were checked, so a busy client costs no query.
    private let cache = Mutex<[String: (principal: Principal, checked: ContinuousClock.Instant)]>([:])
    /// How long a verified key is trusted without asking the database (a revocation takes this long at most).
    let cacheLifetime: Duration

    public init(pool: PostgresPool, cacheLifetime: Duration = .seconds(10)) {
        self.pool = pool
        self.cacheLifetime = cacheLifetime
    }

    /// Creates a key for a project.
    /// Every scope a key can hold: `ingest` (send conversations), `read` (read conversations and insights),
    /// `write` (curate: rename, merge and split clusters, start runs, and later intents and triage).
    public static let scopes = ["ingest", "read", "write"]

    public func create(projectID: Int, name: String = "", scopes: [String] = ["ingest", "read"]) async throws -> Created {
        let prefix = "prl_" + Self.randomToken(8)
        let key = prefix + "_" + Self.randomToken(32)
        let row = try await pool.query("""
            INSERT INTO api_keys (project_id, name, prefix, secret_hash, scopes)
            VALUES (\(projectID), \(name), \(prefix), \(Self.digest(key)), \(scopes)) RETURNING id
            """).first
        return Created(id: try row?.decode(0, as: Int.self) ?? 0, key: key, prefix: prefix)
    }

    /// The principal of a valid, unrevoked key, else nil.
    public func authenticate(_ key: String) async throws -> Principal? {
        let parts = key.split(separator: "_")
        guard parts.count == 3, parts[0] == "prl", key.utf8.count < 100 else { return nil }
        let digest = Self.digest(key)
        let cacheKey = digest.hexString
        let now = ContinuousClock.now
        if let hit = cache.withLock({ $0[cacheKey] }), now - hit.checked < cacheLifetime {
            return hit.principal
        }
        let prefix = parts[0] + "_" + parts[1]
        let row = try await pool.query("""
            UPDATE api_keys SET last_used_at = now()
            WHERE prefix = \(prefix) AND secret_hash = \(digest) AND revoked_at IS NULL
            RETURNING id, project_id, scopes
            """).first
        guard let row else {
            cache.withLock { _ = $0.removeValue(forKey: cacheKey) }
            return nil
        }
        let (id, project, scopes) = try row.decode((Int, Int, [String]).self)
        let principal = Principal(keyID: id, projectID: project, scopes: Set(scopes))
        cache.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[cacheKey] = (principal, now)
        }
        return principal
    }

    /// Revokes a key of a project; true when it existed.
    public func revoke(id: Int, projectID: Int) async throws -> Bool {
        let result = try await pool.query("""
            UPDATE api_keys SET revoked_at = now() WHERE id = \(id) AND project_id = \(projectID) AND revoked_at IS NULL
            """)
        cache.withLock { $0.removeAll() }
        return result.affectedRows > 0
    }

    /// A key as the settings page lists it (never its secret).
    public struct Listed: Sendable, Equatable {
        public var id: Int
        public var name: String
        /// The visible start of the key (`prl_ab12cd34`).
        public var prefix: String
        public var scopes: [String]
        public var createdAt: Date
        /// When the key last authenticated a request; refreshed at most once per `cacheLifetime` per instance.
        public var lastUsedAt: Date?
        public var revokedAt: Date?
    }

    /// The keys of a project, active ones first, newest first.
    public func list(projectID: Int, includeRevoked: Bool = true) async throws -> [Listed] {
        try await pool.query("""
            SELECT id, name, prefix, scopes, created_at, last_used_at, revoked_at FROM api_keys
            WHERE project_id = \(projectID) AND (\(includeRevoked) OR revoked_at IS NULL)
            ORDER BY revoked_at IS NOT NULL, id DESC
            """).map { row in
            let (id, name, prefix, scopes, created, lastUsed, revoked) =
                try row.decode((Int, String, String, [String], Date, Date?, Date?).self)
            return Listed(id: id, name: name, prefix: prefix, scopes: scopes, createdAt: created, lastUsedAt: lastUsed,
                          revokedAt: revoked)
        }
    }

    static func digest(_ key: String) -> Data {
        var hasher = SHA256()
        hasher.update(Array(key.utf8))
        return Data(hasher.finalize())
    }

    /// Lowercase letters and digits from the system's secure generator.
    static func randomToken(_ length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
