import Foundation
import HTTPServer

/// The values of `/triage/{id}`: the transcript with the flags' spans marked, the flags, the controls (status,
/// assignee, priority, rating, labels, corrected answer), comments, history and the next item.
enum TriageItemView {
    static func values(_ item: JSONValue, page: Page, query: TriageQuery, store: TriageStore, reviews: TriageReviews)
        async throws -> [String: Any]
    {
        let me = TriagePages.actor(page)
        let id = item["id"]?.intValue ?? 0
        let status = item["status"]?.stringValue ?? "open"
        let severity = item["severity"]?.stringValue ?? "low"
        let conversation = item["conversation"]
        let comments = item["comments"]?.arrayValue ?? []
        let history = item["history"]?.arrayValue ?? []
        let review = item["review"]
        let assignee = item["assignee"]?.stringValue
        let assignables = try await store.assignables(projectID: page.projectID)
        var actors = [me] + comments.compactMap { $0["author"]?.stringValue } + history.compactMap { $0["actor"]?.stringValue }
        actors += (review?["ratings"]?.arrayValue ?? []).compactMap { $0["reviewer"]?.stringValue }
        if let assignee { actors.append(assignee) }
        var names = try await store.actorNames(projectID: page.projectID, actors: actors)
        for person in assignables { names[person.actor] = person.name }
        let rubric = try await reviews.rubric(projectID: page.projectID)
        let next = try await store.next(after: id, projectID: page.projectID, filter: try query.filter(me: me))

        let flags = item["flags"]?.arrayValue ?? []
        let messages = conversation?["messages"]?.arrayValue ?? []
        let spans = FlagHighlighter.spans(of: flags)
        let transcript = Transcript.messages(.array(messages)).enumerated().map { index, message -> [String: Any] in
            var message = message
            message["anchor"] = "message-\(index)"
            if let marks = spans[index], index < messages.count {
                message["textHtml"] = FlagHighlighter.highlight(ConversationInput.text(of: messages[index]), spans: marks)
                message["flagged"] = true
            }
            return message
        }
        let labels = (item["labels"]?.arrayValue ?? []).compactMap(\.stringValue)
        let base = query.url("/triage/\(id)")
        var values: [String: Any] = [
            "item": ConversationPages.present([
                "id": id, "status": status, "statusTitle": TriagePresenter.statusTitle(status),
                "severity": severity, "severityTitle": TriagePresenter.severityTitle(severity),
                "priority": item["priority"]?.intValue ?? 1,
                "isOpen": status == "open", "isInReview": status == "in_review",
                "isClosed": status == "resolved" || status == "dismissed",
                "resolution": item["resolution"]?.stringValue,
                "correctedAnswer": item["corrected_answer"]?.stringValue,
                "url": base,
            ]),
            "assignee": TriagePresenter.person(assignee, names: names, me: me),
            "isMine": assignee == me,
            "conversation": ConversationPages.present([
                "id": conversation?["parley_id"]?.intValue, "externalID": conversation?["id"]?.stringValue,
                "model": conversation?["model"]?.stringValue, "promptVersion": conversation?["prompt_version"]?.stringValue,
            ]),
            "messages": transcript,
            "flags": flagValues(flags),
            "labels": labels,
            "hasLabels": !labels.isEmpty,
            "comments": comments.map { comment -> [String: Any] in
                var values = TriagePresenter.person(comment["author"]?.stringValue, names: names, me: me)
                values["body"] = comment["body"]?.stringValue ?? ""
                if let time = TriagePresenter.time(comment["created_at"]) { values["time"] = time }
                return values
            },
            "history": history.prefix(20).map { entry -> [String: Any] in
                var values: [String: Any] = ["who": TriagePresenter.actorName(entry["actor"]?.stringValue, names: names),
                                             "what": TriagePresenter.action(entry["action"]?.stringValue ?? "")]
                if let time = TriagePresenter.time(entry["created_at"]) { values["time"] = time }
                return values
            },
            "review": reviewValues(review, rubric: rubric, names: names, me: me),
            "assignees": ([("none", "Unassigned")] + assignables.map { ($0.actor, $0.actor == me ? "Me (\($0.name))" : $0.name) })
                .map { ["value": $0.0, "title": $0.1, "selected": $0.0 == (assignee ?? "none")] as [String: Any] },
            "priorities": Severity.allCases.reversed().map { level -> [String: Any] in
                ["value": level.rank, "title": TriagePresenter.severityTitle(level.rawValue),
                 "selected": level.rank == (item["priority"]?.intValue ?? 1)]
            },
            "hidden": query.hiddenFields,
            "queueURL": query.url("/triage"),
            "returnURL": base,
        ]
        if let next { values["nextURL"] = query.url("/triage/\(next)") }
        if let started = TriagePresenter.time(conversation?["started_at"]) { values["started"] = started }
        if let created = TriagePresenter.time(item["created_at"]) { values["created"] = created }
        return values
    }

    /// Flags with their excerpts; each excerpt links to its message.
    static func flagValues(_ flags: [JSONValue]) -> [[String: Any]] {
        zip(flags, TriagePresenter.flags(.array(flags))).map { flag, base in
            var values = base
            var seen: Set<String> = []
            values["evidence"] = (flag["spans"]?.arrayValue ?? []).compactMap { span -> [String: Any]? in
                let excerpt = span["excerpt"]?.stringValue ?? ""
                let index = span["message_index"]?.intValue
                guard !excerpt.isEmpty, seen.insert("\(index ?? -1):\(excerpt)").inserted else { return nil }
                var entry: [String: Any] = ["excerpt": excerpt, "kind": (span["kind"]?.stringValue ?? "").replacingOccurrences(of: "_", with: " ")]
                if let index { entry["anchor"] = "message-\(index)"; entry["message"] = index + 1 }
                return entry
            }.prefix(5).map { $0 }
            return values
        }
    }

    /// The rating form (the caller's scores per rubric entry) and, once visible, everyone's.
    static func reviewValues(_ review: JSONValue?, rubric: [TriageReviews.RubricEntry], names: [String: String],
                             me: String) -> [String: Any] {
        let ratings = review?["ratings"]?.arrayValue ?? []
        let mine = ratings.first { $0["reviewer"]?.stringValue == me }?["scores"]
        let agreement = review?["agreement"]
        var values: [String: Any] = [
            "criteria": rubric.enumerated().map { index, entry -> [String: Any] in
                let score = mine?[entry.key]?.intValue
                var criterion: [String: Any] = [
                    "key": entry.key, "name": entry.name, "description": entry.description, "position": index,
                    "scores": (1...5).map { value -> [String: Any] in
                        ["value": value, "checked": score.map { $0 == value } ?? false, "key": entry.key]
                    },
                ]
                if let mean = agreement?[entry.key]?["mean"]?.doubleValue {
                    criterion["mean"] = String(format: "%.1f", mean)
                }
                return criterion
            },
            "votes": review?["votes"]?.intValue ?? 0,
            "required": review?["required"]?.intValue ?? 1,
            "requiredOne": (review?["required"]?.intValue ?? 1) == 1,
            "youVoted": review?["you_voted"] == .bool(true),
            "hidden": review?["hidden"] == .bool(true),
        ]
        values["others"] = ratings.filter { $0["reviewer"]?.stringValue != me }.map { rating -> [String: Any] in
            ["who": TriagePresenter.actorName(rating["reviewer"]?.stringValue, names: names),
             "scores": rubric.compactMap { entry in
                 rating["scores"]?[entry.key]?.intValue.map { ["name": entry.name, "score": $0] as [String: Any] }
             }]
        }
        return values
    }
}
