import Foundation
import HTTPServer

/// `/jobs`: running and recent background jobs with their progress; `/jobs.json`, the same for the page's script
/// (session-authenticated, polled every 2 s while something runs); `POST /jobs/{id}/cancel` (reviewers).
enum JobPages {
    static func register(on router: inout Router, dashboard: Dashboard) {
        let list = JobList(pool: dashboard.context.pool)

        router.page(get: "/jobs", minimum: .viewer, in: dashboard) { page in
            let items = try await list.items(projectID: page.projectID)
            let counts = try await list.counts(projectID: page.projectID)
            let now = Date()
            let active = items.filter(\.isActive)
            let recent = items.filter { !$0.isActive }
            let values: [String: Any] = [
                "active": active.map { row($0, now: now) },
                "recent": recent.map { row($0, now: now) },
                "hasActive": !active.isEmpty,
                "hasRecent": !recent.isEmpty,
                "summary": [("Running", "running"), ("Queued", "queued"), ("Succeeded, 24 h", "succeeded"),
                            ("Failed, 24 h", "dead"), ("Cancelled, 24 h", "cancelled")].map { label, status in
                    let count = counts[status, default: 0]
                    return ["label": label, "value": Format.number(count), "kind": status, "nonzero": count > 0] as [String: Any]
                },
            ]
            return try page.render("jobs", values)
        }

        router.page(get: "/jobs.json", minimum: .viewer, in: dashboard) { page in
            let items = try await list.items(projectID: page.projectID)
            var response = try Response.json(Snapshot(active: items.filter(\.isActive).count, jobs: items))
            response.headers.add(name: "Cache-Control", value: "no-store")
            return response
        }

        router.page(post: "/jobs/:id/cancel", minimum: .reviewer, in: dashboard) { page in
            guard let id = Int(page.request.parameters["id"] ?? "") else { throw WebError.notFound("job") }
            let cancelled = try await JobQueue(pool: page.pool).cancel(jobID: id, projectID: page.projectID)
            return try await page.redirect(to: "/jobs", flash: cancelled
                ? .init("success", "Job #\(id) cancelled. A running job stops at its next heartbeat, within seconds.")
                : .init("error", "Job #\(id) is no longer queued or running, so there is nothing to cancel."))
        }
    }

    struct Snapshot: Encodable {
        var active: Int
        var jobs: [JobList.Item]
    }

    static func row(_ item: JobList.Item, now: Date) -> [String: Any] {
        var values: [String: Any] = [
            "id": item.id, "kind": item.kind, "title": JobList.title(item.kind), "status": item.status,
            "statusTitle": statusTitle(item), "progress": item.progress, "isActive": item.isActive,
            "running": item.status == "running", "attempts": item.attempts, "maxAttempts": item.maxAttempts,
            "retried": item.attempts > 1, "created": Format.relative(item.createdAt, now: now),
            "createdTitle": Format.time(item.createdAt), "createdISO": Format.iso(item.createdAt),
            "cancelRequested": item.cancelRequested && item.isActive,
        ]
        if !item.message.isEmpty { values["message"] = item.message }
        if let reason = item.reason, !reason.isEmpty { values["reason"] = reason }
        // An error is shown for failed and cancelled jobs, and for a queued job about to retry after one.
        if let error = item.error, !error.isEmpty, item.status != "succeeded" { values["error"] = error }
        if let started = item.startedAt {
            values["duration"] = JobList.duration((item.finishedAt ?? now).timeIntervalSince(started))
        }
        if let finished = item.finishedAt {
            values["finished"] = Format.relative(finished, now: now)
            values["finishedTitle"] = Format.time(finished)
        }
        return values
    }

    static func statusTitle(_ item: JobList.Item) -> String {
        switch item.status {
        case "queued": item.attempts > 0 ? "retrying" : "queued"
        case "running": item.cancelRequested ? "cancelling" : "running"
        case "succeeded": "succeeded"
        case "dead": "failed"
        case "cancelled": "cancelled"
        default: item.status
        }
    }
}
