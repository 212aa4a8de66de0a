import Postgres

/// Projects: the unit that owns conversations, keys and everything derived from them.
public struct ProjectStore: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// The project with this slug, created with `name` when missing.
    public func ensure(slug: String, name: String? = nil) async throws -> Int {
        let row = try await pool.query("""
            WITH inserted AS (
                INSERT INTO projects (slug, name) VALUES (\(slug), \(name ?? slug))
                ON CONFLICT (slug) DO NOTHING RETURNING id
            )
            SELECT id FROM inserted UNION ALL SELECT id FROM projects WHERE slug = \(slug) LIMIT 1
            """).first
        guard let id = try row?.decode(0, as: Int.self) else {
            throw Problem(.internalServerError, detail: "project could not be created")
        }
        return id
    }

    /// The id of the project with this slug, if any.
    public func id(slug: String) async throws -> Int? {
        try await pool.query("SELECT id FROM projects WHERE slug = \(slug)").first?.decode(0, as: Int.self)
    }
}
