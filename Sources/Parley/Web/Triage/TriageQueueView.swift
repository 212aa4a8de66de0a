import Foundation
import HTTPServer

/// The values of `/triage`: status tabs with counts, filters, one keyset page of items, today's progress per
/// assignee, and what the bulk and take-next forms need.
enum TriageQueueView {
    static let pageSize = 50

    static func values(page: Page, query: TriageQuery, store: TriageStore, reviews: TriageReviews) async throws
        -> [String: Any]
    {
        let me = TriagePages.actor(page)
        let filter = try query.filter(me: me)
        var cursor: TriageCursor?
        if let text = page.request.query["cursor"] {
            // A cursor of another sort (or a damaged one) starts from the first page rather than failing.
            cursor = TriageCursor(text, sort: query.sort)
        }
        let listing = try JSONParser.parse(try await store.list(projectID: page.projectID, filter: filter,
                                                                sort: query.sort, cursor: cursor,
                                                                limit: query.limit ?? pageSize))
        let items = listing["items"]?.arrayValue ?? []
        let counts = try await store.statusCounts(projectID: page.projectID, filter: filter)
        let progress = try await store.dailyProgress(projectID: page.projectID)
        let assignables = try await store.assignables(projectID: page.projectID)
        let actors = items.compactMap { $0["assignee"]?.stringValue } + progress.map(\.assignee) + [me]
        var names = try await store.actorNames(projectID: page.projectID, actors: actors)
        for person in assignables { names[person.actor] = person.name }
        let rubric = try await reviews.rubric(projectID: page.projectID)

        let total = counts.values.reduce(0, +)
        var values: [String: Any] = [
            "tabs": TriageQuery.tabs.map { tab -> [String: Any] in
                let count: Int
                switch tab.value {
                case "active": count = (counts[.open] ?? 0) + (counts[.inReview] ?? 0)
                case "all": count = total
                default: count = TriageStatus(rawValue: tab.value).flatMap { counts[$0] } ?? 0
                }
                return ["title": tab.title, "value": tab.value, "count": Format.number(count),
                        "url": query.with("status", tab.value).url("/triage"),
                        "active": tab.value == query.status]
            },
            "filters": try await filterValues(page: page, query: query, store: store, assignables: assignables, me: me),
            "sorts": [("priority", "Priority"), ("newest", "Newest"), ("oldest", "Oldest"), ("updated", "Recently changed")]
                .map { ["value": $0.0, "title": $0.1, "selected": $0.0 == query.sort.rawValue] as [String: Any] },
            "isFiltered": query.isFiltered,
            "clearURL": TriageQuery().with("status", query.status).url("/triage"),
            "hidden": query.hiddenFields,
            "returnURL": page.request.target,
            "rows": items.map { row($0, query: query, names: names, me: me) },
            "isEmpty": items.isEmpty,
            "nothingFlagged": total == 0 && !query.isFiltered,
            "matching": Format.number(currentCount(query: query, counts: counts, total: total)),
            "matchingOne": currentCount(query: query, counts: counts, total: total) == 1,
            "figures": figures(progress),
            "progress": progressValues(progress, names: names, me: me),
            "hasProgress": !progress.isEmpty,
            "firstCriterion": rubric.first?.name ?? "",
            "firstCriterionKey": rubric.first?.key ?? "",
            "priorities": Severity.allCases.reversed().map { ["value": $0.rank, "title": TriagePresenter.severityTitle($0.rawValue)] },
        ]
        if let next = listing["next_cursor"]?.stringValue {
            values["nextURL"] = query.url("/triage") + (query.queryString.isEmpty ? "?" : "&") + "cursor=" + TriageQuery.encode(next)
        }
        if cursor != nil { values["firstURL"] = query.url("/triage") }
        return values
    }

    /// The whole project's queue (whatever the filters): open, unassigned, in review, closed today.
    static func figures(_ progress: [TriageStore.DailyProgress]) -> [[String: String]] {
        let open = progress.reduce(0) { $0 + $1.open }
        let unassigned = progress.first { $0.assignee.isEmpty }?.open ?? 0
        let review = progress.reduce(0) { $0 + $1.inReview }
        let done = progress.reduce(0) { $0 + $1.doneToday }
        return [
            ["label": "Open", "value": Format.number(open), "note": "\(Format.number(unassigned)) unassigned"],
            ["label": "In review", "value": Format.number(review), "note": "being looked at now"],
            ["label": "Done today", "value": Format.number(done), "note": "resolved or dismissed since 00:00 UTC"],
        ]
    }

    /// How many items the current tab and filters select.
    static func currentCount(query: TriageQuery, counts: [TriageStatus: Int], total: Int) -> Int {
        switch query.status {
        case "active": (counts[.open] ?? 0) + (counts[.inReview] ?? 0)
        case "all": total
        default: TriageStatus(rawValue: query.status).flatMap { counts[$0] } ?? 0
        }
    }

    /// A list row.
    static func row(_ item: JSONValue, query: TriageQuery, names: [String: String], me: String) -> [String: Any] {
        let id = item["id"]?.intValue ?? 0
        let status = item["status"]?.stringValue ?? "open"
        let severity = item["severity"]?.stringValue ?? "low"
        let conversation = item["conversation"]
        var values: [String: Any] = [
            "id": id,
            "url": query.url("/triage/\(id)"),
            "status": status, "statusTitle": TriagePresenter.statusTitle(status),
            "severity": severity, "severityTitle": TriagePresenter.severityTitle(severity),
            "preview": conversation?["preview"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "(no user message)",
            "externalID": conversation?["id"]?.stringValue ?? "",
            "model": conversation?["model"]?.stringValue ?? "",
            "flags": TriagePresenter.flags(item["flags"]),
            "assignee": TriagePresenter.person(item["assignee"]?.stringValue, names: names, me: me),
            "labels": (item["labels"]?.arrayValue ?? []).compactMap(\.stringValue),
            "isClosed": status == "resolved" || status == "dismissed",
        ]
        if let created = TriagePresenter.time(item["created_at"]) { values["age"] = created }
        if let votes = item["votes"]?.intValue, votes > 0 { values["votes"] = votes }
        if item["has_correction"] == .bool(true) { values["hasCorrection"] = true }
        return values
    }

    static func progressValues(_ progress: [TriageStore.DailyProgress], names: [String: String], me: String) -> [[String: Any]] {
        return progress.map { entry in
            let open = entry.open + entry.inReview
            var values = TriagePresenter.person(entry.assignee, names: names, me: me)
            values["open"] = Format.number(open)
            values["inReview"] = Format.number(entry.inReview)
            values["done"] = Format.number(entry.doneToday)
            values["doneCount"] = entry.doneToday
            values["total"] = max(1, entry.doneToday + open)
            values["url"] = TriageQuery().with("assignee", entry.assignee.isEmpty ? "none" : entry.assignee).url("/triage")
            return values
        }
    }

    /// The choices of the filter form, the current value selected.
    static func filterValues(page: Page, query: TriageQuery, store: TriageStore, assignables: [TriageStore.Assignable],
                             me: String) async throws -> [String: Any] {
        func choices(_ list: [(String, String)], field: String) -> [[String: Any]] {
            var list = list
            let current = query[field]
            if !current.isEmpty, !list.contains(where: { $0.0 == current }) { list.append((current, current)) }
            return list.map { ["value": $0.0, "title": $0.1, "selected": $0.0 == current] }
        }
        let people = [("me", "Me"), ("none", "Unassigned")] + assignables.filter { $0.actor != me }.map { ($0.actor, $0.name) }
        let clusters = try await store.clusterChoices(projectID: page.projectID)
        return [
            "assignees": choices(people, field: "assignee"),
            "severities": choices(Severity.allCases.reversed().map { ($0.rawValue, TriagePresenter.severityTitle($0.rawValue)) },
                                  field: "severity"),
            "rules": choices(try await store.ruleChoices(projectID: page.projectID).map { ($0.value, $0.title) }, field: "rule"),
            "detectors": choices(try await store.detectorChoices(projectID: page.projectID).map { ($0, $0) }, field: "detector"),
            "clusters": choices(clusters.map { ($0.value, $0.title) }, field: "cluster"),
            "hasClusters": !clusters.isEmpty || !query["cluster"].isEmpty,
            "status": query.status,
        ]
    }
}
