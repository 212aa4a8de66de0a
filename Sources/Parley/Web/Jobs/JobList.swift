import Foundation
import Postgres

/// The jobs of a project as the jobs page shows them: queued and running ones first, then the most recent.
struct JobList: Sendable {
    let pool: PostgresPool

    struct Item: Sendable, Encodable {
        var id: Int
        var kind: String
        var status: String
        var progress: Int
        var message: String
        var attempts: Int
        var maxAttempts: Int
        var error: String?
        var cancelRequested: Bool
        var createdAt: Date
        var startedAt: Date?
        var finishedAt: Date?
        var reason: String?

        var isActive: Bool { status == "queued" || status == "running" }

        enum CodingKeys: String, CodingKey {
            case id, kind, status, progress, message, attempts, maxAttempts = "max_attempts", error
            case cancelRequested = "cancel_requested"
        }
    }

    /// Every queued or running job of the project, then the latest others, up to `limit` in all.
    func items(projectID: Int, limit: Int = 60) async throws -> [Item] {
        try await pool.query("""
            (SELECT id, kind, status, progress, progress_message, attempts, max_attempts, error, cancel_requested,
                    created_at, started_at, finished_at, payload->>'reason'
             FROM jobs WHERE project_id = \(projectID) AND status IN ('queued', 'running') ORDER BY id DESC LIMIT \(limit))
            UNION ALL
            (SELECT id, kind, status, progress, progress_message, attempts, max_attempts, error, cancel_requested,
                    created_at, started_at, finished_at, payload->>'reason'
             FROM jobs WHERE project_id = \(projectID) AND status NOT IN ('queued', 'running') ORDER BY id DESC LIMIT \(limit))
            """).prefix(limit).map { row in
            let (id, kind, status, progress, message, attempts, maxAttempts) =
                try row.decode((Int, String, String, Int, String, Int, Int).self)
            let error = try row.decode(7, as: String?.self)
            let cancel = try row.decode(8, as: Bool.self)
            let (created, started, finished, reason) = (try row.decode(9, as: Date.self), try row.decode(10, as: Date?.self),
                                                        try row.decode(11, as: Date?.self), try row.decode(12, as: String?.self))
            return Item(id: id, kind: kind, status: status, progress: progress, message: message, attempts: attempts,
                        maxAttempts: maxAttempts, error: error, cancelRequested: cancel, createdAt: created,
                        startedAt: started, finishedAt: finished, reason: reason)
        }
    }

    /// Jobs per status over the last day (running and queued ones whatever their age).
    func counts(projectID: Int) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try await pool.query("""
            SELECT status, count(*) FROM jobs
            WHERE project_id = \(projectID) AND (status IN ('queued', 'running') OR created_at > now() - interval '24 hours')
            GROUP BY status
            """) {
            let (status, count) = try row.decode((String, Int).self)
            counts[status] = count
        }
        return counts
    }

    /// What a job kind is called on the page.
    static func title(_ kind: String) -> String {
        switch kind {
        case "cluster": "Clustering run"
        case "embed": "Embedding"
        case "search_index": "Search indexing"
        case "import": "Import"
        default: kind.replacingOccurrences(of: "_", with: " ").capitalized
        }
    }

    /// `4.2 s`, `3 min 5 s`, `1 h 12 min`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.1f s", max(0, seconds)) }
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole) s" }
        if whole < 3_600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3_600) h \((whole % 3_600) / 60) min"
    }
}
