import Foundation
import HTTPServer

/// `POST /triage/bulk`: assign to me, unassign, resolve, dismiss, reopen or set the priority of the checked items
/// (`item`, repeated), or with `scope=filter` of every item the filter carried by the form's hidden fields selects.
///
/// Both go through one statement of the store on a filter (the selection is a filter on ids), so an item is changed
/// at most once and items already in the wanted state are left alone (and not audited).
enum TriageBulkAction {
    static let actions = ["assign_me", "unassign", "resolve", "dismiss", "reopen", "priority"]

    static func register(on router: inout Router, dashboard: Dashboard, store: TriageStore) {
        router.page(post: "/triage/bulk", minimum: .reviewer, in: dashboard) { page in
            let query = TriageQuery(page.form)
            var back = query.url("/triage")
            if let target = page.form["return"], Dashboard.isLocalPath(target) { back = target }
            guard let action = page.form["action"], actions.contains(action) else {
                return try await TriageActions.answer(page, ok: false, "Choose what to do with the items.", to: back)
            }
            let me = TriagePages.actor(page)
            var filter: TriageFilter
            var scope: String
            if page.form["scope"] == "filter" {
                filter = try query.filter(me: me)
                scope = "matching"
            } else {
                let ids = page.form.values(for: "item").compactMap { Int($0) }.filter { $0 > 0 }
                guard !ids.isEmpty else {
                    return try await TriageActions.answer(page, ok: false, "Select items first (x, or the checkboxes), "
                        + "or choose “all matching”.", to: back)
                }
                filter = TriageFilter()
                filter.ids = Array(Set(ids)).sorted()
                scope = "selected"
            }
            let result: (matched: Int, updated: Int)
            if action == "priority" {
                guard let rank = Int(page.form["priority"] ?? ""), Severity(rank: rank) != nil else {
                    return try await TriageActions.answer(page, ok: false, "Choose a priority.", to: back)
                }
                result = try await store.setPriority(projectID: page.projectID, filter: filter, priority: rank,
                                                                 actor: me)
            } else {
                var bulk = TriageStore.BulkAction()
                switch action {
                case "assign_me": bulk.setsAssignee = true; bulk.assignee = me
                case "unassign": bulk.setsAssignee = true; bulk.assignee = nil
                case "resolve": bulk.status = .resolved
                case "dismiss": bulk.status = .dismissed
                default: bulk.status = .open
                }
                result = try await store.bulk(projectID: page.projectID, filter: filter, action: bulk, actor: me)
            }
            let verb = ["assign_me": "assigned to you", "unassign": "unassigned", "resolve": "resolved",
                        "dismiss": "dismissed", "reopen": "reopened", "priority": "given the new priority"][action] ?? action
            let (matched, updated) = result
            let message = updated == 1 ? "1 item \(verb)" : "\(Format.number(updated)) items \(verb)"
            let unchanged = matched - updated
            return try await TriageActions.answer(
                page, ok: true, message + (unchanged > 0 ? " (\(Format.number(unchanged)) of the \(scope) already were, or cannot be)." : "."),
                to: back)
        }
    }
}
