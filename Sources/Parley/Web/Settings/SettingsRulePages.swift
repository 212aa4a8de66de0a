import Embeddings
import Foundation
import HTTPServer
import Postgres

/// `/settings/rules`: the project's flag rules, and an editor with a dry-run.
///
/// - `GET /settings/rules/new`, `GET /settings/rules/{id}`: the editor (friendly fields or the condition as JSON);
/// - `POST /settings/rules`, `POST /settings/rules/{id}`: with `action=save`, stores the rule (the same validation
///   and audit log as the API) and queues its evaluation over the project; with `action=dry-run`, shows what it
///   would flag among recent conversations and stores nothing;
/// - `POST /settings/rules/{id}/enabled` (`enabled=1|0`), `POST /settings/rules/{id}/delete`.
enum SettingsRulePages {
    /// Recent conversations a dry-run may read, and the default.
    static let dryRunLimits = [1_000, 5_000, 10_000]
    static let defaultDryRunLimit = 5_000

    static func register(on router: inout Router, dashboard: Dashboard) {
        let registry = DetectorRegistry.standard
        let store = FlagRuleStore(pool: dashboard.context.pool, registry: registry)
        let editor = RuleEditor(registry: registry, store: store)

        router.page(get: "/settings/rules", minimum: .admin, in: dashboard) { page in
            let rules = try await store.list(projectID: page.projectID)
            let items = (try JSONParser.parse(rules))["rules"]?.arrayValue ?? []
            var values = SettingsPages.tabs("rules")
            values["rules"] = items.compactMap(\.objectValue).map(row)
            values["hasRules"] = !items.isEmpty
            values["enabledCount"] = Format.number(items.filter { $0["enabled"]?.boolValue == true }.count)
            values["ruleCount"] = Format.number(items.count)
            return try page.render("settings-rules", values)
        }

        router.page(get: "/settings/rules/new", minimum: .admin, in: dashboard) { page in
            var form = RuleForm()
            if let detector = page.request.query["detector"], registry.names.contains(detector) {
                form.mode = .detector
                form.detector = detector
            }
            return try await editor.render(page, form: form, ruleID: nil)
        }

        router.page(get: "/settings/rules/:id", minimum: .admin, in: dashboard) { page in
            let id = try ruleID(page)
            guard let text = try await store.show(projectID: page.projectID, ruleID: id),
                  let rule = (try? JSONParser.parse(text))?.objectValue else { throw WebError.notFound("rule") }
            let form = RuleForm(name: rule["name"]?.stringValue ?? "", description: rule["description"]?.stringValue ?? "",
                                severity: rule["severity"]?.stringValue ?? "medium",
                                enabled: rule["enabled"]?.boolValue ?? true, condition: rule["condition"] ?? .null)
            return try await editor.render(page, form: form, ruleID: id, stored: rule)
        }

        router.page(post: "/settings/rules", minimum: .admin, in: dashboard) { page in
            try await editor.submit(page, ruleID: nil)
        }

        router.page(post: "/settings/rules/:id", minimum: .admin, in: dashboard) { page in
            try await editor.submit(page, ruleID: try ruleID(page))
        }

        router.page(post: "/settings/rules/:id/enabled", minimum: .admin, in: dashboard) { page in
            let id = try ruleID(page)
            let enabled = ["1", "true", "on"].contains(page.form["enabled"] ?? "")
            var input = FlagRuleStore.Input()
            input.enabled = enabled
            guard let changed = try await store.update(projectID: page.projectID, ruleID: id, input: input,
                                                       actor: "user:\(page.user.id)") else {
                throw WebError.notFound("rule")
            }
            if changed { _ = try await FlagJobs.enqueueRule(id, projectID: page.projectID, on: JobQueue(pool: page.pool)) }
            return try await page.redirect(to: "/settings/rules", flash: .init(
                "success", enabled ? "Rule enabled: it now flags new conversations, and existing ones are being checked."
                    : "Rule disabled: it no longer flags new conversations."))
        }

        router.page(post: "/settings/rules/:id/delete", minimum: .admin, in: dashboard) { page in
            let id = try ruleID(page)
            guard try await store.delete(projectID: page.projectID, ruleID: id, actor: "user:\(page.user.id)") else {
                throw WebError.notFound("rule")
            }
            return try await page.redirect(to: "/settings/rules", flash: .init(
                "success", "Rule deleted with its flags. Triage items stay, with priorities from their remaining flags."))
        }
    }

    static func ruleID(_ page: Page) throws -> Int {
        guard let id = Int(page.request.parameters["id"] ?? ""), id > 0 else { throw WebError.notFound("rule") }
        return id
    }

    /// A row of the rules table.
    static func row(_ rule: [String: JSONValue]) -> [String: Any] {
        let severity = rule["severity"]?.stringValue ?? "medium"
        return ConversationPages.present([
            "id": rule["id"]?.intValue ?? 0, "name": rule["name"]?.stringValue ?? "",
            "description": rule["description"]?.stringValue,
            "severity": severity, "enabled": rule["enabled"]?.boolValue ?? false,
            "condition": summary(rule["condition"] ?? .null),
            "phase": rule["phase"]?.stringValue == "embedded" ? "after embedding" : "on arrival",
            "flags": Format.number(rule["flags"]?.intValue ?? 0),
            "updated": rule["updated_at"]?.stringValue.flatMap(parseDate).map { Format.relative($0) },
        ])
    }

    /// A condition in a few words: `keywords “refund”, “chargeback” in user messages`.
    static func summary(_ condition: JSONValue) -> String {
        guard let object = condition.objectValue else { return "–" }
        if let children = object["all"]?.arrayValue { return "all of: " + children.map(summary).joined(separator: "; ") }
        if let children = object["any"]?.arrayValue { return "any of: " + children.map(summary).joined(separator: "; ") }
        if let child = object["not"] { return "not (" + summary(child) + ")" }
        let role = object["role"].map { value -> String in
            let roles = value.arrayValue?.compactMap(\.stringValue) ?? [value.stringValue ?? ""]
            return " in " + roles.joined(separator: "/") + " messages"
        } ?? ""
        func strings(_ key: String) -> [String] { object[key]?.arrayValue?.compactMap { $0.stringValue ?? $0.serialized() } ?? [] }
        switch object["type"]?.stringValue ?? "" {
        case "keywords":
            let words = strings("words")
            return "keywords " + words.prefix(6).map { "“\($0)”" }.joined(separator: ", ")
                + (words.count > 6 ? " +\(words.count - 6)" : "") + role
        case "regex": return "regex /" + (object["pattern"]?.stringValue ?? "") + "/" + role
        case "detector":
            let kinds = strings("kinds")
            return "detector " + (object["name"]?.stringValue ?? "?")
                + (kinds.isEmpty ? "" : " (" + kinds.joined(separator: ", ") + ")") + role
        case "metadata":
            return "metadata " + (object["path"]?.stringValue ?? "") + " " + (object["op"]?.stringValue ?? "")
                + (object["value"].map { " " + $0.serialized() } ?? "")
        case let type:
            let rest = object.filter { $0.key != "type" }.sorted { $0.key < $1.key }
                .map { "\($0.key) \($0.value.serialized())" }.joined(separator: ", ")
            return type.replacingOccurrences(of: "_", with: " ") + (rest.isEmpty ? "" : " " + rest)
        }
    }

    static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        // PostgreSQL's JSON timestamps look like 2026-11-23T09:30:00.123456+00:00.
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: String(text.prefix(19)) + "Z")
    }
}
