import Foundation
import HTTPServer

/// `/intents/label` (reviewers): one conversation at a time, least confident first, labelled with an intent, as out
/// of scope, or skipped. A plain form; `Public/intents.js` adds keys (1–9 and 0, j/k, Enter, s) and a filter.
///
/// Labels go through `IntentStore.storeLabels`, the statement of `POST /api/v1/intents/labels`, and may queue a
/// retraining the same way.
enum IntentLabelPage {
    /// Messages of the transcript excerpt, and characters of each.
    static let excerptMessages = 6
    static let excerptCharacters = 700

    static func register(on router: inout Router, dashboard: Dashboard, store: IntentStore) {
        let queue = IntentLabelQueue(pool: dashboard.context.pool)
        let data = IntentPageData(pool: dashboard.context.pool)

        router.page(get: "/intents/label", minimum: .reviewer, in: dashboard) { page in
            let scope = IntentLabelQueue.Scope(page.request.query["intent"])
            let cursor = IntentLabelQueue.Cursor(page.request.query["after"])
            var item = try await queue.next(projectID: page.projectID, scope: scope, after: cursor)
            var wrapped = false
            if item == nil, cursor != nil {
                item = try await queue.next(projectID: page.projectID, scope: scope, after: nil)
                wrapped = item != nil
            }
            let choices = try await data.choices(projectID: page.projectID)
            let progress = try await data.labelProgress(projectID: page.projectID, actor: page.user.email)
            let remaining = try await queue.remaining(projectID: page.projectID, scope: scope)
            let names = Dictionary(uniqueKeysWithValues: choices.map { ($0.id, $0.name) })
            let done = progress.conversations - progress.unlabelled
            var values: [String: Any] = [
                "progress": [
                    "today": Format.number(progress.todayByActor), "todayAll": Format.number(progress.today),
                    "remaining": Format.number(remaining), "total": Format.number(progress.total),
                    "percent": progress.conversations > 0 ? done * 100 / progress.conversations : 0,
                    "share": Format.percent(done, of: progress.conversations),
                ] as [String: Any],
                "hasIntents": !choices.isEmpty,
                "wrapped": wrapped,
                "scopes": scopeOptions(choices, selected: scope),
                "isFiltered": scope != .all,
            ]
            if let scopeValue = scope.queryValue { values["scopeValue"] = scopeValue }
            guard let item else { return try page.render("intent-label", values) }
            let predicted = item.isClassified ? (item.predicted.flatMap { names[$0] } ?? "Unrecognized") : nil
            values["conversation"] = ConversationPages.present([
                "id": item.id, "externalID": item.externalID,
                "request": EmbeddingText.of(messages: item.messages.arrayValue ?? []),
                "started": Format.relative(item.startedAt), "startedTitle": Format.time(item.startedAt),
                "startedISO": Format.iso(item.startedAt), "model": item.model,
                "predicted": predicted, "isUnrecognized": item.isClassified && item.predicted == nil,
                "confidence": item.confidence.map(IntentPresenter.share),
                "confidencePercent": item.confidence.map { max(0, min(100, Int(($0 * 100).rounded()))) },
                "cursor": item.cursor.text,
            ])
            let excerpt = excerpt(item.messages)
            values["messages"] = excerpt.messages
            if excerpt.more > 0 { values["moreMessages"] = "\(excerpt.more) more message\(excerpt.more == 1 ? "" : "s")" }
            values["choices"] = choices.enumerated().map { index, choice in
                ConversationPages.present([
                    "id": choice.id, "name": choice.name, "description": choice.description,
                    "key": index < 9 ? String(index + 1) : nil,
                    "checked": item.isClassified && item.predicted == choice.id,
                    "isPredicted": item.predicted == choice.id,
                ])
            }
            values["outOfScopeChecked"] = item.isClassified && item.predicted == nil
            values["skipURL"] = url(after: item.cursor, scope: scope)
            return try page.render("intent-label", values)
        }

        router.page(post: "/intents/label", minimum: .reviewer, in: dashboard) { page in
            let scope = IntentLabelQueue.Scope(page.form["scope"])
            guard let id = Int(page.form["conversation"] ?? ""), id > 0,
                  let cursor = try await queue.cursor(of: id, projectID: page.projectID) else {
                throw WebError.notFound("conversation")
            }
            let next = url(after: cursor, scope: scope)
            if page.form["action"] == "skip" { return try await page.redirect(to: next) }
            let choice = page.form["intent"] ?? ""
            let intent: Int?
            var name = "out of scope"
            if choice == "none" {
                intent = nil
            } else if let chosen = Int(choice), let found = try await data.choices(projectID: page.projectID)
                .first(where: { $0.id == chosen }) {
                intent = chosen
                name = "“\(found.name)”"
            } else {
                return try await page.redirect(to: url(at: cursor, scope: scope), flash: .init(
                    "error", "Choose an intent (or out of scope) before saving, or skip this conversation."))
            }
            let stored = try await store.storeLabels(projectID: page.projectID, conversations: [id], intents: [intent],
                                                     actor: page.user.email, source: "dashboard")
            guard stored == 1 else { throw WebError.notFound("conversation") }
            let retraining = try await IntentRoutes.retrainIfDue(projectID: page.projectID, pool: page.pool)
            return try await page.redirect(to: next, flash: .init(
                "success", "Labelled as \(name)." + (retraining != nil ? " Enough new labels: a retraining was queued." : "")))
        }
    }

    /// The queue from just after `cursor`.
    static func url(after cursor: IntentLabelQueue.Cursor, scope: IntentLabelQueue.Scope) -> String {
        "/intents/label?after=\(cursor.text)" + (scope.queryValue.map { "&intent=\($0)" } ?? "")
    }

    /// The queue at `cursor` itself (to show the same conversation again).
    static func url(at cursor: IntentLabelQueue.Cursor, scope: IntentLabelQueue.Scope) -> String {
        let before = IntentLabelQueue.Cursor(key: cursor.key, id: cursor.id - 1)
        return url(after: before, scope: scope)
    }

    /// The scope menu: everything, the unrecognized, then each intent.
    static func scopeOptions(_ choices: [(id: Int, name: String, description: String)],
                             selected: IntentLabelQueue.Scope) -> [[String: Any]] {
        [["value": "", "title": "All unlabelled conversations", "selected": selected == .all],
         ["value": "none", "title": "Unrecognized by the model", "selected": selected == .unrecognized]]
            + choices.map { ["value": String($0.id), "title": "Predicted: \($0.name)", "selected": selected == .intent($0.id)] }
    }

    /// The first messages after the system prompt, each cut to `excerptCharacters`, and how many were left out.
    static func excerpt(_ messages: JSONValue) -> (messages: [[String: Any]], more: Int) {
        let shown = Transcript.messages(messages).filter { !($0["isSystem"] as? Bool ?? false) }
        let kept = shown.prefix(excerptMessages).map { message -> [String: Any] in
            var message = message
            let text = message["text"] as? String ?? ""
            if text.count > excerptCharacters { message["text"] = String(text.prefix(excerptCharacters)) + " …" }
            return message
        }
        return (Array(kept), shown.count - kept.count)
    }
}
