import Foundation
import HTTPServer
import Postgres

/// What a dashboard page handler gets: the request, the signed-in user, their project and role, and the form.
///
/// Everything a page reads must be filtered by `projectID`: that is what keeps projects apart.
public struct Page: Sendable {
    public let request: Request
    public let session: SessionStore.Session
    /// The current project and the user's role in it.
    public let membership: AccountStore.Membership
    /// The fields of a submitted `application/x-www-form-urlencoded` form (empty for GET).
    public let form: QueryParameters
    /// The parts of a submitted `multipart/form-data` form (empty otherwise).
    public let parts: [MultipartPart]
    public let dashboard: Dashboard

    public var projectID: Int { membership.projectID }
    public var role: Role { membership.role }
    public var user: AccountStore.User { session.user }
    public var context: AppContext { dashboard.context }
    public var pool: PostgresPool { dashboard.context.pool }

    /// Throws 403 unless the user's role includes `minimum` (for actions stricter than their page).
    public func require(_ minimum: Role) throws {
        guard role.allows(minimum) else { throw WebError.forbidden(needs: minimum) }
    }

    /// Whether this user may see a cluster of `size` conversations (viewers only from a minimum size,
    /// `PARLEY_VIEWER_MIN_CLUSTER_SIZE`, so that no individual can be singled out).
    public func maySeeCluster(size: Int) -> Bool {
        role.maySeeCluster(size: size, viewerMinimum: dashboard.settings.viewerMinimumClusterSize)
    }

    /// Renders template `name` inside the layout with `data` plus the layout's own values.
    ///
    /// The layout reads `me`, `project`, `projects`, `csrf`, `flash`, `navigation` and `assets`; a page's
    /// `data` may add anything else (values are escaped; `HTML` values go in keys ending in `Html`).
    public func render(_ name: String, _ data: [String: Any] = [:], status: HTTPStatus = .ok) throws -> Response {
        var values = layoutValues()
        for (key, value) in data { values[key] = value }
        return Views.response(try dashboard.views.render(name, values), status: status)
    }

    /// A 303 redirect (after a successful POST), leaving `flash` for the next page.
    public func redirect(to location: String, flash: SessionStore.Flash? = nil) async throws -> Response {
        if let flash { try await dashboard.sessions.setFlash(sessionID: session.id, flash) }
        return Response.redirect(to: location)
    }

    /// The values every page's layout needs.
    func layoutValues() -> [String: Any] {
        let section = NavigationItem.section(of: request.path)
        let navigation: [[String: Any]] = NavigationItem.all.filter { role.allows($0.minimum) }.map { item in
            ["title": item.title, "path": item.path, "active": item.path == section?.path,
             "iconHtml": HTML(trusted: item.icon)]
        }
        var values: [String: Any] = [
            "me": ["name": user.shownName, "email": user.email, "initial": String(user.shownName.prefix(1)).uppercased()],
            "project": ["id": membership.projectID, "slug": membership.projectSlug, "name": membership.projectName],
            "role": role.rawValue,
            "isAdmin": role >= .admin,
            "isReviewer": role >= .reviewer,
            "csrf": session.csrfToken,
            "navigation": navigation,
            "assets": dashboard.assets.templateValues,
            "path": request.path,
        ]
        if session.memberships.count > 1 {
            values["hasManyProjects"] = true
            values["projects"] = session.memberships.map { other in
                ["id": other.projectID, "name": other.projectName, "role": other.role.rawValue,
                 "selected": other.projectID == membership.projectID] as [String: Any]
            }
        }
        if let flash = session.flash {
            values["flash"] = ["kind": ["success", "info", "error"].contains(flash.kind) ? flash.kind : "info",
                               "message": flash.message]
        }
        return values
    }
}
