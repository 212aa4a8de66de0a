import Foundation
import HTTPServer

/// `/clusters` (the map, the hierarchy and a sortable table, with the run button) and `/clusters/{id}` (one
/// cluster: trend, breakdowns, examples, members, history, and the forms that curate it).
///
/// Viewers see only clusters of at least `PARLEY_VIEWER_MIN_CLUSTER_SIZE` conversations: smaller ones are left
/// out of the tree, the map and the table, and their pages answer 404.
enum ClusterPages {
    /// Days of the table's sparklines.
    static let sparkDays = 14
    /// Members per page of a cluster.
    static let memberPageSize = 25

    /// Rows of the clusters table before "show all".
    static let tableRows = 100

    static func register(on router: inout Router, dashboard: Dashboard) {
        let queries = ClusterQueries(pool: dashboard.context.pool)
        let data = ClusterPageData(pool: dashboard.context.pool)

        router.page(get: "/clusters", minimum: .viewer, in: dashboard) { page in
            let tree = try await queries.tree(projectID: page.projectID, minimumSize: minimumSize(for: page))
            let job = try await data.latestRunJob(projectID: page.projectID)
            var values = runValues(tree.run, job: job, page: page)
            guard !tree.clusters.isEmpty else {
                let counts = try await data.embeddedCount(projectID: page.projectID)
                let settings = page.context.configuration.clusters
                values["isEmpty"] = true
                values["empty"] = [
                    "hiddenForViewer": tree.run != nil && tree.assigned > 0,
                    "viewerMinimum": page.dashboard.settings.viewerMinimumClusterSize,
                    "automatic": settings.automatic,
                    "threshold": Format.number(settings.minimumConversations),
                    "embedded": Format.number(counts.embedded),
                    "total": Format.number(counts.total),
                    "progress": min(100, counts.embedded * 100 / max(1, settings.minimumConversations)),
                ] as [String: Any]
                return try page.render("clusters", values)
            }

            let leaves = ClusterPresenter.leaves(of: tree.clusters)
            let sort = ClusterPresenter.sort(query: (page.request.query["sort"], page.request.query["order"]))
            let days = try await data.dailyCounts(projectID: page.projectID, days: sparkDays)
            let zeros = [Int](repeating: 0, count: sparkDays)
            let largest = leaves.map(\.node.size).max() ?? 0
            // The table shows the first `tableRows` in the chosen order (a page of hundreds of rows with a sparkline
            // each is slow to render and to read); "show all" lists every one.
            let showAll = page.request.query["all"] == "1"
            let shown = ClusterPresenter.sorted(leaves, by: sort.key, descending: sort.descending)
                .prefix(showAll ? leaves.count : tableRows)
            values["rows"] = shown.map { ClusterPresenter.row($0, days: days[$0.node.id] ?? zeros, largest: largest) }
            values["sort"] = ClusterPresenter.sortLinks(current: sort.key, descending: sort.descending, all: showAll)
            if shown.count < leaves.count {
                values["moreRows"] = [
                    "shown": tableRows, "total": Format.number(leaves.count),
                    "url": "/clusters?sort=\(sort.key.rawValue)&order=\(sort.descending ? "desc" : "asc")&all=1#table",
                ] as [String: Any]
            }
            values["hierarchyHtml"] = ClusterPresenter.hierarchy(tree.clusters)
            values["mapHtml"] = try await map(leaves, page: page)
            values["groups"] = tree.clusters.enumerated().prefix(ClusterMap.palette).map { index, root in
                ["name": root.name, "group": index, "id": root.id] as [String: Any]
            }
            let rising = leaves.filter { $0.node.trend == "rising" || $0.node.trend == "new" }
            values["figures"] = [
                ["label": "Clusters", "value": Format.number(leaves.count),
                 "note": tree.clusters.count == leaves.count ? "no groups above them"
                    : "in \(tree.clusters.count) top-level groups"],
                ["label": "Conversations clustered", "value": Format.number(tree.assigned),
                 "note": tree.unassigned > 0 ? "\(Format.number(tree.unassigned)) too far from every cluster"
                    : "every embedded conversation has a cluster"],
                ["label": "Rising or new", "value": Format.number(rising.count),
                 "note": rising.max { $0.node.last7d < $1.node.last7d }.map { "fastest: \($0.node.name)" } ?? "none this week"],
                ["label": "Largest cluster", "value": leaves.max { $0.node.size < $1.node.size }.map { ClusterPresenter.percent($0.node.share) } ?? "–",
                 "note": leaves.max { $0.node.size < $1.node.size }?.node.name ?? ""],
            ]
            return try page.render("clusters", values)
        }

        router.page(get: "/clusters/:id", minimum: .viewer, in: dashboard) { page in
            guard let id = Int(page.request.parameters["id"] ?? ""), id > 0 else { throw WebError.notFound("cluster") }
            // A cursor that does not parse starts from the first page rather than failing.
            let cursor = page.request.query["after"].flatMap(ClusterQueries.Cursor.init)
            let tree = try await queries.tree(projectID: page.projectID)
            guard let detail = try await queries.detail(projectID: page.projectID, clusterID: id, limit: memberPageSize,
                                                        cursor: cursor, tree: tree),
                  page.maySeeCluster(size: detail.cluster.size) else { throw WebError.notFound("cluster") }
            var values = ClusterDetailView.values(detail, page: page, paged: cursor != nil)
            if page.role >= .reviewer, detail.cluster.level == 0 {
                let choices = ClusterDetailView.mergeChoices(for: detail.cluster, leaves: ClusterPresenter.leaves(of: tree.clusters))
                values["mergeChoices"] = choices
                values["hasMergeChoices"] = !choices.isEmpty
            }
            if detail.cluster.level == 0 {
                values["use"] = try await useValues(detail.cluster, page: page, name: values["cluster"])
            }
            return try page.render("cluster", values)
        }

        ClusterActions.register(on: &router, dashboard: dashboard)
    }

    /// The "Use this cluster" card and the export menu of a leaf: promotion to an intent (with the intents already
    /// promoted from it), a replay, and the exports filtered to the cluster.
    static func useValues(_ node: ClusterQueries.Node, page: Page, name cluster: Any?) async throws -> [String: Any] {
        // The name as the page shows it (redacted for viewers).
        let shown = (cluster as? [String: Any])?["name"] as? String ?? node.name
        let promoted = try await IntentPageData(pool: page.pool).intents(fromCluster: node.id, projectID: page.projectID)
        return [
            "intentName": node.name.prefix(scalars: 200),
            "replayName": "Cluster \(shown)".prefix(scalars: 200),
            "promoted": promoted.map { ["id": $0.id, "name": $0.name] as [String: Any] },
            "isPromoted": !promoted.isEmpty,
            "exportURL": "/clusters/\(node.id)/export.jsonl",
            "apiExports": ["finetune.jsonl", "dpo.jsonl", "conversations.csv"].map { "/api/v1/exports/\($0)?cluster=\(node.id)" },
        ]
    }

    /// The smallest cluster this user may see (0 for reviewers and admins).
    static func minimumSize(for page: Page) -> Int {
        page.maySeeCluster(size: 0) ? 0 : page.dashboard.settings.viewerMinimumClusterSize
    }

    /// The run card and banner: the latest completed run, a run under way, or the last run's failure.
    static func runValues(_ run: ClusterQueries.RunSummary?, job: ClusterPageData.RunJob?, page: Page) -> [String: Any] {
        var values: [String: Any] = [:]
        if let run {
            values["lastRun"] = [
                "when": Format.relative(run.finishedAt), "whenTitle": Format.time(run.finishedAt),
                "whenISO": Format.iso(run.finishedAt),
                "clusters": Format.number(run.clusters), "conversations": Format.number(run.conversations),
                "outliers": Format.number(run.outliers), "model": run.model,
                "seconds": run.seconds < 10 ? String(format: "%.1f s", run.seconds) : "\(Int(run.seconds.rounded())) s",
            ] as [String: Any]
        }
        if let job, job.isActive {
            values["activeRun"] = ConversationPages.present([
                "id": job.id, "status": job.status, "progress": job.progress,
                "message": job.message.isEmpty ? (job.status == "queued" ? "waiting for a worker" : "starting") : job.message,
                "queued": job.status == "queued", "error": job.error,
            ])
        } else if let job, job.status == "dead" || job.status == "cancelled",
                  (job.finishedAt ?? job.createdAt) > (run?.finishedAt ?? .distantPast) {
            values["failedRun"] = ConversationPages.present([
                "id": job.id, "cancelled": job.status == "cancelled", "error": job.error,
                "when": Format.relative(job.finishedAt ?? job.createdAt),
            ])
        }
        return values
    }

    /// The map: bubbles of the visible leaves that have a position, dots of their sampled conversations.
    static func map(_ leaves: [ClusterPresenter.Leaf], page: Page) async throws -> HTML {
        let placed = leaves.filter { $0.node.x != nil && $0.node.y != nil }
        let groups = Dictionary(uniqueKeysWithValues: placed.map { ($0.node.id, $0.group) })
        let dots = try await ClusterMap.dots(pool: page.pool, projectID: page.projectID).compactMap { dot in
            groups[dot.cluster].map { ClusterMap.Dot(group: $0, x: dot.x, y: dot.y) }
        }
        let bubbles = placed.map { leaf in
            ClusterMap.Bubble(id: leaf.node.id, name: leaf.node.name, size: leaf.node.size,
                              share: ClusterPresenter.percent(leaf.node.share), group: leaf.group,
                              groupName: leaf.groupName, x: Double(leaf.node.x ?? 0), y: Double(leaf.node.y ?? 0))
        }
        return ClusterMap.svg(bubbles: bubbles, dots: dots)
    }
}
