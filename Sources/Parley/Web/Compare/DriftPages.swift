import Foundation
import HTTPServer

/// `/compare/drift`: drift alerts (open first), each with its evidence chart, the first affected conversations and,
/// for reviewers, an acknowledge button; reviewers can also start a run.
enum DriftPages {
    static let pageSize = 20

    static func register(on router: inout Router, dashboard: Dashboard) {
        router.page(get: "/compare/drift", minimum: .viewer, in: dashboard) { page in
            let alerts = DriftAlerts(pool: page.pool)
            let status = ["open", "acknowledged"].contains(page.request.query["status"] ?? "") ? page.request.query["status"] : nil
            let before = page.request.query["before"].flatMap(Int.init)
            let list = try await alerts.list(projectID: page.projectID, status: status, before: before, limit: pageSize + 1)
            let shown = Array(list.prefix(pageSize))
            let job = try await page.pool.query("""
                SELECT id, status, progress, progress_message, finished_at FROM jobs
                WHERE project_id = \(page.projectID) AND kind = 'drift' ORDER BY id DESC LIMIT 1
                """).first.map { try $0.decode((Int, String, Int, String, Date?).self) }
            let open = try await page.pool.query("""
                SELECT count(*) FROM drift_alerts WHERE project_id = \(page.projectID) AND status = 'open'
                """).first?.decode(0, as: Int.self) ?? 0
            var values: [String: Any] = [
                "alerts": shown.map(alertValues),
                "isEmpty": shown.isEmpty,
                "openCount": open,
                "tabs": [("", "All"), ("open", "Open"), ("acknowledged", "Acknowledged")].map { value, title in
                    ["title": title, "url": "/compare/drift" + (value.isEmpty ? "" : "?status=\(value)"),
                     "active": (status ?? "") == value] as [String: Any]
                },
                "filtered": status != nil,
            ]
            if list.count > pageSize, let last = shown.last {
                values["nextURL"] = "/compare/drift?" + (status.map { "status=\($0)&" } ?? "") + "before=\(last.id)"
            }
            if let job {
                let active = job.1 == "queued" || job.1 == "running"
                values["job"] = ["id": job.0, "active": active, "queued": job.1 == "queued", "progress": job.2,
                                 "message": job.3.isEmpty ? (job.1 == "queued" ? "waiting for a worker" : job.1) : job.3,
                                 "finished": job.4.map { Format.relative($0) } ?? "", "hasFinished": job.4 != nil && !active,
                                 "status": job.1] as [String: Any]
            }
            return try page.render("compare-drift", values)
        }

        router.page(post: "/compare/drift/run", minimum: .reviewer, in: dashboard) { page in
            let queued = try await VersionJobs.enqueue(projectID: page.projectID,
                                                       reason: "started from the dashboard by \(page.user.email)",
                                                       on: JobQueue(pool: page.pool))
            return try await page.redirect(to: "/compare/drift", flash: queued == nil
                ? .init("info", "Drift detection is already running; this page shows its progress.")
                : .init("success", "Drift detection queued. New alerts appear here and on the overview."))
        }

        router.page(post: "/compare/drift/:id/acknowledge", minimum: .reviewer, in: dashboard) { page in
            guard let id = Int(page.request.parameters["id"] ?? ""), id > 0 else { throw WebError.notFound("drift alert") }
            guard try await DriftAlerts(pool: page.pool).acknowledge(projectID: page.projectID, id: id,
                                                                     actor: "user:\(page.user.id)") else {
                throw WebError.notFound("drift alert")
            }
            let back = page.form["back"].flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") ? $0 : nil } ?? "/compare/drift"
            return try await page.redirect(to: back, flash: .init("success", "Alert acknowledged."))
        }
    }

    static func alertValues(_ alert: DriftAlerts.Alert) -> [String: Any] {
        let points = alert.evidence["series"]?.arrayValue ?? []
        let isoDays = points.map { $0["day"]?.stringValue ?? "" }
        let labels = isoDays.map { ConversationFilter.day($0).map(Format.day) ?? $0 }
        let series = points.map { point -> Double? in
            guard let text = point["value"], case .number(let number) = text else { return nil }
            return Double(number)
        }
        let change = isoDays.firstIndex(of: DriftFinding.iso(alert.day))
        let metric = alert.metric
        let format: @Sendable (Double) -> String = { value in
            metric == .responseLength ? Format.number(value.rounded()) : DriftMetric.percent(value)
        }
        let title = alert.metric == .intentMix
            ? "Share of \(alert.evidence["intents"]?.arrayValue?.first?["name"]?.stringValue ?? "the intent that moved most")"
            : alert.metric.title
        let dayBefore = Date(timeIntervalSince1970: alert.day.timeIntervalSince1970 - 86_400)
        let model = ConversationFilter.encode(alert.model)
        return [
            "id": alert.id, "model": alert.model, "metric": alert.metric.title, "metricKey": alert.metric.rawValue,
            "summary": alert.summary, "day": Format.day(alert.day), "dayISO": DriftFinding.iso(alert.day),
            "direction": alert.direction, "before": alert.metric.format(alert.beforeValue),
            "after": alert.metric.format(alert.afterValue), "beforeCount": Format.number(alert.beforeCount),
            "afterCount": Format.number(alert.afterCount), "p": DriftFinding.pValue(alert.pValue),
            "isOpen": alert.status == "open", "status": alert.status,
            "acknowledged": alert.acknowledgedAt.map { Format.relative($0) } ?? "",
            "created": Format.relative(alert.createdAt),
            "chartHtml": CompareCharts.drift(days: labels, values: series, changeIndex: change, before: alert.beforeValue,
                                             after: alert.afterValue, title: "\(title), \(alert.model), per day",
                                             format: format),
            "chartTitle": title,
            "flagged": alert.flaggedConversations.map { ["id": $0] },
            "hasFlagged": !alert.flaggedConversations.isEmpty,
            "intents": (alert.evidence["intents"]?.arrayValue ?? []).map { item -> [String: Any] in
                let before = item["before"].flatMap { if case .number(let n) = $0 { Double(n) } else { nil } } ?? 0
                let after = item["after"].flatMap { if case .number(let n) = $0 { Double(n) } else { nil } } ?? 0
                return ["name": item["name"]?.stringValue ?? "", "before": DriftMetric.percent(before),
                        "after": DriftMetric.percent(after)]
            },
            "compareURL": "/compare?a.model=\(model)&a.to=\(DriftFinding.iso(dayBefore))&b.model=\(model)&b.from=\(DriftFinding.iso(alert.day))",
        ]
    }
}
