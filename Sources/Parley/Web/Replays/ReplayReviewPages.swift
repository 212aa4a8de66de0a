import Foundation
import HTTPServer

/// `/replays/{id}/review`: the pairwise queue. Each comparison (an item's original answer against one new answer)
/// is shown blind, the two answers as A and B on sides fixed per reviewer session but random
/// (`ReplayReview.variantSide`), so neither the page nor its source says which is which. The form posts the side
/// picked (`a`, `b`, `tie` or `skip`); the server maps it back with the same key. Keyboard shortcuts come from
/// `Public/replays.js`; without it the buttons are a plain form.
enum ReplayReviewPages {
    static func register(on router: inout Router, dashboard: Dashboard) {
        let store = ReplayStore(pool: dashboard.context.pool)
        let review = ReplayReview(pool: dashboard.context.pool)

        router.page(get: "/replays/:id/review", minimum: .reviewer, in: dashboard) { page in
            let set = try await ReplayPages.replaySet(page, store)
            let label = page.request.query["label"].flatMap { set.labels.contains($0) ? $0 : nil }
            let reviewer = page.user.email
            let progress = try await review.progress(setID: set.id, reviewer: reviewer, label: label)
            var values: [String: Any] = [
                "set": ["id": set.id, "name": set.name],
                "done": Format.number(progress.done), "total": Format.number(progress.total),
                "percent": progress.total > 0 ? progress.done * 100 / progress.total : 0,
                "label": label ?? "",
                "labels": set.labels.count > 1 ? set.labels.map { ["value": $0, "selected": $0 == label] as [String: Any] } : [],
                "hasLabels": set.labels.count > 1,
                "noAnswers": set.variants == 0,
            ]
            guard let pair = try await review.next(setID: set.id, reviewer: reviewer, label: label) else {
                values["finished"] = set.variants > 0
                return try page.render("replay-review", values)
            }
            let variantSide = ReplayReview.variantSide(variantID: pair.variantID, key: page.session.csrfToken)
            let lastUser = pair.input.lastIndex { $0["role"]?.stringValue == "user" } ?? max(0, pair.input.count - 1)
            let context = Array(pair.input[..<min(lastUser, pair.input.count)]).filter {
                let role = $0["role"]?.stringValue ?? ""
                return role != "system" && role != "developer"
            }
            let system = pair.input.first { ["system", "developer"].contains($0["role"]?.stringValue ?? "") }
            values["pair"] = ConversationPages.present([
                "variantID": pair.variantID, "itemKey": pair.itemKey, "position": pair.position,
                "system": system.map { ConversationInput.text(of: $0) },
                "context": context.isEmpty ? nil : ReplayPresenter.answer(context),
                "contextCount": context.count, "hasContext": !context.isEmpty,
                "question": pair.input.indices.contains(lastUser) ? ConversationInput.text(of: pair.input[lastUser]) : nil,
                "a": ReplayPresenter.answer(variantSide == "a" ? pair.variant : pair.original),
                "b": ReplayPresenter.answer(variantSide == "a" ? pair.original : pair.variant),
            ])
            return try page.render("replay-review", values)
        }

        router.page(post: "/replays/:id/review", minimum: .reviewer, in: dashboard) { page in
            let set = try await ReplayPages.replaySet(page, store)
            let label = (page.form["label"] ?? "").isEmpty ? nil : page.form["label"]
            let next = "/replays/\(set.id)/review" + (label.map { "?label=" + ConversationFilter.encode($0) } ?? "")
            guard let variantID = Int(page.form["variant"] ?? ""),
                  let choice = page.form["choice"], ["a", "b", "tie", "skip"].contains(choice) else {
                return try await page.redirect(to: next, flash: .init("error", "Choose A, B, tie or skip."))
            }
            let side = ReplayReview.variantSide(variantID: variantID, key: page.session.csrfToken)
            do {
                try await review.record(setID: set.id, variantID: variantID, reviewer: page.user.email, variantSide: side,
                                        choice: choice)
            } catch ReplayReview.ReviewError.variantNotFound {
                return try await page.redirect(to: next, flash: .init(
                    "error", "That answer is no longer in the set (new results replaced it); here is the next pair."))
            }
            let said = ["a": "A is better", "b": "B is better", "tie": "A tie", "skip": "Skipped"][choice] ?? choice
            return try await page.redirect(to: next, flash: .init("success", "\(said) — saved."))
        }
    }
}
