import ArgumentParser
import Foundation
import Parley

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage dashboard users.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a dashboard user with a role in a project (the project is created if missing).")

        @OptionGroup var common: CommonOptions
        @Option(help: "The user's email (their sign-in name; unique, any case).") var email: String
        @Option(help: "The password (visible in the process list and shell history: prefer --password-stdin).")
        var password: String?
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
        @Option(help: "Project slug (lowercase letters, digits and dashes).") var project: String
        @Option(help: "admin, reviewer or viewer.") var role: String
        @Option(help: "The name shown in the dashboard.") var name: String = ""
        @Flag(help: "When the email exists: set this role (and the password, if given) instead of failing.")
        var update = false

        func validate() throws {
            guard Role(parsing: role) != nil else { throw ValidationError("--role must be admin, reviewer or viewer (got \"\(role)\")") }
            if password != nil && passwordStdin { throw ValidationError("give either --password or --password-stdin, not both") }
            if password == nil && !passwordStdin && !update {
                throw ValidationError("a new user needs --password-stdin (or --password)")
            }
        }

        func run() async throws {
            let (configuration, logger) = try common.resolve()
            let role = Role(parsing: role) ?? .viewer
            var secret = password
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw ValidationError("no password on standard input")
                }
                secret = line
            }
            try await withDatabase(configuration, logger) { database in
                let accounts = AccountStore(pool: database.pool,
                                            hasher: PasswordHasher(iterations: configuration.web.passwordIterations))
                let projectID = try await ProjectStore(pool: database.pool).ensure(slug: project)
                do {
                    if let existing = try await accounts.user(email: email) {
                        guard update else {
                            throw ValidationError("a user with the email \(existing.email) exists; add --update to change their role or password")
                        }
                        if let secret { try await accounts.setPassword(userID: existing.id, password: secret) }
                        try await accounts.grant(userID: existing.id, projectID: projectID, role: role)
                        print("Updated \(existing.email): \(role) in project '\(project)'"
                              + (secret != nil ? ", new password (their sessions were ended)." : "."))
                    } else {
                        guard let secret else { throw ValidationError("a new user needs --password-stdin (or --password)") }
                        let user = try await accounts.createUser(email: email, password: secret, displayName: name)
                        try await accounts.grant(userID: user.id, projectID: projectID, role: role)
                        print("Created \(user.email) as \(role) in project '\(project)'.")
                    }
                } catch let error as AccountError {
                    throw ValidationError(error.message)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dashboard users and their roles.")

        @OptionGroup var common: CommonOptions
        @Option(help: "Only the members of this project.") var project: String?

        func run() async throws {
            let (configuration, logger) = try common.resolve()
            try await withDatabase(configuration, logger) { database in
                let projectID = try await existingProjectID(project, in: database)
                let users = try await AccountStore(pool: database.pool).list(projectID: projectID)
                print("id\temail\tname\troles")
                for (user, memberships) in users {
                    let roles = memberships.map { "\($0.projectSlug):\($0.role)" }.joined(separator: ", ")
                    print("\(user.id)\t\(user.email)\t\(user.displayName)\t\(roles.isEmpty ? "(no project)" : roles)")
                }
            }
        }
    }
}

/// The demo's dashboard login: `demo@parley.local` / `parley-demo`, an admin of project `demo`.
enum DemoLogin {
    static let email = "demo@parley.local"
    static let password = "parley-demo"
}

/// Makes sure the demo login exists and returns the line that tells how to sign in.
func demoLogin(database: Database, configuration: Configuration, projectID: Int) async throws -> String {
    let accounts = AccountStore(pool: database.pool, hasher: PasswordHasher(iterations: configuration.web.passwordIterations))
    let url = "http://\(configuration.host == "0.0.0.0" ? "127.0.0.1" : configuration.host):\(configuration.port)/"
    if let user = try await accounts.user(email: DemoLogin.email) {
        try await accounts.grant(userID: user.id, projectID: projectID, role: .admin)
        if try await accounts.authenticate(email: DemoLogin.email, password: DemoLogin.password) == nil {
            return "Dashboard: \(url) (demo login \(DemoLogin.email); its password was changed)"
        }
    } else {
        let user = try await accounts.createUser(email: DemoLogin.email, password: DemoLogin.password, displayName: "Demo Admin")
        try await accounts.grant(userID: user.id, projectID: projectID, role: .admin)
    }
    return "Dashboard: \(url) (sign in as \(DemoLogin.email) / \(DemoLogin.password))"
}
