import Foundation
import Insights
import Postgres

/// The background jobs of version comparison and drift detection, and their schedule.
///
/// The `drift` job runs once a day per project (and on demand: `POST /api/v1/drift/run`, or the button on
/// Compare → Drift); see `DriftJob`.
enum VersionJobs {
    static func handlers(configuration: Configuration) -> [any JobHandler] { [DriftJob()] }

    /// How often the schedule looks for projects whose daily drift run is due.
    static let scheduleInterval: Duration = .seconds(600)

    /// Starts whatever runs on a schedule in a process with workers (nil if nothing does).
    ///
    /// Several processes may run it at once: each queues a project's run with the singleton key
    /// `drift:<project>:<day>` only when no drift job of that project was created today, so a day's run is
    /// queued once however many processes tick.
    static func startSchedule(context: AppContext) -> Task<Void, Never>? {
        Task {
            // A short pause first, so a starting service finishes its own catch-up work.
            try? await Task.sleep(for: .seconds(30))
            while !Task.isCancelled {
                do {
                    try await enqueueDue(pool: context.pool)
                } catch {
                    context.logger.warning("could not queue the daily drift runs", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: scheduleInterval)
            }
        }
    }

    /// Queues today's drift run of every project with conversations in the last day that has none yet.
    static func enqueueDue(pool: PostgresPool, now: Date = Date()) async throws {
        let today = DriftFinding.iso(now)
        let due = try await pool.query("""
            SELECT p.id FROM projects p
            WHERE EXISTS (SELECT 1 FROM conversations c WHERE c.project_id = p.id AND c.started_at >= \(now) - interval '1 day')
              AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.project_id = p.id AND j.kind = 'drift'
                              AND j.created_at >= (\(today)::date)::timestamp AT TIME ZONE 'UTC')
            """).map { try $0.decode(0, as: Int.self) }
        let queue = JobQueue(pool: pool)
        for projectID in due {
            try await queue.enqueue(kind: "drift", projectID: projectID,
                                    payload: ["reason": "daily"], singletonKey: "drift:\(projectID):\(today)")
        }
    }

    /// Queues a drift run of a project now; nil when one is already queued or running.
    static func enqueue(projectID: Int, reason: String, on queue: JobQueue) async throws -> Int? {
        try await queue.enqueue(kind: "drift", projectID: projectID, payload: ["reason": .string(reason)],
                                singletonKey: "drift:\(projectID)")
    }
}

/// The `drift` job: for each model with conversations in the last `days` whole UTC days (60, not counting today),
/// looks for change points in the daily answer length, refusal rate, flag rate and intent mix
/// (`ChangePointDetector`), stores each new one as an alert and flags its first affected conversations.
struct DriftJob: JobHandler {
    let kind = "drift"
    var days = 60
    /// Conversations read per model and day for lengths and refusals.
    var samplePerDay = 150
    /// A model needs this many conversations in the window to be watched.
    var minimumConversations = 100
    var detector = ChangePointDetector()

    func run(_ job: Job, context: JobContext) async throws {
        guard let projectID = job.projectID else { return }
        let days = min(max(job.payload["days"]?.intValue ?? days, 14), 365)
        let today = Int(floor(Date().timeIntervalSince1970 / 86_400))
        let firstDay = today - days
        let since = Date(timeIntervalSince1970: Double(firstDay) * 86_400)
        let until = Date(timeIntervalSince1970: Double(today) * 86_400)
        let models = try await context.pool.query("""
            SELECT model FROM conversations
            WHERE project_id = \(projectID) AND started_at >= \(since) AND started_at < \(until) AND model IS NOT NULL
            GROUP BY model HAVING count(*) >= \(minimumConversations) ORDER BY count(*) DESC LIMIT 50
            """).map { try $0.decode(0, as: String.self) }
        let alerts = DriftAlerts(pool: context.pool)
        var created = 0
        for (index, model) in models.enumerated() {
            try Task.checkCancellation()
            try await context.report(progress: index * 100 / max(models.count, 1),
                                     message: "watching \(model) (\(index + 1) of \(models.count))")
            let series = try await DriftSeries.load(projectID: projectID, model: model, firstDay: firstDay, days: days,
                                                    samplePerDay: samplePerDay, pool: context.pool)
            let detector = detector
            let findings = try await offThread { DriftFinding.detect(series, detector: detector) }
            created += try await alerts.store(findings, series: series, projectID: projectID).count
        }
        try await context.report(progress: 100, message: "\(models.count) models watched, \(created) new alerts")
    }
}
