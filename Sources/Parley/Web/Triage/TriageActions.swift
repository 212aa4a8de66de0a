import Foundation
import HTTPServer

/// The forms of the triage pages (reviewers and admins), each a plain POST that answers with a redirect and a
/// flash message. `Public/triage.js` sends the same forms with `Accept: application/json` and gets
/// `{"ok", "message"}` instead, so the page can stay where it is.
///
/// Per item (`/triage/{id}/…`): `status` (`to` = in_review, resolved, dismissed or open; `resolution`; `then=next`
/// goes on to the next item), `assign` (`to` = me, none or an actor), `priority` (`to` = 1–4), `rate`
/// (`score.<rubric key>` = 1–5), `labels` (`add` comma-separated, `remove`), `comments` (`body`), `correction`
/// (`corrected_answer`, empty clears it). On the queue: `next` (take the next open item of the filter) and `bulk`
/// (`action` on the checked `item`s, or with `scope=filter` on every item the carried filter selects).
enum TriageActions {
    static func register(on router: inout Router, dashboard: Dashboard, store: TriageStore, reviews: TriageReviews) {
        router.page(post: "/triage/next", minimum: .reviewer, in: dashboard) { page in
            let query = TriageQuery(page.form)
            guard let id = try await store.takeNext(projectID: page.projectID, filter: try query.filter(me: TriagePages.actor(page)),
                                                    actor: TriagePages.actor(page)) else {
                return try await answer(page, ok: true, "Nothing left to take: every open item of this view is assigned or done.",
                                        to: query.url("/triage"), kind: "info")
            }
            return try await answer(page, ok: true, "Item #\(id) is yours, in review.", to: query.url("/triage/\(id)"))
        }

        router.page(post: "/triage/:id/status", minimum: .reviewer, in: dashboard) { page in
            let id = try TriagePages.itemID(page)
            guard let target = TriageStatus(rawValue: page.form["to"] ?? "") else {
                return try await answer(page, ok: false, "Choose a status: open, in review, resolved or dismissed.", to: back(page, id))
            }
            var object: [String: JSONValue] = ["status": .string(target.rawValue)]
            if let note = page.form["resolution"]?.trimmingCharacters(in: .whitespacesAndNewlines), !note.isEmpty {
                object["resolution"] = .string(note)
            }
            return try await change(page, id, object, store: store) {
                switch target {
                case .resolved: "Resolved #\(id)."
                case .dismissed: "Dismissed #\(id)."
                case .inReview: "#\(id) is in review."
                case .open: "#\(id) is open again."
                }
            } then: {
                guard page.form["then"] == "next" else { return nil }
                let query = TriageQuery(page.form)
                if let next = try await store.next(after: id, projectID: page.projectID,
                                                   filter: try query.filter(me: TriagePages.actor(page))) {
                    return query.url("/triage/\(next)")
                }
                return query.url("/triage")
            }
        }

        router.page(post: "/triage/:id/assign", minimum: .reviewer, in: dashboard) { page in
            let id = try TriagePages.itemID(page)
            let to = (page.form["to"] ?? "").trimmingCharacters(in: .whitespaces)
            let value: JSONValue = to == "none" || to.isEmpty ? .null : .string(to)
            return try await change(page, id, ["assignee": value], store: store) {
                value == .null ? "#\(id) is unassigned." : to == "me" ? "#\(id) is assigned to you." : "#\(id) is reassigned."
            }
        }

        router.page(post: "/triage/:id/priority", minimum: .reviewer, in: dashboard) { page in
            let id = try TriagePages.itemID(page)
            guard let rank = Int(page.form["to"] ?? ""), let severity = Severity(rank: rank) else {
                return try await answer(page, ok: false, "Choose a priority: low, medium, high or critical.", to: back(page, id))
            }
            var filter = TriageFilter()
            filter.ids = [id]
            let (matched, _) = try await store.setPriority(projectID: page.projectID, filter: filter, priority: rank,
                                                           actor: TriagePages.actor(page))
            guard matched > 0 else { throw WebError.notFound("triage item") }
            return try await answer(page, ok: true, "Priority of #\(id) set to \(severity.rawValue).", to: back(page, id))
        }

        router.page(post: "/triage/:id/rate", minimum: .reviewer, in: dashboard) { page in
            let id = try TriagePages.itemID(page)
            var scores: [String: Int] = [:]
            for (name, value) in page.form where name.hasPrefix("score.") && !value.isEmpty {
                guard let score = Int(value) else {
                    return try await answer(page, ok: false, "Ratings are whole numbers from 1 to 5.", to: back(page, id))
                }
                scores[String(name.dropFirst(6))] = score
            }
            guard !scores.isEmpty else {
                return try await answer(page, ok: false, "Choose a score from 1 to 5 first.", to: back(page, id))
            }
            return try await attempt(page, id) {
                try await reviews.rate(projectID: page.projectID, itemID: id, scores: scores, actor: TriagePages.actor(page))
                return "Rating saved."
            }
        }

        router.page(post: "/triage/:id/labels", minimum: .reviewer, in: dashboard) { page in
            let id = try TriagePages.itemID(page)
            let added = (page.form["add"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            let removed = page.form.values(for: "remove").filter { !$0.isEmpty }
            guard !added.isEmpty || !removed.isEmpty else {
                return try await answer(page, ok: false, "Type a label to add.", to: back(page, id))
            }
            return try await change(page, id, ["add_labels": .array(added.map(JSONValue.string)),
                                               "remove_labels": .array(removed.map(JSONValue.string))], store: store) {
                added.isEmpty ? "Label removed." : "Labels updated."
            }
        }

        router.page(post: "/triage/:id/comments", minimum: .reviewer, in: dashboard) { page in
            let id = try TriagePages.itemID(page)
            let body = (page.form["body"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !body.isEmpty, body.count <= 10_000 else {
                return try await answer(page, ok: false, "A comment is 1 to 10,000 characters.", to: back(page, id))
            }
            return try await attempt(page, id) {
                _ = try await reviews.comment(projectID: page.projectID, itemID: id, body: body, actor: TriagePages.actor(page))
                return "Comment added."
            }
        }

        router.page(post: "/triage/:id/correction", minimum: .reviewer, in: dashboard) { page in
            let id = try TriagePages.itemID(page)
            let text = (page.form["corrected_answer"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return try await change(page, id, ["corrected_answer": text.isEmpty ? .null : .string(text)], store: store) {
                text.isEmpty ? "Corrected answer removed." : "Corrected answer saved; exports use it as the assistant's reply."
            }
        }

        TriageBulkAction.register(on: &router, dashboard: dashboard, store: store)
    }

    /// Applies a change (the PATCH fields of the API) to an item and answers.
    static func change(_ page: Page, _ id: Int, _ object: [String: JSONValue], store: TriageStore,
                       message: @escaping @Sendable () -> String,
                       then: (@Sendable () async throws -> String?)? = nil) async throws -> Response {
        try await attempt(page, id, then: then) {
            let change = try TriageStore.Change(json: object)
            let changed = try await store.update(projectID: page.projectID, itemID: id, change: change,
                                                 actor: TriagePages.actor(page))
            return changed ? message() : "Nothing to change."
        }
    }

    /// Runs an action on item `id`: a missing item (or another project's) is a 404 page; a refused change is a
    /// flash error on the page the form came from.
    static func attempt(_ page: Page, _ id: Int, then: (@Sendable () async throws -> String?)? = nil,
                        _ body: () async throws -> String) async throws -> Response {
        do {
            let message = try await body()
            let location = try await then?() ?? back(page, id)
            return try await answer(page, ok: true, message, to: location)
        } catch let error as TriageStore.StoreError {
            switch error {
            case .notFound: throw WebError.notFound("triage item")
            case .transition(let from, let to):
                return try await answer(page, ok: false, "#\(id) is \(TriagePresenter.statusTitle(from.rawValue).lowercased()) "
                    + "and cannot become \(TriagePresenter.statusTitle(to.rawValue).lowercased()); reopen it first.",
                    to: back(page, id), status: .conflict)
            }
        } catch let problem as Problem {
            let reasons = problem.errors.map(\.message).joined(separator: "; ")
            return try await answer(page, ok: false, reasons.isEmpty ? problem.title : reasons, to: back(page, id),
                                    status: .unprocessableContent)
        }
    }

    /// Where to go after a form: its `return` field when it is a page of this site, else the item.
    static func back(_ page: Page, _ id: Int) -> String {
        if let target = page.form["return"], Dashboard.isLocalPath(target) { return target }
        return "/triage/\(id)"
    }

    /// A redirect with a flash message, or `{"ok", "message", "location"}` for the page script.
    static func answer(_ page: Page, ok: Bool, _ message: String, to location: String, kind: String? = nil,
                       status: HTTPStatus? = nil) async throws -> Response {
        if (page.request.headers["Accept"] ?? "").contains("application/json") {
            let body: JSONValue = .object(["ok": .bool(ok), "message": .string(message), "location": .string(location)])
            return RuleRoutes.json(body.serialized(), status: status ?? (ok ? .ok : .unprocessableContent))
        }
        return try await page.redirect(to: location, flash: .init(kind ?? (ok ? "success" : "error"), message))
    }
}
