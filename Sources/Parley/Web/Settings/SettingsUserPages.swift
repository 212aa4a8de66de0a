import Foundation
import HTTPServer

/// `/settings/users`: the project's members and their roles.
///
/// - `POST /settings/users`: adds a member, an existing account (by email) or a new one with an initial password;
/// - `POST /settings/users/{id}/role`: changes a member's role;
/// - `POST /settings/users/{id}/remove`: removes a member from this project (the account stays).
///
/// The last admin of a project can be neither demoted nor removed (`AccountStore.changeMembership`).
enum SettingsUserPages {
    static func register(on router: inout Router, dashboard: Dashboard) {
        let accounts = dashboard.accounts

        router.page(get: "/settings/users", minimum: .admin, in: dashboard) { page in
            let members = try await accounts.members(projectID: page.projectID)
            let admins = members.filter { $0.role == .admin }.count
            let now = Date()
            var values = SettingsPages.tabs("users")
            values["members"] = members.map { member -> [String: Any] in
                let isLastAdmin = member.role == .admin && admins == 1
                return ConversationPages.present([
                    "id": member.user.id, "email": member.user.email, "name": member.user.shownName,
                    "initial": String(member.user.shownName.prefix(1)).uppercased(),
                    "role": member.role.rawValue, "isMe": member.user.id == page.user.id,
                    "isLastAdmin": isLastAdmin, "disabled": member.disabled,
                    "since": Format.day(member.since),
                    "lastLogin": member.lastLogin.map { Format.relative($0, now: now) } ?? "never",
                    "lastLoginTitle": member.lastLogin.map(Format.time),
                    "roles": roleOptions(selected: member.role),
                ])
            }
            values["memberCount"] = Format.number(members.count)
            values["newRoles"] = roleOptions(selected: .viewer)
            values["roleHelp"] = Role.allCases.reversed().map { role in
                ["role": role.rawValue, "text": roleDescription(role)]
            }
            return try page.render("settings-users", values)
        }

        router.page(post: "/settings/users", minimum: .admin, in: dashboard) { page in
            let email = (page.form["email"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let name = page.form["display_name"] ?? ""
            let password = page.form["password"] ?? ""
            guard let role = Role(parsing: page.form["role"] ?? "") else {
                return try await back(page, "error", "Choose a role: viewer, reviewer or admin.")
            }
            do {
                let user: AccountStore.User
                var created = false
                if let existing = try await accounts.user(email: email) {
                    user = existing
                } else {
                    guard !password.isEmpty else {
                        return try await back(page, "error", "There is no account for \(email) yet: give an initial "
                            + "password (at least 8 characters) to create one.")
                    }
                    user = try await accounts.createUser(email: email, password: password, displayName: name)
                    created = true
                }
                let members = try await accounts.members(projectID: page.projectID)
                if let member = members.first(where: { $0.user.id == user.id }) {
                    return try await back(page, "info", "\(user.email) is already a member, as \(member.role). "
                        + "Change the role in the list.")
                }
                try await accounts.grant(userID: user.id, projectID: page.projectID, role: role)
                return try await back(page, "success", created
                    ? "Created \(user.email) and added them as \(role). Give them the password you chose; they can sign in now."
                    : "Added \(user.email) as \(role). They sign in with their existing password.")
            } catch let error as AccountError {
                return try await back(page, "error", sentence(error.message))
            }
        }

        router.page(post: "/settings/users/:id/role", minimum: .admin, in: dashboard) { page in
            let id = try userID(page)
            guard let role = Role(parsing: page.form["role"] ?? "") else {
                return try await back(page, "error", "Choose a role: viewer, reviewer or admin.")
            }
            return try await change(page, id, to: role)
        }

        router.page(post: "/settings/users/:id/remove", minimum: .admin, in: dashboard) { page in
            try await change(page, try userID(page), to: nil)
        }
    }

    /// Changes or removes a membership and says what happened (or why not).
    private static func change(_ page: Page, _ id: Int, to role: Role?) async throws -> Response {
        let accounts = page.dashboard.accounts
        let email = try await accounts.members(projectID: page.projectID).first { $0.user.id == id }?.user.email
        do {
            guard let email, try await accounts.changeMembership(userID: id, projectID: page.projectID, to: role) else {
                return try await back(page, "error", "That user is not a member of this project (any more).")
            }
            if id == page.user.id, role != .admin {
                // Their own admin rights are gone: the settings pages would answer 403.
                return try await page.redirect(to: "/", flash: .init(
                    "info", role == nil ? "You left the project." : "You are now \(role?.rawValue ?? "") in this project."))
            }
            return try await back(page, "success", role.map { "\(email) is now \($0)." }
                ?? "Removed \(email) from this project. Their account stays, with any other projects.")
        } catch let error as AccountError where error.isLastAdmin {
            return try await back(page, "error", "\(email ?? "This user") is the project's last admin. "
                + "Make someone else admin first, so the project keeps someone who can manage it.")
        }
    }

    private static func back(_ page: Page, _ kind: String, _ message: String) async throws -> Response {
        try await page.redirect(to: "/settings/users", flash: .init(kind, message))
    }

    private static func userID(_ page: Page) throws -> Int {
        guard let id = Int(page.request.parameters["id"] ?? ""), id > 0 else { throw WebError.notFound("user") }
        return id
    }

    static func roleOptions(selected: Role) -> [[String: Any]] {
        Role.allCases.map { ["value": $0.rawValue, "title": $0.rawValue.capitalized, "selected": $0 == selected] as [String: Any] }
    }

    static func roleDescription(_ role: Role) -> String {
        switch role {
        case .viewer: "reads every page; sees clusters only from the minimum size"
        case .reviewer: "also triages, labels, curates clusters and imports files"
        case .admin: "also manages settings, rules, users and API keys"
        }
    }

    private static func sentence(_ text: String) -> String {
        let first = text.prefix(1).uppercased() + text.dropFirst()
        return first.hasSuffix(".") ? first : first + "."
    }
}
