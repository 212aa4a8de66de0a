import Foundation
import HTTPServer

/// The Triage pages: `/triage` (the queue: status tabs, filters, keyset pages, today's progress, take next, bulk
/// actions) and `/triage/{id}` (one item: the transcript with the flags' spans marked, and every control).
///
/// Viewers read both; reviewers and admins act through the forms of `TriageActions`, which work without
/// JavaScript. `Public/triage.js` adds keyboard shortcuts (j/k, Enter, a, r, d, 1–5, x, ?) on top of the same
/// forms. Every query is scoped to the page's project: another project's item is a 404.
enum TriagePages {
    static func register(on router: inout Router, dashboard: Dashboard) {
        let store = TriageStore(pool: dashboard.context.pool)
        let reviews = TriageReviews(pool: dashboard.context.pool)

        router.page(get: "/triage", minimum: .viewer, in: dashboard) { page in
            let query = TriageQuery(page.request.query)
            let values = try await TriageQueueView.values(page: page, query: query, store: store, reviews: reviews)
            return try page.render("triage", values)
        }

        router.page(get: "/triage/:id", minimum: .viewer, in: dashboard) { page in
            let id = try itemID(page)
            guard let item = try await store.detail(projectID: page.projectID, itemID: id, viewer: actor(page)) else {
                throw WebError.notFound("triage item")
            }
            let query = TriageQuery(page.request.query)
            let values = try await TriageItemView.values(item, page: page, query: query, store: store, reviews: reviews)
            return try page.render("triage-item", values)
        }

        TriageActions.register(on: &router, dashboard: dashboard, store: store, reviews: reviews)
    }

    /// The signed-in user as the triage tables record people (migrations/0009).
    static func actor(_ page: Page) -> String { "user:\(page.user.id)" }

    static func itemID(_ page: Page) throws -> Int {
        guard let id = Int(page.request.parameters["id"] ?? ""), id > 0 else { throw WebError.notFound("triage item") }
        return id
    }
}
