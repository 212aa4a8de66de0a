import Foundation
import HTTPServer
import Postgres

/// `/compare`: two sides (models, prompt versions, time ranges or any conversation filter) side by side, with
/// significance tests; `/compare/drift`: the drift alerts with their evidence, acknowledge and run buttons.
enum ComparePages {
    static func register(on router: inout Router, dashboard: Dashboard) {
        let queries = ComparisonQueries(pool: dashboard.context.pool)

        router.page(get: "/compare", minimum: .viewer, in: dashboard) { page in
            let query = page.request.query
            let a = ComparisonSide.parse(query, prefix: "a"), b = ComparisonSide.parse(query, prefix: "b")
            let browser = ConversationBrowser(pool: page.pool)
            let models = try await browser.distinctValues(of: "model", projectID: page.projectID)
            let prompts = try await browser.distinctValues(of: "prompt_version", projectID: page.projectID)
            var values: [String: Any] = [
                "pickers": [picker("a", "A", a.side, models: models, prompts: prompts),
                            picker("b", "B", b.side, models: models, prompts: prompts)],
                "suggestions": try await suggestions(page: page),
            ]
            let open = try await page.pool.query("""
                SELECT count(*) FROM drift_alerts WHERE project_id = \(page.projectID) AND status = 'open'
                """).first?.decode(0, as: Int.self) ?? 0
            values["openAlerts"] = Format.number(open)
            values["hasOpenAlerts"] = open > 0
            let chosen = query.pairs.contains { $0.name.hasPrefix("a.") || $0.name.hasPrefix("b.") }
            let errors = a.errors + b.errors
            if !errors.isEmpty {
                values["errors"] = errors.map { ["field": $0.path, "message": $0.message] }
            } else if chosen && a.side == b.side {
                values["errors"] = [["field": "B", "message": "is the same as A: change one of them"]]
            } else if chosen {
                let comparison = try await queries.compare(projectID: page.projectID, a: a.side, b: b.side)
                var hidden: Set<Int> = []
                if !page.maySeeCluster(size: 0) {
                    let ids = Array(Set(comparison.dataA.clusters.keys).union(comparison.dataB.clusters.keys))
                    let sizes = try await queries.clusterSizes(projectID: page.projectID, ids: ids)
                    hidden = Set(sizes.filter { !page.maySeeCluster(size: $0.value) }.keys)
                }
                values["result"] = CompareView.values(comparison, hiddenClusters: hidden)
            }
            values["hasResult"] = values["result"] != nil
            values["hasErrors"] = values["errors"] != nil
            return try page.render("compare", values)
        }

        DriftPages.register(on: &router, dashboard: dashboard)
    }

    /// The form of one side: model and prompt pickers from the values seen, dates, and the other filters.
    static func picker(_ prefix: String, _ name: String, _ side: ComparisonSide, models: [String],
                       prompts: [String]) -> [String: Any] {
        let filter = side.filter
        return [
            "prefix": prefix, "name": name,
            "models": models.map { ["value": $0, "selected": $0 == filter.model] as [String: Any] },
            "prompts": prompts.map { ["value": $0, "selected": $0 == filter.promptVersion] as [String: Any] },
            "from": filter.from, "to": filter.to, "q": filter.search, "meta": filter.metadata,
            "feedback": ConversationFilter.feedbackChoices.map { ["value": $0.0, "title": $0.1, "selected": $0.0 == filter.feedback] as [String: Any] },
            "flag": filter.flag, "intent": filter.intent, "cluster": filter.cluster,
            "moreOpen": !(filter.search.isEmpty && filter.metadata.isEmpty && filter.feedback.isEmpty && filter.flag.isEmpty
                          && filter.intent.isEmpty && filter.cluster.isEmpty),
        ]
    }

    /// Ready-made comparisons: the two busiest models and prompt versions of the last 60 days (the one seen first
    /// as A), and the last seven days against the seven before.
    static func suggestions(page: Page) async throws -> [[String: Any]] {
        var suggestions: [[String: Any]] = []
        for (column, parameter, noun) in [("model", "model", "models"), ("prompt_version", "prompt", "prompt versions")] {
            // From the daily rollup (migration 0015): the first day each was seen decides which is A.
            let rows = try await page.pool.query("""
                SELECT \(identifier: column), min(day) FROM conversation_daily_stats
                WHERE project_id = \(page.projectID) AND day >= current_date - 60 AND \(identifier: column) IS NOT NULL
                  AND conversations > 0
                GROUP BY 1 ORDER BY sum(conversations) DESC, 1 LIMIT 2
                """).map { try $0.decode((String, Date).self) }
            guard rows.count == 2 else { continue }
            let ordered = rows.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            suggestions.append([
                "title": "\(ordered[0].0) → \(ordered[1].0)", "note": "the two busiest \(noun)",
                "url": "/compare?a.\(parameter)=\(ConversationFilter.encode(ordered[0].0))&b.\(parameter)=\(ConversationFilter.encode(ordered[1].0))",
            ])
        }
        let today = floor(Date().timeIntervalSince1970 / 86_400) * 86_400
        func day(_ offset: Int) -> String { DriftFinding.iso(Date(timeIntervalSince1970: today + Double(offset) * 86_400)) }
        suggestions.append([
            "title": "Last 7 days → the 7 days before", "note": "every model and prompt",
            "url": "/compare?a.from=\(day(-13))&a.to=\(day(-7))&b.from=\(day(-6))&b.to=\(day(0))",
        ])
        return suggestions
    }
}
