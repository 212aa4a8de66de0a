import Foundation

/// The triage panel of the conversation page (`conversation.mustache`, `{{#triage}}`): the item's status,
/// severity, assignee and flags, a link to the item, and for reviewers the quick actions (assign to me, resolve,
/// dismiss, reopen), which post to the triage routes and come back to the conversation.
enum TriagePanel {
    /// The panel of conversation `conversationID`, or nil when it was never flagged.
    static func values(conversationID: Int, page: Page) async throws -> [String: Any]? {
        let store = TriageStore(pool: page.pool)
        guard let id = try await store.itemID(projectID: page.projectID, conversationID: conversationID) else { return nil }
        var filter = TriageFilter()
        filter.ids = [id]
        let listing = try JSONParser.parse(try await store.list(projectID: page.projectID, filter: filter, sort: .priority,
                                                                cursor: nil, limit: 1))
        guard let item = listing["items"]?.arrayValue?.first else { return nil }
        let me = TriagePages.actor(page)
        let assignee = item["assignee"]?.stringValue
        let names = try await store.actorNames(projectID: page.projectID, actors: [assignee, me].compactMap { $0 })
        let status = item["status"]?.stringValue ?? "open"
        let severity = item["severity"]?.stringValue ?? "low"
        return [
            "id": id,
            "status": status, "statusTitle": TriagePresenter.statusTitle(status),
            "severity": severity, "severityTitle": TriagePresenter.severityTitle(severity),
            "isClosed": status == "resolved" || status == "dismissed",
            "assignee": TriagePresenter.person(assignee, names: names, me: me),
            "flags": TriagePresenter.flags(item["flags"]),
            "returnURL": "/conversations/\(conversationID)",
        ]
    }
}
