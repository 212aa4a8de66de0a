import Foundation
import HTTPServer

/// The Replays pages: `/replays` (the sets, and the form that creates one), `/replays/{id}` (win rates with their
/// intervals, exports, results upload, items) and the downloads; the review queue is in `ReplayReviewPages`.
///
/// `POST /replays` takes the fields `name`, `cluster`, `q`, `model`, `prompt`, `feedback`, `from`, `to`, `limit` and
/// `sample`: other pages (a cluster, a filtered conversation list) post to it with the same names.
enum ReplayPages {
    /// Items per page of a set.
    static let itemPageSize = 50

    static func register(on router: inout Router, dashboard: Dashboard) {
        let store = ReplayStore(pool: dashboard.context.pool)
        let review = ReplayReview(pool: dashboard.context.pool)
        let results = ReplayResults(pool: dashboard.context.pool)

        router.page(get: "/replays", minimum: .viewer, in: dashboard) { page in
            let sets = try await store.list(projectID: page.projectID, limit: 200)
            let rates = try await review.winRates(setIDs: sets.map(\.id))
            var values: [String: Any] = [
                "rows": sets.map { ReplayPresenter.row($0, rates: rates[$0.id] ?? []) },
                "isEmpty": sets.isEmpty,
            ]
            if page.role >= .reviewer { values["form"] = try await formValues(page) }
            return try page.render("replays", values)
        }

        router.page(post: "/replays", minimum: .reviewer, in: dashboard) { page in
            let selection: ReplayStore.Selection
            switch ReplayStore.Selection.parse(page.form) {
            case .success(let parsed): selection = parsed
            case .failure(let problem):
                let reasons = problem.errors.map { "\($0.path) \($0.message)" }.joined(separator: "; ")
                return try await page.redirect(to: "/replays", flash: .init("error", "The replay set was not created: \(reasons)."))
            }
            do {
                let created = try await store.create(projectID: page.projectID, selection: selection, createdBy: page.user.email)
                let size = min(created.matched, selection.limit)
                return try await page.redirect(to: "/replays/\(created.id)", flash: .init(
                    "success", "Replay set created with \(Format.number(size)) conversation\(size == 1 ? "" : "s")"
                        + (created.matched > size ? " of \(Format.number(created.matched)) matching" : "")
                        + ". Export the inputs or upload results next."))
            } catch let error as ReplayStore.ReplayError {
                let message = switch error {
                case .clusterNotFound(let id): "Cluster #\(id) no longer exists: a run or a merge replaced it."
                case .noConversations: "No conversation matches these filters with a user turn followed by an answer. Widen the filters."
                case .setNotFound: "That replay set does not exist."
                }
                return try await page.redirect(to: "/replays", flash: .init("error", message))
            }
        }

        router.page(get: "/replays/:id", minimum: .viewer, in: dashboard) { page in
            let set = try await replaySet(page, store)
            let rates = try await review.winRates(setIDs: [set.id])[set.id] ?? []
            let after = max(0, page.request.query.get("after", as: Int.self) ?? 0)
            let items = try await store.items(setID: set.id, after: after, limit: itemPageSize + 1)
            let shown = Array(items.prefix(itemPageSize))
            let decided = rates.reduce(0) { $0 + $1.compared }
            let leader = ReplayPresenter.leader(rates)
            var values: [String: Any] = [
                "set": ConversationPages.present([
                    "id": set.id, "name": set.name, "description": set.description, "source": ReplayPresenter.source(set.source),
                    "createdBy": set.createdBy, "created": Format.relative(set.createdAt), "createdTitle": Format.time(set.createdAt),
                    "createdISO": Format.iso(set.createdAt), "size": Format.number(set.size),
                ]),
                "figures": [
                    ["label": "Conversations", "value": Format.number(set.size), "note": "frozen at the last user turn"],
                    ["label": "New answers", "value": Format.number(set.variants),
                     "note": set.labels.isEmpty ? "none yet: upload results below" : "\(set.labels.count) label\(set.labels.count == 1 ? "" : "s"): "
                        + set.labels.prefix(3).joined(separator: ", ") + (set.labels.count > 3 ? "…" : "")],
                    ["label": "Verdicts", "value": Format.number(decided),
                     "note": set.variants == 0 ? "waiting for answers to compare"
                        : "on \(Format.number(set.variants)) comparison\(set.variants == 1 ? "" : "s") of original and new answer"],
                    ["label": "Win rate", "value": leader.map { ReplayPresenter.percent($0.rate) } ?? "–",
                     "note": leader.map { "\($0.label) · 95% interval \(ReplayPresenter.interval($0))" } ?? "no verdicts yet"],
                ] as [[String: Any]],
                "rates": ReplayPresenter.rateRows(rates),
                "hasRates": !rates.isEmpty,
                "hasDecided": rates.contains { $0.rate != nil },
                "items": shown.map { item in
                    ConversationPages.present([
                        "key": item.key, "position": item.position, "conversationID": item.conversationID,
                        "externalID": item.externalID, "model": item.model, "preview": ReplayPresenter.preview(item.input),
                        "turns": item.input.filter { $0["role"]?.stringValue == "user" }.count,
                        "labels": item.labels.isEmpty ? nil : item.labels,
                    ])
                },
                "llmConfigured": page.context.configuration.llm.isConfigured,
                "llmModel": page.context.configuration.llm.model,
                "canReview": page.role >= .reviewer && set.variants > 0,
            ]
            if values["hasDecided"] as? Bool == true { values["chartHtml"] = ReplayPresenter.intervalChart(rates) }
            if items.count > itemPageSize, let last = shown.last { values["nextURL"] = "/replays/\(set.id)?after=\(last.position)#items" }
            if after > 0 { values["firstURL"] = "/replays/\(set.id)#items" }
            return try page.render("replay", values)
        }

        router.page(post: "/replays/:id/results", minimum: .reviewer, in: dashboard, bodyLimit: 64 << 20) { page in
            let set = try await replaySet(page, store)
            let back = "/replays/\(set.id)"
            var label = (page.form["label"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            var bytes = Array((page.form["results"] ?? "").utf8)
            for part in page.parts {
                switch part.name {
                case "label": label = String(decoding: part.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                case "file" where !part.body.isEmpty: bytes = part.body
                case "results" where bytes.isEmpty: bytes = part.body
                default: break
                }
            }
            guard !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
                return try await page.redirect(to: back, flash: .init("error", "Choose a results file (JSON or JSON Lines) to upload."))
            }
            let input = bytes
            let defaultLabel = label.isEmpty ? nil : label
            let parsed = try await offThread { ReplayResults.parse(input, label: defaultLabel) }
            do {
                guard parsed.errors.isEmpty else { throw ReplayResults.Rejection(errors: parsed.errors) }
                let outcome = try await results.store(parsed.entries, setID: set.id)
                var message = "\(Format.number(outcome.received)) result\(outcome.received == 1 ? "" : "s") read: "
                    + "\(Format.number(outcome.created)) new, \(Format.number(outcome.updated)) changed, "
                    + "\(Format.number(outcome.unchanged)) unchanged."
                if outcome.verdictsReset > 0 { message += " \(outcome.verdictsReset) verdicts on changed answers were dropped." }
                return try await page.redirect(to: back, flash: .init("success", message))
            } catch let rejection as ReplayResults.Rejection {
                let shown = rejection.errors.prefix(3).map { "\($0.path.isEmpty ? "" : $0.path + ": ")\($0.message)" }
                return try await page.redirect(to: back, flash: .init(
                    "error", "Nothing was stored: \(rejection.errors.count) invalid result\(rejection.errors.count == 1 ? "" : "s") — "
                        + shown.joined(separator: "; ") + (rejection.errors.count > 3 ? "; …" : ".")))
            }
        }

        router.page(post: "/replays/:id/run", minimum: .reviewer, in: dashboard) { page in
            let set = try await replaySet(page, store)
            let back = "/replays/\(set.id)"
            let settings = page.context.configuration.llm
            guard settings.isConfigured else {
                return try await page.redirect(to: back, flash: .init("error", "No LLM endpoint is configured (PARLEY_LLM_URL)."))
            }
            let modelField = (page.form["model"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let model = modelField.isEmpty ? settings.model : modelField
            let labelField = (page.form["label"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let label = labelField.isEmpty ? model : labelField
            guard label.unicodeScalars.count <= 100, model.unicodeScalars.count <= 200 else {
                return try await page.redirect(to: back, flash: .init("error", "Labels are at most 100 characters, models 200."))
            }
            let job = try await ReplayRunJob.enqueue(projectID: page.projectID, setID: set.id, label: label, model: model,
                                                     on: JobQueue(pool: page.pool))
            let flash = job == nil
                ? SessionStore.Flash("info", "A run labelled “\(label)” is already under way; see Jobs.")
                : SessionStore.Flash("success", "Replay queued: \(model) answers each input as “\(label)”. Follow it on the Jobs page.")
            return try await page.redirect(to: back, flash: flash)
        }

        router.page(get: "/replays/:id/inputs.jsonl", minimum: .viewer, in: dashboard) { page in
            let set = try await replaySet(page, store)
            return ReplayRoutes.download("replay-\(set.id)-inputs.jsonl") { writer in
                try await store.forEachInputPage(setID: set.id) { try await writer.write($0) }
            }
        }

        router.page(get: "/replays/:id/dpo.jsonl", minimum: .viewer, in: dashboard) { page in
            let set = try await replaySet(page, store)
            return ReplayRoutes.download("replay-\(set.id)-dpo.jsonl") { writer in
                try await review.forEachPreferencePage(setID: set.id) { try await writer.write($0) }
            }
        }

        ReplayReviewPages.register(on: &router, dashboard: dashboard)
    }

    /// The set named by the path, in the page's project, else a 404 page.
    static func replaySet(_ page: Page, _ store: ReplayStore) async throws -> ReplayStore.SetSummary {
        guard let id = Int(page.request.parameters["id"] ?? ""), id > 0,
              let set = try await store.set(id, projectID: page.projectID) else { throw WebError.notFound("replay set") }
        return set
    }

    /// The new-set form, prefilled from the query string (`/replays?cluster=4&model=…` from other pages).
    static func formValues(_ page: Page) async throws -> [String: Any] {
        let query = page.request.query
        let filter = ConversationFilter(query: query)
        let browser = ConversationBrowser(pool: page.pool)
        let selected = Int(query["cluster"] ?? "")
        let clusters = try await page.pool.query("""
            SELECT id, coalesce(custom_name, llm_name, auto_name), size, level FROM clusters
            WHERE project_id = \(page.projectID) AND status = 'active' ORDER BY level DESC, size DESC, id LIMIT 500
            """).map { row -> [String: Any] in
            let (id, name, size, level) = try row.decode((Int, String, Int, Int).self)
            return ["id": id, "name": (level > 0 ? "Group: " : "") + name, "size": Format.number(size), "selected": id == selected]
        }
        return [
            "q": filter.search, "from": filter.from, "to": filter.to, "name": query["name"] ?? "",
            "limit": Int(query["limit"] ?? "").map { String($0) } ?? String(ReplayStore.defaultSize),
            "maximum": ReplayStore.maximumSize,
            "models": ConversationPages.options(try await browser.distinctValues(of: "model", projectID: page.projectID),
                                                selected: filter.model),
            "prompts": ConversationPages.options(try await browser.distinctValues(of: "prompt_version", projectID: page.projectID),
                                                 selected: filter.promptVersion),
            "clusters": clusters,
            "hasClusters": !clusters.isEmpty,
            "sample": ["1", "true", "on"].contains(query["sample"] ?? ""),
            "open": query["cluster"] != nil || !filter.isEmpty,
        ]
    }
}
