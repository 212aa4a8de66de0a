import Foundation
import HTTPServer
import Postgres

/// `/`: the project at a glance over the last 30 days.
enum OverviewPage {
    static let days = 30

    static func register(on router: inout Router, dashboard: Dashboard) {
        router.page(get: "/", minimum: .viewer, in: dashboard) { page in
            let now = Date()
            let stats = try await OverviewStatistics.load(pool: page.pool, projectID: page.projectID, days: days, now: now)
            let recent = try await ConversationBrowser(pool: page.pool)
                .list(projectID: page.projectID, filter: ConversationFilter(), limit: 6).rows
            let perDay = stats.days.map(\.conversations)
            let bars = SVGChart.bars(
                zip(stats.days, perDay).map { SVGChart.Point(Format.day($0.date), Double($1)) },
                title: "Conversations per day, last \(days) days", labelEvery: 5, unit: "conversations")
            let drift = try await driftValues(page: page)
            let rated = stats.thumbsUp + stats.thumbsDown
            let change: String = {
                guard stats.previousDay > 0 else { return stats.lastDay > 0 ? "new today" : "none yet" }
                let percent = Int((Double(stats.lastDay - stats.previousDay) * 100 / Double(stats.previousDay)).rounded())
                return (percent >= 0 ? "+" : "") + "\(percent)% vs the day before"
            }()
            let figures: [[String: Any]] = [
                ["label": "Conversations", "value": Format.number(stats.total30),
                 "note": "\(Format.number(stats.lastDay)) in the last 24 h, \(change)",
                 "sparkHtml": SVGChart.sparkline(perDay.map(Double.init), title: "Conversations per day")],
                ["label": "Negative feedback", "value": Format.percent(stats.thumbsDown, of: rated),
                 "note": "\(Format.number(stats.thumbsDown)) thumbs down of \(Format.number(rated)) rated",
                 "sparkHtml": SVGChart.sparkline(stats.days.map { Double($0.thumbsDown) }, title: "Thumbs down per day")],
                ["label": "Messages per conversation",
                 "value": stats.total30 > 0 ? Format.number(Double(stats.messages) / Double(stats.total30)) : "–",
                 "note": "\(Format.number(stats.messages)) messages in \(days) days",
                 "sparkHtml": SVGChart.sparkline(stats.days.map { $0.conversations > 0 ? Double($0.messages) / Double($0.conversations) : 0 },
                                                 title: "Messages per conversation per day")],
                ["label": "End users", "value": Format.number(stats.users),
                 "note": "distinct user ids in \(days) days",
                 "sparkHtml": SVGChart.sparkline(stats.days.map { Double($0.users) }, title: "Distinct users per day")],
            ]
            var values: [String: Any] = [
                "days": days,
                "isEmpty": stats.allTime == 0,
                "allTime": Format.number(stats.allTime),
                "figures": figures,
                "chartHtml": bars,
                "models": shares(stats.models, total: stats.total30),
                "prompts": shares(stats.prompts, total: stats.total30),
                "recent": recent.map(ConversationPages.row),
                "hasPending": !stats.pending.isEmpty,
                "pending": stats.pending.map { ["kind": $0.kind == "embed" ? "embedding" : "search indexing",
                                                "count": Format.number($0.count)] },
            ]
            for (key, value) in drift { values[key] = value }
            return try page.render("overview", values)
        }
    }

    /// The open drift alerts (issue 10): the newest three, and how many there are.
    static func driftValues(page: Page) async throws -> [String: Any] {
        let open = try await DriftAlerts(pool: page.pool).list(projectID: page.projectID, status: "open", limit: 4)
        guard !open.isEmpty else { return ["hasDrift": false] }
        var count = open.count
        if count > 3 {
            count = try await page.pool.query("""
                SELECT count(*) FROM drift_alerts WHERE project_id = \(page.projectID) AND status = 'open'
                """).first?.decode(0, as: Int.self) ?? count
        }
        return [
            "hasDrift": true, "driftCount": count, "driftPlural": count != 1,
            "driftAlerts": open.prefix(3).map { alert in
                ["id": alert.id, "metric": alert.metric.title, "model": alert.model, "summary": alert.summary,
                 "day": Format.day(alert.day)] as [String: Any]
            },
        ]
    }

    static func shares(_ rows: [(name: String, count: Int)], total: Int) -> [[String: Any]] {
        rows.map { row in
            ["name": row.name, "count": Format.number(row.count), "share": Format.percent(row.count, of: total),
             "percent": total > 0 ? Int((Double(row.count) * 100 / Double(total)).rounded()) : 0]
        }
    }
}

/// The figures of the overview over the last `days` days, from the daily rollups (a few rows per day).
struct OverviewStatistics: Sendable {
    struct Day: Sendable {
        var date: Date
        var conversations = 0
        var thumbsDown = 0
        var messages = 0
        var users = 0
    }

    var days: [Day]
    var allTime = 0
    var total30 = 0
    var lastDay = 0
    var previousDay = 0
    var thumbsUp = 0
    var thumbsDown = 0
    var messages = 0
    var users = 0
    var models: [(name: String, count: Int)] = []
    var prompts: [(name: String, count: Int)] = []
    var pending: [(kind: String, count: Int)] = []

    static func load(pool: PostgresPool, projectID: Int, days: Int, now: Date) async throws -> OverviewStatistics {
        // Whole UTC days: today and the days before it.
        let today = floor(now.timeIntervalSince1970 / 86_400) * 86_400
        let since = Date(timeIntervalSince1970: today - Double(days - 1) * 86_400)
        var stats = OverviewStatistics(days: (0..<days).map { Day(date: since.addingTimeInterval(Double($0) * 86_400)) })
        // Per day from the daily rollups (migration 0015); the last 24 hours from the conversations themselves.
        let first = Int(since.timeIntervalSince1970 / 86_400)
        let sinceDay: PostgresQuery = "(\(since)::timestamptz AT TIME ZONE 'UTC')::date"
        for row in try await pool.query("""
            SELECT s.day - DATE '1970-01-01', s.conversations, s.down, s.messages, coalesce(u.users, 0)
            FROM (SELECT day, sum(conversations)::int8 AS conversations, sum(thumbs_down)::int8 AS down,
                         sum(messages)::int8 AS messages
                  FROM conversation_daily_stats WHERE project_id = \(projectID) AND day >= \(sinceDay)
                  GROUP BY day) s
            LEFT JOIN (SELECT day, count(*) AS users FROM conversation_daily_users
                       WHERE project_id = \(projectID) AND day >= \(sinceDay) GROUP BY day) u
                   ON u.day = s.day
            """) {
            let (day, count, down, messages, users) = try row.decode((Int, Int, Int, Int, Int).self)
            let index = day - first
            guard stats.days.indices.contains(index) else { continue }
            stats.days[index].conversations = count
            stats.days[index].thumbsDown = down
            stats.days[index].messages = messages
            stats.days[index].users = users
        }
        if let row = try await pool.query("""
            SELECT coalesce(sum(conversations) FILTER (WHERE day >= \(sinceDay)), 0)::int8,
                   coalesce(sum(thumbs_up) FILTER (WHERE day >= \(sinceDay)), 0)::int8,
                   coalesce(sum(thumbs_down) FILTER (WHERE day >= \(sinceDay)), 0)::int8,
                   coalesce(sum(messages) FILTER (WHERE day >= \(sinceDay)), 0)::int8,
                   coalesce(sum(conversations), 0)::int8,
                   (SELECT count(DISTINCT end_user_id) FROM conversation_daily_users
                    WHERE project_id = \(projectID) AND day >= \(sinceDay)),
                   (SELECT count(*) FILTER (WHERE started_at >= \(now) - interval '1 day') FROM conversations
                    WHERE project_id = \(projectID) AND started_at >= \(now) - interval '2 days'),
                   (SELECT count(*) FILTER (WHERE started_at < \(now) - interval '1 day') FROM conversations
                    WHERE project_id = \(projectID) AND started_at >= \(now) - interval '2 days')
            FROM conversation_daily_stats WHERE project_id = \(projectID)
            """).first {
            (stats.total30, stats.thumbsUp, stats.thumbsDown, stats.messages, stats.allTime, stats.users, stats.lastDay,
             stats.previousDay) = try row.decode((Int, Int, Int, Int, Int, Int, Int, Int).self)
        }
        stats.models = try await top("model", pool: pool, projectID: projectID, since: since)
        stats.prompts = try await top("prompt_version", pool: pool, projectID: projectID, since: since)
        stats.pending = try await pool.query("""
            SELECT kind, count(*) FROM pending_work WHERE project_id = \(projectID) GROUP BY kind ORDER BY kind
            """).map { try $0.decode((String, Int).self) }
        return stats
    }

    private static func top(_ column: String, pool: PostgresPool, projectID: Int, since: Date) async throws
        -> [(name: String, count: Int)]
    {
        try await pool.query("""
            SELECT coalesce(\(identifier: column), '(none)'), sum(conversations)::int8 FROM conversation_daily_stats
            WHERE project_id = \(projectID) AND day >= (\(since) AT TIME ZONE 'UTC')::date
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 6
            """).map { try $0.decode((String, Int).self) }
    }
}
