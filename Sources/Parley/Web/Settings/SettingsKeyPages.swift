import Foundation
import HTTPServer

/// `/settings/keys`: the project's API keys.
///
/// - `POST /settings/keys`: creates a key with a name and scopes and shows it once, in the answer itself (no
///   redirect, `Cache-Control: no-store`: the key is never stored, not even in a flash message);
/// - `POST /settings/keys/{id}/revoke`: revokes a key at once on this instance (others trust a verified key for
///   at most `APIKeyStore.cacheLifetime`).
enum SettingsKeyPages {
    static func register(on router: inout Router, dashboard: Dashboard) {
        router.page(get: "/settings/keys", minimum: .admin, in: dashboard) { page in
            try await render(page)
        }

        router.page(post: "/settings/keys", minimum: .admin, in: dashboard) { page in
            let name = (page.form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let scopes = APIKeyStore.scopes.filter { page.form.values(for: "scope").contains($0) }
            guard (1...100).contains(name.unicodeScalars.count) else {
                return try await render(page, error: "Name the key (1 to 100 characters), e.g. after the service that uses it.",
                                        name: name, scopes: scopes)
            }
            guard !scopes.isEmpty else {
                return try await render(page, error: "Choose at least one scope.", name: name, scopes: scopes)
            }
            let created = try await page.context.apiKeys.create(projectID: page.projectID, name: name, scopes: scopes)
            try await page.pool.query("""
                INSERT INTO audit_log (project_id, actor, action, entity, entity_id, before, after)
                VALUES (\(page.projectID), \("user:\(page.user.id)"), 'api_key.create', 'api_key', \(created.id), NULL,
                        jsonb_build_object('name', \(name)::text, 'prefix', \(created.prefix)::text,
                                           'scopes', \(scopes)::text[]))
                """)
            var response = try await render(page, created: (created, name, scopes))
            response.headers.replaceOrAdd(name: "Cache-Control", value: "no-store")
            return response
        }

        router.page(post: "/settings/keys/:id/revoke", minimum: .admin, in: dashboard) { page in
            guard let id = Int(page.request.parameters["id"] ?? ""), id > 0 else { throw WebError.notFound("API key") }
            // The service's own store, so that its cache of verified keys forgets this one at once.
            let revoked = try await page.context.apiKeys.revoke(id: id, projectID: page.projectID)
            if revoked {
                try await page.pool.query("""
                    INSERT INTO audit_log (project_id, actor, action, entity, entity_id, before, after)
                    VALUES (\(page.projectID), \("user:\(page.user.id)"), 'api_key.revoke', 'api_key', \(id), NULL, NULL)
                    """)
            }
            return try await page.redirect(to: "/settings/keys", flash: revoked
                ? .init("success", "Key revoked: requests with it are refused from now on.")
                : .init("error", "That key does not exist in this project or was already revoked."))
        }
    }

    /// The keys page, with a just-created key or a form error.
    static func render(_ page: Page, created: (key: APIKeyStore.Created, name: String, scopes: [String])? = nil,
                       error: String? = nil, name: String = "", scopes: [String] = ["ingest"]) async throws -> Response {
        let keys = try await page.context.apiKeys.list(projectID: page.projectID)
        let now = Date()
        var values = SettingsPages.tabs("keys")
        let active = keys.filter { $0.revokedAt == nil }
        let revoked = keys.filter { $0.revokedAt != nil }
        values["active"] = active.map { row($0, now: now, highlight: $0.id == created?.key.id) }
        values["revoked"] = revoked.prefix(20).map { row($0, now: now, highlight: false) }
        values["hasActive"] = !active.isEmpty
        values["hasRevoked"] = !revoked.isEmpty
        values["activeCount"] = Format.number(active.count)
        if let created {
            values["created"] = ["key": created.key.key, "name": created.name,
                                 "scopes": created.scopes.joined(separator: ", ")]
        }
        if let error { values["formError"] = error }
        values["newName"] = name
        values["scopeOptions"] = APIKeyStore.scopes.map { scope in
            ["value": scope, "checked": scopes.contains(scope), "text": scopeDescription(scope)] as [String: Any]
        }
        values["baseURL"] = baseURL(page.request)
        return try page.render("settings-keys", values, status: error == nil ? .ok : .unprocessableContent)
    }

    static func row(_ key: APIKeyStore.Listed, now: Date, highlight: Bool) -> [String: Any] {
        ConversationPages.present([
            "id": key.id, "name": key.name.isEmpty ? "unnamed key" : key.name, "prefix": key.prefix,
            "scopes": key.scopes.map { ["scope": $0] }, "highlight": highlight,
            "created": Format.day(key.createdAt), "createdTitle": Format.time(key.createdAt),
            "lastUsed": key.lastUsedAt.map { Format.relative($0, now: now) } ?? "never",
            "lastUsedTitle": key.lastUsedAt.map(Format.time),
            "revoked": key.revokedAt.map { Format.relative($0, now: now) },
        ])
    }

    static func scopeDescription(_ scope: String) -> String {
        switch scope {
        case "ingest": "send conversations, feedback and traces"
        case "read": "read conversations, clusters, intents, rules and exports"
        case "write": "change things: rules, clusters, intents, triage"
        default: scope
        }
    }

    /// The address clients reach this service at, for the example request.
    static func baseURL(_ request: Request) -> String {
        let host = request.headers["Host"].flatMap { $0.isEmpty ? nil : $0 } ?? "localhost:8080"
        let scheme = request.headers["X-Forwarded-Proto"]?.lowercased() == "https" ? "https" : "http"
        return "\(scheme)://\(host)"
    }
}
