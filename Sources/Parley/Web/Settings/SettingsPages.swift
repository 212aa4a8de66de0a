import Foundation
import HTTPServer
import Postgres

/// The Settings pages (admins only), one tab each:
/// - `/settings`: the project (name; counts; the service's settings, which come from its environment);
/// - `/settings/rules`: flag rules, with an editor and a dry-run over recent conversations (`SettingsRulePages`);
/// - `/settings/users`: members and roles (`SettingsUserPages`);
/// - `/settings/keys`: API keys (`SettingsKeyPages`).
enum SettingsPages {
    static func register(on router: inout Router, dashboard: Dashboard) {
        router.page(get: "/settings", minimum: .admin, in: dashboard) { page in
            let project = try await ProjectSettings(pool: page.pool).summary(projectID: page.projectID)
            var values = tabs("project")
            values["projectName"] = project.name
            values["slug"] = project.slug
            values["created"] = Format.day(project.createdAt)
            values["createdISO"] = Format.iso(project.createdAt)
            values["counts"] = [
                ["label": "Conversations", "value": Format.number(project.conversations), "path": "/conversations"],
                ["label": "Members", "value": Format.number(project.members), "path": "/settings/users"],
                ["label": "Active API keys", "value": Format.number(project.keys), "path": "/settings/keys"],
                ["label": "Flag rules", "value": Format.number(project.rules), "path": "/settings/rules"],
            ]
            values["service"] = serviceSettings(page.context.configuration)
            return try page.render("settings", values)
        }

        router.page(post: "/settings/project", minimum: .admin, in: dashboard) { page in
            let name = (page.form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...200).contains(name.unicodeScalars.count) else {
                return try await page.redirect(to: "/settings", flash: .init("error", "The project name must be 1 to 200 characters."))
            }
            let changed = try await ProjectSettings(pool: page.pool).rename(projectID: page.projectID, to: name,
                                                                            actor: "user:\(page.user.id)")
            return try await page.redirect(to: "/settings", flash: changed
                ? .init("success", "The project is now called “\(name)”.") : .init("info", "The name was already “\(name)”."))
        }

        SettingsRulePages.register(on: &router, dashboard: dashboard)
        SettingsUserPages.register(on: &router, dashboard: dashboard)
        SettingsKeyPages.register(on: &router, dashboard: dashboard)
    }

    /// The tab bar of every settings page, with `current` marked.
    static func tabs(_ current: String) -> [String: Any] {
        let tabs: [[String: Any]] = [("project", "Project", "/settings"), ("rules", "Flag rules", "/settings/rules"),
                                     ("users", "Users", "/settings/users"), ("keys", "API keys", "/settings/keys")]
            .map { id, title, path in ["id": id, "title": title, "path": path, "active": id == current] as [String: Any] }
        return ["tabs": tabs]
    }

    /// The service's own settings (from its environment), read-only here.
    static func serviceSettings(_ configuration: Configuration) -> [[String: String]] {
        let clusters = configuration.clusters
        let limits = configuration.ingestLimits
        let web = configuration.web
        return [
            ["name": "Embedding model", "value": configuration.embedder, "variable": "PARLEY_EMBEDDER"],
            ["name": "Automatic clustering",
             "value": clusters.automatic
                ? "on · first run at \(Format.number(clusters.minimumConversations)) embedded conversations, "
                    + "then every \(clusters.intervalHours) h or when \(Int(clusters.newShare * 100))% are new"
                : "off: runs start from the Clusters page",
             "variable": "PARLEY_CLUSTER_AUTO"],
            ["name": "Smallest cluster shown to viewers", "value": "\(Format.number(web.viewerMinimumClusterSize)) conversations",
             "variable": "PARLEY_VIEWER_MIN_CLUSTER_SIZE"],
            ["name": "Ingest limits",
             "value": "\(Format.number(limits.maxConversationsPerRequest)) conversations per request · "
                + "\(Format.number(limits.maxMessages)) messages · \(ImportView.bytes(limits.maxMessageBytes)) per message",
             "variable": "PARLEY_MAX_BATCH, PARLEY_MAX_MESSAGES, PARLEY_MAX_MESSAGE_BYTES"],
            ["name": "Sessions",
             "value": "sign out after \(Int(SessionStore.seconds(web.sessionIdleTimeout) / 3600)) h idle, "
                + "\(Int(SessionStore.seconds(web.sessionLifetime) / 86_400)) days at most",
             "variable": "PARLEY_SESSION_IDLE_MINUTES, PARLEY_SESSION_MAX_HOURS"],
            ["name": "Background workers", "value": "\(configuration.workers) in this instance", "variable": "PARLEY_WORKERS"],
        ]
    }
}

/// The project row and a few counts, and renaming.
struct ProjectSettings {
    let pool: PostgresPool

    struct Summary {
        var name: String
        var slug: String
        var createdAt: Date
        var conversations: Int
        var members: Int
        var keys: Int
        var rules: Int
    }

    func summary(projectID: Int) async throws -> Summary {
        guard let row = try await pool.query("""
            SELECT p.name, p.slug, p.created_at,
                   (SELECT coalesce(sum(s.conversations), 0)::int8 FROM conversation_daily_stats s
                    WHERE s.project_id = p.id),
                   (SELECT count(*) FROM project_memberships m WHERE m.project_id = p.id),
                   (SELECT count(*) FROM api_keys k WHERE k.project_id = p.id AND k.revoked_at IS NULL),
                   (SELECT count(*) FROM flag_rules r WHERE r.project_id = p.id)
            FROM projects p WHERE p.id = \(projectID)
            """).first else { throw WebError.notFound("project") }
        let (name, slug, created, conversations, members, keys, rules) =
            try row.decode((String, String, Date, Int, Int, Int, Int).self)
        return Summary(name: name, slug: slug, createdAt: created, conversations: conversations, members: members,
                       keys: keys, rules: rules)
    }

    /// Renames the project (recorded in the audit log); false when the name was the same.
    func rename(projectID: Int, to name: String, actor: String) async throws -> Bool {
        try await pool.withTransaction { connection in
            guard let before = try await connection.query("""
                SELECT name FROM projects WHERE id = \(projectID) FOR UPDATE
                """).first?.decode(0, as: String.self), before != name else { return false }
            try await connection.query("UPDATE projects SET name = \(name) WHERE id = \(projectID)")
            try await connection.query("""
                INSERT INTO audit_log (project_id, actor, action, entity, entity_id, before, after)
                VALUES (\(projectID), \(actor), 'project.rename', 'project', \(projectID),
                        jsonb_build_object('name', \(before)::text), jsonb_build_object('name', \(name)::text))
                """)
            return true
        }
    }
}
