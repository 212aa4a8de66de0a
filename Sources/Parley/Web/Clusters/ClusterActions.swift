import Foundation
import HTTPServer

/// The forms of the clusters pages (reviewers and admins): start a run, rename, pin, merge, split, promote to an
/// intent; and the fine-tuning export of one cluster for signed-in users (the `/api` exports need an API key).
///
/// Each answers with a redirect and a flash message; a refused edit (too few members to split, a cluster that
/// is gone) is a flash error on the page, never an error page.
enum ClusterActions {
    static func register(on router: inout Router, dashboard: Dashboard) {
        let context = dashboard.context
        let edits = ClusterEdits(pool: context.pool, assignments: context.clusterAssignments)

        router.page(post: "/clusters/runs", minimum: .reviewer, in: dashboard) { page in
            var clusters: Int?
            let text = (page.form["clusters"] ?? "").trimmingCharacters(in: .whitespaces)
            if !text.isEmpty {
                guard let n = Int(text), (2...5_000).contains(n) else {
                    return try await page.redirect(to: "/clusters", flash: .init(
                        "error", "The number of clusters must be a whole number from 2 to 5,000, or empty for automatic."))
                }
                clusters = n
            }
            let queued = try await ClusterRunJob.enqueue(
                projectID: page.projectID, clusters: clusters, reason: "started from the dashboard by \(page.user.email)",
                on: JobQueue(pool: page.pool))
            guard queued != nil else {
                return try await page.redirect(to: "/clusters", flash: .init(
                    "info", "A clustering run is already under way; its progress is shown below."))
            }
            return try await page.redirect(to: "/clusters", flash: .init(
                "success", "Clustering run queued" + (clusters.map { " with \($0) clusters" } ?? "")
                    + ". The page shows its progress; names and history carry over to the new clusters."))
        }

        router.page(post: "/clusters/:id/rename", minimum: .reviewer, in: dashboard) { page in
            let id = try clusterID(page)
            let name = (page.form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard name.unicodeScalars.count <= 200 else {
                return try await page.redirect(to: "/clusters/\(id)", flash: .init("error", "Names are at most 200 characters."))
            }
            return try await edit(page, id) {
                try await edits.update(projectID: page.projectID, clusterID: id, name: .some(name.isEmpty ? nil : name),
                                       pinned: nil, actor: page.user.email)
                return name.isEmpty ? "The cluster is back to its automatic name." : "Renamed to “\(name)”."
            }
        }

        router.page(post: "/clusters/:id/pin", minimum: .reviewer, in: dashboard) { page in
            let id = try clusterID(page)
            let pinned = ["1", "true", "on"].contains(page.form["pinned"] ?? "")
            return try await edit(page, id) {
                try await edits.update(projectID: page.projectID, clusterID: id, name: nil, pinned: pinned,
                                       actor: page.user.email)
                return pinned ? "Pinned: the name and identity are kept through later runs." : "Unpinned."
            }
        }

        router.page(post: "/clusters/:id/merge", minimum: .reviewer, in: dashboard) { page in
            let id = try clusterID(page)
            let others = page.form.values(for: "other").compactMap { Int($0) }
            guard !others.isEmpty else {
                return try await page.redirect(to: "/clusters/\(id)", flash: .init("error", "Choose a cluster to merge into this one."))
            }
            return try await edit(page, id) {
                try await edits.merge(projectID: page.projectID, into: id, others: others, actor: page.user.email)
                return "Merged " + others.map { "#\($0)" }.joined(separator: ", ") + " into this cluster."
            }
        }

        router.page(post: "/clusters/:id/promote", minimum: .reviewer, in: dashboard) { page in
            let id = try clusterID(page)
            let name = (page.form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard name.unicodeScalars.count <= 200 else {
                return try await page.redirect(to: "/clusters/\(id)", flash: .init("error", "Names are at most 200 characters."))
            }
            let intent: Int
            do {
                intent = try await IntentRoutes.promote(projectID: page.projectID, clusterID: id,
                                                        name: name.isEmpty ? nil : name,
                                                        store: IntentStore(pool: page.pool), pool: page.pool)
            } catch let problem as Problem where problem.status == .notFound {
                throw WebError.notFound("cluster")
            } catch let problem as Problem where problem.status == .conflict {
                return try await page.redirect(to: "/clusters/\(id)", flash: .init(
                    "error", (problem.detail ?? "That intent exists already.") + " Choose another name."))
            }
            return try await page.redirect(to: "/intents/\(intent)", flash: .init(
                "success", "Promoted cluster #\(id) to an intent: its representative conversations are the examples. "
                    + "Train the intents to recognise it."))
        }

        // Viewers may export what they may see: the cluster's size is checked as for its page.
        router.page(get: "/clusters/:id/export.jsonl", minimum: .viewer, in: dashboard) { page in
            let id = try clusterID(page)
            guard let size = try await page.pool.query("""
                SELECT size FROM clusters WHERE project_id = \(page.projectID) AND id = \(id) AND status = 'active' AND level = 0
                """).first?.decode(0, as: Int.self), page.maySeeCluster(size: size) else { throw WebError.notFound("cluster") }
            var filter = ExportFilter()
            filter.clusters = [id]
            return ExportRoutes.fineTune(ExportPager(pool: page.pool, projectID: page.projectID, filter: filter),
                                         filename: "cluster-\(id)-finetune.jsonl")
        }

        router.page(post: "/clusters/:id/split", minimum: .reviewer, in: dashboard) { page in
            let id = try clusterID(page)
            guard let parts = Int((page.form["parts"] ?? "").trimmingCharacters(in: .whitespaces)), (2...20).contains(parts) else {
                return try await page.redirect(to: "/clusters/\(id)", flash: .init("error", "Split into 2 to 20 parts."))
            }
            let model: String
            do {
                model = try await context.embedders.embedder().modelID
            } catch {
                context.logger.error("split: the embedding model could not be loaded", metadata: ["error": "\(error)"])
                return try await page.redirect(to: "/clusters/\(id)", flash: .init(
                    "error", "The embedding model could not be loaded, so the cluster cannot be split now."))
            }
            return try await edit(page, id) {
                let ids = try await edits.split(projectID: page.projectID, clusterID: id, parts: parts, model: model,
                                                actor: page.user.email)
                return "Split into \(ids.count) clusters: this one and " + ids.dropFirst().map { "#\($0)" }.joined(separator: ", ") + "."
            }
        }
    }

    private static func clusterID(_ page: Page) throws -> Int {
        guard let id = Int(page.request.parameters["id"] ?? ""), id > 0 else { throw WebError.notFound("cluster") }
        return id
    }

    /// Runs an edit and redirects to the cluster with its message, or with the reason it was refused.
    private static func edit(_ page: Page, _ id: Int, _ body: () async throws -> String) async throws -> Response {
        do {
            let message = try await body()
            return try await page.redirect(to: "/clusters/\(id)", flash: .init("success", message))
        } catch let error as ClusterEdits.EditError {
            switch error {
            case .notFound(let missing) where missing == id:
                return try await page.redirect(to: "/clusters", flash: .init(
                    "error", "Cluster #\(id) no longer exists: a run or a merge replaced it."))
            case .notFound(let missing):
                return try await page.redirect(to: "/clusters/\(id)", flash: .init(
                    "error", "Cluster #\(missing) no longer exists; reload the page and choose again."))
            case .notACluster(let other):
                return try await page.redirect(to: "/clusters/\(id)", flash: .init(
                    "error", "#\(other) is a group of clusters: merge and split work on single clusters."))
            case .invalid(let message):
                return try await page.redirect(to: "/clusters/\(id)", flash: .init(
                    "error", "Cannot do that: " + message + "."))
            }
        }
    }
}
