import Embeddings
import Foundation
import HTTPServer
import Postgres

/// The rule editor page: renders the form, saves it, or dry-runs it.
struct RuleEditor: Sendable {
    let registry: DetectorRegistry
    let store: FlagRuleStore

    /// The editor, with field errors or dry-run results when given.
    func render(_ page: Page, form: RuleForm, ruleID: Int?, stored: [String: JSONValue]? = nil,
                errors: [Problem.FieldError] = [], dryRun: [String: Any]? = nil, dryRunLimit: Int? = nil)
        async throws -> Response
    {
        var values = SettingsPages.tabs("rules")
        for (key, value) in form.values(registry: registry) { values[key] = value }
        values["isNew"] = ruleID == nil
        values["action"] = ruleID.map { "/settings/rules/\($0)" } ?? "/settings/rules"
        if let ruleID {
            values["ruleID"] = ruleID
            values["history"] = try await history(projectID: page.projectID, ruleID: ruleID)
            if let stored {
                values["flagCount"] = Format.number(stored["flags"]?.intValue ?? 0)
                values["phase"] = stored["phase"]?.stringValue == "embedded" ? "after embedding" : "on arrival"
            }
        }
        if !errors.isEmpty {
            values["errors"] = errors.map { ["field": $0.path, "message": $0.message] }
        }
        let limit = dryRunLimit ?? SettingsRulePages.defaultDryRunLimit
        values["dryRunLimits"] = SettingsRulePages.dryRunLimits.map { value in
            ["value": value, "title": Format.number(value), "selected": value == limit] as [String: Any]
        }
        if let dryRun { values["dryRun"] = dryRun }
        return try page.render("settings-rule", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    /// A submitted editor: `action=dry-run` previews, anything else saves.
    func submit(_ page: Page, ruleID: Int?) async throws -> Response {
        let form = RuleForm(form: page.form)
        let isDryRun = page.form["action"] == "dry-run"
        if let ruleID, try await store.show(projectID: page.projectID, ruleID: ruleID) == nil {
            throw WebError.notFound("rule")
        }
        var object: [String: JSONValue]
        switch form.body() {
        case .success(let body): object = body
        case .failure(let failure): return try await render(page, form: form, ruleID: ruleID, errors: [failure.field])
        }
        if isDryRun, form.name.isEmpty { object["name"] = .string("dry run") }
        let registry = self.registry
        let input: FlagRuleStore.Input
        do {
            let parsed = object
            input = try await offThread { try FlagRuleStore.Input.parse(parsed, creating: true, registry: registry) }
        } catch let problem as Problem {
            let errors = problem.errors.isEmpty
                ? [Problem.FieldError(path: "rule", message: problem.detail ?? problem.title)] : problem.errors
            return try await render(page, form: form, ruleID: ruleID, errors: errors)
        }
        if isDryRun {
            let limit = Int(page.form["limit"] ?? "").flatMap { SettingsRulePages.dryRunLimits.contains($0) ? $0 : nil }
                ?? SettingsRulePages.defaultDryRunLimit
            let result = try await dryRun(page, input: input, limit: limit)
            return try await render(page, form: form, ruleID: ruleID, dryRun: result, dryRunLimit: limit)
        }
        let actor = "user:\(page.user.id)"
        let queue = JobQueue(pool: page.pool)
        if let ruleID {
            guard let changed = try await store.update(projectID: page.projectID, ruleID: ruleID, input: input,
                                                       actor: actor) else { throw WebError.notFound("rule") }
            if changed { _ = try await FlagJobs.enqueueRule(ruleID, projectID: page.projectID, on: queue) }
            return try await page.redirect(to: "/settings/rules", flash: .init("success", changed
                ? "Saved “\(form.name)”. Existing conversations are being re-checked in the background."
                : "Nothing changed in “\(form.name)”."))
        }
        let id = try await store.create(projectID: page.projectID, input: input, actor: actor)
        _ = try await FlagJobs.enqueueRule(id, projectID: page.projectID, on: queue)
        return try await page.redirect(to: "/settings/rules", flash: .init(
            "success", "Created “\(form.name)”. It flags new conversations from now on; existing ones are being checked "
                + "in the background (see Triage)."))
    }

    /// What the rule would flag among the project's most recent conversations, as template values.
    func dryRun(_ page: Page, input: FlagRuleStore.Input, limit: Int) async throws -> [String: Any] {
        let model = try? EmbedderConfiguration(modelName: page.context.configuration.embedder).model.modelID
        let result = try await RuleDryRun(pool: page.pool, registry: registry)
            .run(projectID: page.projectID, input: input, limit: limit, embeddingModel: model)
        let evaluated = result["evaluated"]?.intValue ?? 0
        let matched = result["matched"]?.intValue ?? 0
        let seconds = result["seconds"]?.doubleValue ?? 0
        let examples = (result["examples"]?.arrayValue ?? []).prefix(10).compactMap(\.objectValue).map { example -> [String: Any] in
            let excerpts = (example["spans"]?.arrayValue ?? []).compactMap { span -> [String: String]? in
                guard let excerpt = span["excerpt"]?.stringValue, !excerpt.isEmpty else { return nil }
                return ["excerpt": excerpt, "kind": span["kind"]?.stringValue ?? ""]
            }
            let started = example["started_at"]?.stringValue.flatMap(SettingsRulePages.parseDate)
            return ConversationPages.present([
                "id": example["parley_id"]?.intValue ?? 0, "externalID": example["id"]?.stringValue,
                "reason": example["reason"]?.stringValue, "severity": example["severity"]?.stringValue,
                "excerpts": Array(excerpts.prefix(3)), "hasExcerpts": !excerpts.isEmpty,
                "started": started.map { Format.relative($0) }, "startedTitle": started.map(Format.time),
            ])
        }
        return ConversationPages.present([
            "evaluated": Format.number(evaluated), "matched": Format.number(matched),
            "rate": evaluated > 0 ? String(format: "%.1f%%", Double(matched) * 100 / Double(evaluated)) : "–",
            "seconds": seconds < 10 ? String(format: "%.2f s", seconds) : "\(Int(seconds.rounded())) s",
            "timeouts": (result["regex_timeouts"]?.intValue ?? 0) > 0 ? Format.number(result["regex_timeouts"]?.intValue ?? 0) : nil,
            "embedded": result["phase"]?.stringValue == "embedded",
            "examples": examples, "hasExamples": !examples.isEmpty, "none": matched == 0, "noData": evaluated == 0,
            "shown": Format.number(examples.count),
        ])
    }

    /// The rule's latest changes from the audit log.
    func history(projectID: Int, ruleID: Int) async throws -> [[String: Any]] {
        try await store.pool.query("""
            SELECT a.action, a.actor, u.email, a.created_at FROM audit_log a
            LEFT JOIN users u ON a.actor = 'user:' || u.id
            WHERE a.project_id = \(projectID) AND a.entity = 'rule' AND a.entity_id = \(ruleID)
            ORDER BY a.id DESC LIMIT 10
            """).map { row in
            let (action, actor, email, at) = try row.decode((String, String, String?, Date).self)
            let verb = ["rule.create": "created", "rule.update": "changed", "rule.delete": "deleted"][action] ?? action
            return ["verb": verb, "who": email ?? actor, "when": Format.relative(at), "whenTitle": Format.time(at)]
                as [String: Any]
        }
    }
}
