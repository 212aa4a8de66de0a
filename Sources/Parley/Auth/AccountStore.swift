import Foundation
import Postgres

/// Dashboard users and their role in each project.
public struct AccountStore: Sendable {
    /// A user as pages and tools show them (never with the password hash).
    public struct User: Sendable, Equatable {
        public var id: Int
        public var email: String
        public var displayName: String
        /// The display name, or the part of the email before `@` when there is none.
        public var shownName: String {
            displayName.isEmpty ? String(email.prefix { $0 != "@" }) : displayName
        }
    }

    /// A user's role in one project.
    public struct Membership: Sendable, Equatable {
        public var projectID: Int
        public var projectSlug: String
        public var projectName: String
        public var role: Role
    }

    let pool: PostgresPool
    /// Hashes new passwords (verification follows each stored hash's own parameters).
    public let hasher: PasswordHasher

    public init(pool: PostgresPool, hasher: PasswordHasher = PasswordHasher()) {
        self.pool = pool
        self.hasher = hasher
    }

    /// Creates a user.
    /// - Throws: `AccountError` for an invalid email or password or an email already taken (any case).
    @discardableResult
    public func createUser(email: String, password: String, displayName: String = "") async throws -> User {
        let email = try Self.validEmail(email)
        try Self.validate(password: password)
        let name = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard name.unicodeScalars.count <= 200 else { throw AccountError(.invalidName, "the display name is longer than 200 characters") }
        let hash = await hasher.hash(password)
        do {
            let row = try await pool.query("""
                INSERT INTO users (email, display_name, password_hash) VALUES (\(email), \(name), \(hash)) RETURNING id
                """).first
            return User(id: try row?.decode(0, as: Int.self) ?? 0, email: email, displayName: name)
        } catch let error as PostgresError where error.sqlState == "23505" {
            throw AccountError(.emailTaken, "a user with the email \(email) already exists")
        }
    }

    /// Replaces a user's password (and ends their sessions, so a stolen session dies with the old password).
    public func setPassword(userID: Int, password: String) async throws {
        try Self.validate(password: password)
        let hash = await hasher.hash(password)
        try await pool.query("UPDATE users SET password_hash = \(hash) WHERE id = \(userID)")
        try await pool.query("DELETE FROM sessions WHERE user_id = \(userID)")
    }

    /// Gives a user `role` in a project (replacing the role they had there).
    public func grant(userID: Int, projectID: Int, role: Role) async throws {
        try await pool.query("""
            INSERT INTO project_memberships (project_id, user_id, role) VALUES (\(projectID), \(userID), \(role.rawValue))
            ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role
            """)
    }

    /// The user with this email (any case), if any.
    public func user(email: String) async throws -> User? {
        try await credentials(email: email)?.user
    }

    /// The user and stored hash for sign-in; disabled users are absent.
    func credentials(email: String) async throws -> (user: User, passwordHash: String)? {
        let normalised = email.trimmingCharacters(in: .whitespaces)
        guard let row = try await pool.query("""
            SELECT id, email, display_name, password_hash FROM users
            WHERE lower(email) = lower(\(normalised)) AND disabled_at IS NULL
            """).first else { return nil }
        let (id, stored, name, hash) = try row.decode((Int, String, String, String).self)
        return (User(id: id, email: stored, displayName: name), hash)
    }

    /// Every project the user belongs to, by project name.
    public func memberships(userID: Int) async throws -> [Membership] {
        try await pool.query("""
            SELECT m.project_id, p.slug, p.name, m.role FROM project_memberships m JOIN projects p ON p.id = m.project_id
            WHERE m.user_id = \(userID) ORDER BY p.name, p.id
            """).map { row in
            let (id, slug, name, role) = try row.decode((Int, String, String, String).self)
            return Membership(projectID: id, projectSlug: slug, projectName: name, role: Role(rawValue: role) ?? .viewer)
        }
    }

    /// Every user with their memberships, by email; only members of `projectID` when given.
    public func list(projectID: Int? = nil) async throws -> [(user: User, memberships: [Membership])] {
        let rows = try await pool.query("""
            SELECT u.id, u.email, u.display_name FROM users u
            WHERE \(projectID) IS NULL
               OR EXISTS (SELECT 1 FROM project_memberships m WHERE m.user_id = u.id AND m.project_id = \(projectID))
            ORDER BY lower(u.email)
            """)
        var result: [(user: User, memberships: [Membership])] = []
        for row in rows {
            let (id, email, name) = try row.decode((Int, String, String).self)
            result.append((User(id: id, email: email, displayName: name), try await memberships(userID: id)))
        }
        return result
    }

    /// A member of a project as the settings page lists them.
    public struct Member: Sendable, Equatable {
        public var user: User
        public var role: Role
        public var since: Date
        public var lastLogin: Date?
        public var disabled: Bool
    }

    /// The members of a project with their roles, by email.
    public func members(projectID: Int) async throws -> [Member] {
        try await pool.query("""
            SELECT u.id, u.email, u.display_name, m.role, m.created_at, u.last_login_at, u.disabled_at IS NOT NULL
            FROM project_memberships m JOIN users u ON u.id = m.user_id
            WHERE m.project_id = \(projectID) ORDER BY lower(u.email)
            """).map { row in
            let (id, email, name, role, since, lastLogin, disabled) =
                try row.decode((Int, String, String, String, Date, Date?, Bool).self)
            return Member(user: User(id: id, email: email, displayName: name), role: Role(rawValue: role) ?? .viewer,
                          since: since, lastLogin: lastLogin, disabled: disabled)
        }
    }

    /// Changes a member's role, or removes them from the project when `role` is nil; never leaves the project
    /// without an admin.
    ///
    /// The project's admin memberships are locked first, so two admins demoting each other at the same moment
    /// cannot both succeed.
    /// - Returns: false when the user is not a member of the project.
    /// - Throws: `AccountError` (`isLastAdmin`) when the change would remove the project's last admin.
    @discardableResult
    public func changeMembership(userID: Int, projectID: Int, to role: Role?) async throws -> Bool {
        try await pool.withTransaction { connection in
            let admins = try await connection.query("""
                SELECT user_id FROM project_memberships WHERE project_id = \(projectID) AND role = 'admin'
                ORDER BY user_id FOR UPDATE
                """).map { try $0.decode(0, as: Int.self) }
            if admins == [userID], role != .admin {
                throw AccountError(.lastAdmin, "a project needs at least one admin: make someone else admin first")
            }
            let changed: Int
            if let role {
                changed = try await connection.query("""
                    UPDATE project_memberships SET role = \(role.rawValue)
                    WHERE project_id = \(projectID) AND user_id = \(userID)
                    """).affectedRows
            } else {
                changed = try await connection.query("""
                    DELETE FROM project_memberships WHERE project_id = \(projectID) AND user_id = \(userID)
                    """).affectedRows
                // Sessions showing this project move to none (they pick another membership at the next page).
                try await connection.query("""
                    UPDATE sessions SET project_id = NULL WHERE user_id = \(userID) AND project_id = \(projectID)
                    """)
            }
            return changed > 0
        }
    }

    /// The user whose email and password match, else nil.
    ///
    /// An unknown email costs the same hash as a wrong password, so timing does not reveal which accounts
    /// exist. A hash weaker than the current setting is replaced on success.
    public func authenticate(email: String, password: String) async throws -> User? {
        guard let found = try await credentials(email: email) else {
            _ = await hasher.verify(password, against: Self.decoyHash(iterations: hasher.iterations))
            return nil
        }
        guard await hasher.verify(password, against: found.passwordHash) else { return nil }
        if hasher.needsRehash(found.passwordHash) {
            let rehashed = await hasher.hash(password)
            try await pool.query("UPDATE users SET password_hash = \(rehashed) WHERE id = \(found.user.id)")
        }
        try await pool.query("UPDATE users SET last_login_at = now() WHERE id = \(found.user.id)")
        return found.user
    }

    /// A well-formed hash that no password matches (all-zero salt and digest), costing a real verification.
    static func decoyHash(iterations: Int) -> String {
        "$pbkdf2-sha256$i=\(iterations)$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    }

    /// The email trimmed, checked for a plausible shape.
    static func validEmail(_ text: String) throws -> String {
        let email = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !email.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 })
        else { throw AccountError(.invalidEmail, "\"\(text)\" is not an email address") }
        return email
    }

    /// NIST SP 800-63B §5.1.1.2: at least 8 characters; an upper bound keeps hashing cheap to request.
    static func validate(password: String) throws {
        guard password.count >= 8 else { throw AccountError(.invalidPassword, "the password needs at least 8 characters") }
        guard password.utf8.count <= 1024 else { throw AccountError(.invalidPassword, "the password is longer than 1,024 bytes") }
    }
}

/// Why an account could not be created or changed.
public struct AccountError: Error, Sendable, CustomStringConvertible {
    enum Code: Sendable { case invalidEmail, invalidPassword, invalidName, emailTaken, lastAdmin }
    let code: Code
    /// What went wrong, in words for the operator.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Whether the email belongs to another user already.
    public var isEmailTaken: Bool { code == .emailTaken }
    /// Whether the change would leave a project without an admin.
    public var isLastAdmin: Bool { code == .lastAdmin }
    public var description: String { message }
}
