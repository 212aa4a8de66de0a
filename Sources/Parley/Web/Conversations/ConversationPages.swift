import Embeddings
import Foundation
import HTTPServer

/// `/conversations` (search, filters, keyset pages) and `/conversations/{id}` (the transcript as a chat).
enum ConversationPages {
    static let pageSize = 50

    static func register(on router: inout Router, dashboard: Dashboard) {
        let browser = ConversationBrowser(pool: dashboard.context.pool)

        router.page(get: "/conversations", minimum: .viewer, in: dashboard) { page in
            let query = page.request.query
            let filter = ConversationFilter(query: query)
            let listing = try await browser.list(projectID: page.projectID, filter: filter,
                                                 before: ConversationCursor(query["before"]),
                                                 after: ConversationCursor(query["after"]), limit: pageSize)
            let models = try await browser.distinctValues(of: "model", projectID: page.projectID)
            let prompts = try await browser.distinctValues(of: "prompt_version", projectID: page.projectID)
            let choices = try await browser.choices(projectID: page.projectID)
            let base = "/conversations?" + (filter.queryString.isEmpty ? "" : filter.queryString + "&")
            let redactor = page.role < .reviewer ? PIIRedactor() : nil
            var values: [String: Any] = [
                "filter": ["q": filter.search, "from": filter.from, "to": filter.to, "model": filter.model,
                           "prompt": filter.promptVersion, "meta": filter.metadata],
                "isFiltered": !filter.isEmpty,
                "isSearch": !filter.search.isEmpty,
                "models": options(models, selected: filter.model),
                "prompts": options(prompts, selected: filter.promptVersion),
                "feedbackChoices": ConversationFilter.feedbackChoices.map { value, title in
                    ["value": value, "title": title, "selected": value == filter.feedback] as [String: Any]
                },
                "rows": listing.rows.map { row($0, redactor: redactor) },
                "isEmpty": listing.rows.isEmpty,
                "activeFilters": activeFilters(filter, choices: choices, redactor: redactor),
            ]
            for (key, value) in filterChoices(filter, choices: choices, page: page, redactor: redactor) {
                values[key] = value
            }
            // A replay set keeps the search, model, prompt and dates; say so when other filters narrow the list.
            values["freezeLeavesOut"] = !filter.feedback.isEmpty || !filter.intent.isEmpty || !filter.cluster.isEmpty
                || !filter.flag.isEmpty || !filter.metadata.isEmpty
            if listing.hasOlder, let last = listing.rows.last { values["olderURL"] = base + "before=" + last.cursor.text }
            if listing.hasNewer, let first = listing.rows.first { values["newerURL"] = base + "after=" + first.cursor.text }
            if listing.hasNewer { values["newestURL"] = filter.queryString.isEmpty ? "/conversations" : "/conversations?" + filter.queryString }
            return try page.render("conversations", values)
        }

        router.page(get: "/conversations/:id", minimum: .viewer, in: dashboard) { page in
            guard let id = Int(page.request.parameters["id"] ?? ""),
                  let detail = try await browser.conversation(id: id, projectID: page.projectID) else {
                throw WebError.notFound("conversation")
            }
            var values: [String: Any] = [
                "conversation": present([
                    "id": detail.id, "externalID": detail.externalID, "model": detail.model,
                    "promptVersion": detail.promptVersion, "endUserID": detail.endUserID,
                    "sessionID": detail.sessionID, "messageCount": detail.messageCount,
                    "started": Format.time(detail.startedAt), "startedISO": Format.iso(detail.startedAt),
                    "ingested": Format.time(detail.ingestedAt), "ingestedISO": Format.iso(detail.ingestedAt),
                    "updated": detail.updatedAt.timeIntervalSince(detail.ingestedAt) > 1 ? Format.time(detail.updatedAt) : nil,
                    "tags": detail.tags,
                ]),
                "hasTags": !detail.tags.isEmpty,
                "messages": Transcript.messages(detail.messages),
                "metadata": Transcript.metadata(detail.metadata),
                "hasMetadata": !(detail.metadata.objectValue ?? [:]).isEmpty,
            ]
            var feedback: [String: Any] = [:]
            if let thumb = detail.thumb { feedback[thumb > 0 ? "up" : "down"] = true }
            if let rating = detail.rating { feedback["rating"] = "\(rating) / 5" }
            if let comment = detail.comment, !comment.isEmpty { feedback["comment"] = comment }
            if !feedback.isEmpty { values["feedback"] = feedback }
            values["similar"] = try await similar(detail.id, page: page, browser: browser)
            values["triage"] = try await TriagePanel.values(conversationID: detail.id, page: page)
            return try page.render("conversation", values)
        }
    }

    /// The values that are present: Mustache treats an empty string as true in a section, so absent
    /// values must be left out rather than stored as "".
    static func present(_ values: [String: Any?]) -> [String: Any] {
        values.compactMapValues { value -> Any? in
            guard let value else { return nil }
            if let text = value as? String, text.isEmpty { return nil }
            return value
        }
    }

    /// Template values for a list row; cluster names go through `redactor` (viewers see placeholders for PII).
    static func row(_ summary: ConversationBrowser.Summary) -> [String: Any] {
        row(summary, redactor: nil)
    }

    static func row(_ summary: ConversationBrowser.Summary, redactor: PIIRedactor?) -> [String: Any] {
        var values: [String: Any] = [
            "id": summary.id, "externalID": summary.externalID, "model": summary.model ?? "",
            "promptVersion": summary.promptVersion ?? "", "messageCount": summary.messageCount,
            "started": Format.relative(summary.startedAt), "startedTitle": Format.time(summary.startedAt),
            "startedISO": Format.iso(summary.startedAt), "previewHtml": summary.preview, "tags": summary.tags,
        ]
        if let thumb = summary.thumb { values[thumb > 0 ? "thumbUp" : "thumbDown"] = true }
        if let rating = summary.rating { values["rating"] = rating }
        if let intent = summary.intent {
            values["intent"] = present([
                "filterValue": intent.intentID.map(String.init) ?? "none", "name": intent.name ?? "Unrecognized",
                "unrecognized": intent.intentID == nil ? true : nil,
                "confidence": String(format: "%.0f%%", intent.confidence * 100),
            ])
        }
        if let cluster = summary.cluster, let id = cluster.clusterID {
            let name = cluster.name.map { redactor?.redact($0) ?? $0 }
            values["cluster"] = present(["id": id, "name": name?.isEmpty == false ? name : "Cluster \(id)",
                                         "outlier": cluster.isOutlier ? true : nil])
        }
        if summary.flagCount > 0 {
            values["flags"] = present([
                "count": summary.flagCount == 1 ? "1 flag" : "\(Format.number(summary.flagCount)) flags",
                "severity": summary.severity ?? "low",
                "triage": summary.triageStatus.map { $0.replacingOccurrences(of: "_", with: " ") },
            ])
        }
        values["hasSignals"] = values["intent"] != nil || values["cluster"] != nil || values["flags"] != nil
        return values
    }

    static func options(_ values: [String], selected: String) -> [[String: Any]] {
        var list = values
        // Keep a filter that names a value no longer present, so the form still shows it.
        if !selected.isEmpty, !list.contains(selected) { list.insert(selected, at: 0) }
        return list.map { ["value": $0, "selected": $0 == selected] }
    }

    /// The similar-conversations panel: neighbours, "not embedded yet", or nothing when no model is configured.
    static func similar(_ id: Int, page: Page, browser: ConversationBrowser) async throws -> [String: Any]? {
        guard let model = try? EmbedderConfiguration(modelName: page.context.configuration.embedder).model else {
            return nil
        }
        switch try await browser.similar(to: id, projectID: page.projectID, model: model, cache: page.context.similarity) {
        case .notEmbedded:
            return ["pending": true]
        case .found(let neighbours):
            return ["items": neighbours.map { neighbour in
                ["id": neighbour.id, "externalID": neighbour.externalID, "preview": neighbour.preview,
                 "score": String(format: "%.0f%%", max(0, neighbour.score) * 100),
                 "started": Format.relative(neighbour.startedAt)] as [String: Any]
            }, "noneFound": neighbours.isEmpty]
        }
    }
}
