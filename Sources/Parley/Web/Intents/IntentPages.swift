import Foundation
import HTTPServer

/// The Intents pages: `/intents` (taxonomy, share of conversations, model versions and the reviewer's forms),
/// `/intents/{id}` (one intent: examples, 30-day series, conversations predicted), `/intents/confusion` (human
/// labels against the active model's predictions) and `/intents/label` (the labelling screen, `IntentLabelPage`).
enum IntentPages {
    /// Days of the taxonomy table's sparklines.
    static let sparkDays = 14

    static func register(on router: inout Router, dashboard: Dashboard) {
        let store = IntentStore(pool: dashboard.context.pool)
        let data = IntentPageData(pool: dashboard.context.pool)

        router.page(get: "/intents", minimum: .viewer, in: dashboard) { page in
            let list = try JSONParser.parse(try await store.list(projectID: page.projectID))
            let intents = list["intents"]?.arrayValue ?? []
            let models = try await data.models(projectID: page.projectID)
            let days = try await data.dailyCounts(projectID: page.projectID, days: sparkDays)
            let progress = try await data.labelProgress(projectID: page.projectID, actor: page.user.email)
            let zeros = [Int](repeating: 0, count: sparkDays)
            let classified = list["classified"]?.intValue ?? 0
            let unrecognized = list["unrecognized"]?.intValue ?? 0
            let largest = intents.compactMap { $0["share"]?.doubleValue }.max() ?? 0
            var values = trainingValues(try await data.latestTrainJob(projectID: page.projectID), models: models)
            values["rows"] = intents.map { intent in
                IntentPresenter.row(intent, days: days[intent["id"]?.intValue] ?? zeros, largestShare: largest)
            }
            values["isEmpty"] = intents.isEmpty
            values["unrecognized"] = [
                "count": Format.number(unrecognized),
                "share": classified > 0 ? IntentPresenter.share(Double(unrecognized) / Double(classified)) : "–",
                "barPercent": classified > 0 && largest > 0
                    ? min(100, Int((Double(unrecognized) / Double(classified) / max(largest, 0.0001) * 100).rounded())) : 0,
                "sparkHtml": SVGChart.sparkline((days[nil] ?? zeros).map(Double.init),
                                                title: "Unrecognized conversations per day", width: 120, height: 28),
            ] as [String: Any]
            values["hasClassified"] = classified > 0
            values["models"] = models.map(IntentPresenter.model)
            values["hasModels"] = !models.isEmpty
            let active = models.first { $0.active }
            let examples = intents.reduce(0) { $0 + ($1["examples"]?.intValue ?? 0) }
            values["figures"] = [
                ["label": "Intents", "value": Format.number(intents.count),
                 "note": "\(Format.number(examples)) example\(examples == 1 ? "" : "s") in all"],
                ["label": "Conversations classified", "value": Format.number(classified),
                 "note": classified > 0
                    ? "\(IntentPresenter.share(Double(unrecognized) / Double(classified))) unrecognized"
                    : (active == nil ? "no active model yet" : "waiting for new conversations")],
                ["label": "Active model", "value": active.map { "v\($0.version)" } ?? "–",
                 "note": active.map { model in
                     let shown = IntentPresenter.model(model)
                     return "\(shown["kindTitle"] ?? "")" + ((shown["isMeasured"] as? Bool ?? false)
                        ? " · \(shown["accuracy"] ?? "–") accuracy · macro-F1 \(shown["macroF1"] ?? "–")"
                        : " · not measured on held-out labels yet")
                 } ?? "train one from the examples"],
                ["label": "Human labels", "value": Format.number(progress.total),
                 "note": "\(Format.number(progress.today)) today · \(Format.number(progress.unlabelled)) conversations unlabelled"],
            ]
            if let active { values["active"] = IntentPresenter.model(active) }
            return try page.render("intents", values)
        }

        router.page(get: "/intents/confusion", minimum: .viewer, in: dashboard) { page in
            let models = try await data.models(projectID: page.projectID)
            let active = models.first { $0.active }
            let unseen = page.request.query["labels"] == "new" && active != nil
            let cells = try await data.confusion(projectID: page.projectID, modelID: active?.id,
                                                 since: unseen ? active?.createdAt : nil)
            let matrix = IntentPresenter.confusion(cells, names: try await data.intentNames(projectID: page.projectID))
            var values: [String: Any] = [
                "rows": matrix.rows, "columns": matrix.columns, "top": matrix.top,
                "hasCells": matrix.total > 0, "hasTop": !matrix.top.isEmpty, "rowCount": Format.number(matrix.rows.count),
                "total": Format.number(matrix.total),
                "agreement": matrix.total > 0 ? IntentPresenter.share(Double(matrix.agreeing) / Double(matrix.total)) : "–",
                "unseen": unseen,
                "wide": matrix.columns.count > 24,
            ]
            if let active {
                values["active"] = IntentPresenter.model(active)
                values["since"] = Format.time(active.createdAt)
            }
            return try page.render("intent-confusion", values)
        }

        router.page(get: "/intents/:id", minimum: .viewer, in: dashboard) { page in
            let id = try intentID(page)
            guard let text = try await store.detail(projectID: page.projectID, intentID: id) else {
                throw WebError.notFound("intent")
            }
            let detail = try JSONParser.parse(text)
            // Viewers see examples and requests with personal data replaced by placeholders, as on cluster pages.
            let redactor = page.role < .reviewer ? PIIRedactor() : nil
            let clean: (String) -> String = { redactor?.redact($0) ?? $0 }
            let daily = detail["daily"]?.arrayValue ?? []
            let series = daily.map { SVGChart.Point(ClusterPresenter.dayLabel($0["day"]?.stringValue ?? ""),
                                                    $0["conversations"]?.doubleValue ?? 0) }
            let predicted = try await data.predicted(projectID: page.projectID, intentID: id)
            let examples = detail["examples"]?.arrayValue ?? []
            let list = try JSONParser.parse(try await store.list(projectID: page.projectID))
            let summary = list["intents"]?.arrayValue?.first { $0["id"]?.intValue == id }
            let last30 = series.reduce(0) { $0 + $1.value }
            var intent: [String: Any] = [
                "id": id, "name": detail["name"]?.stringValue ?? "", "description": detail["description"]?.stringValue ?? "",
                "source": detail["source"]?.stringValue ?? "manual",
                "conversations": Format.number(detail["conversations"]?.intValue ?? 0),
                "labels": Format.number(detail["labels"]?.intValue ?? 0),
                "share": IntentPresenter.share(summary?["share"]?.doubleValue ?? 0),
                "last7d": Format.number(summary?["last_7_days"]?.intValue ?? 0),
                "last30": Format.number(last30),
                "exampleCount": Format.number(examples.count),
            ]
            if let cluster = detail["cluster_id"]?.intValue { intent["clusterID"] = cluster }
            let values: [String: Any] = [
                "intent": intent,
                "chartHtml": SVGChart.bars(series, title: "Conversations predicted as this intent per day, last 30 days",
                                           height: 180, labelEvery: 5, unit: "conversations"),
                "examples": examples.map { example in
                    ConversationPages.present([
                        "id": example["id"]?.intValue ?? 0, "text": clean(example["text"]?.stringValue ?? ""),
                        "conversationID": example["conversation_id"]?.intValue,
                    ])
                },
                "hasExamples": !examples.isEmpty,
                "predicted": predicted.map { item -> [String: Any] in
                    var row: [String: Any] = [
                        "id": item.id, "externalID": item.externalID,
                        "request": item.request.isEmpty ? "(no user message)" : clean(item.request),
                        "confidence": IntentPresenter.share(item.confidence),
                        "confidencePercent": max(0, min(100, Int((item.confidence * 100).rounded()))),
                        "started": Format.relative(item.startedAt), "startedTitle": Format.time(item.startedAt),
                        "startedISO": Format.iso(item.startedAt),
                    ]
                    if let label = item.label {
                        row["labelled"] = true
                        row["labelName"] = label ?? "out of scope"
                        row["labelAgrees"] = label == (detail["name"]?.stringValue)
                    }
                    return row
                },
                "hasPredicted": !predicted.isEmpty,
            ]
            return try page.render("intent", values)
        }

        IntentActions.register(on: &router, dashboard: dashboard, store: store)
        IntentLabelPage.register(on: &router, dashboard: dashboard, store: store)
    }

    /// The `:id` of an intent path; 404 when it is not a positive number.
    static func intentID(_ page: Page) throws -> Int {
        guard let id = Int(page.request.parameters["id"] ?? ""), id > 0 else { throw WebError.notFound("intent") }
        return id
    }

    /// The training card: a job under way (followed live by app.js), or the last one's failure.
    static func trainingValues(_ job: ClusterPageData.RunJob?, models: [IntentPageData.ModelVersion]) -> [String: Any] {
        var values: [String: Any] = [:]
        guard let job else { return values }
        if job.isActive {
            values["activeTraining"] = ConversationPages.present([
                "id": job.id, "status": job.status, "progress": job.progress, "queued": job.status == "queued",
                "message": job.message.isEmpty ? (job.status == "queued" ? "waiting for a worker" : "starting") : job.message,
            ])
        } else if job.status == "dead" || job.status == "cancelled",
                  (job.finishedAt ?? job.createdAt) > (models.first?.createdAt ?? .distantPast) {
            values["failedTraining"] = ConversationPages.present([
                "id": job.id, "cancelled": job.status == "cancelled", "error": job.error,
            ])
        } else if job.status == "succeeded", !job.message.isEmpty {
            values["lastTraining"] = ["message": job.message, "when": Format.relative(job.finishedAt ?? job.createdAt)]
        }
        return values
    }
}
