import Foundation
import HTTPServer
import Logging

/// The server-rendered dashboard: templates, assets, accounts, sessions, and the pages built so far.
///
/// `ParleyService.makeRouter` creates one and calls `register(on:)`; feature pages register themselves
/// with `router.page(get:minimum:in:)` (see `Router+Pages.swift`).
public struct Dashboard: Sendable {
    /// The name of the session cookie.
    public static let sessionCookie = "parley_session"
    /// The name of the cookie that carries the sign-in form's CSRF token (there is no session yet).
    static let signInCookie = "parley_signin"

    public let context: AppContext
    public let views: Views
    public let assets: StaticAssets
    public let accounts: AccountStore
    public let sessions: SessionStore
    public let throttle: LoginThrottle
    public var settings: WebConfiguration { context.configuration.web }

    public init(context: AppContext) {
        self.context = context
        let settings = context.configuration.web
        views = Views(directory: settings.templatesDirectory)
        assets = StaticAssets(directory: settings.publicDirectory)
        accounts = AccountStore(pool: context.pool, hasher: PasswordHasher(iterations: settings.passwordIterations))
        sessions = SessionStore(pool: context.pool, idleTimeout: settings.sessionIdleTimeout,
                                lifetime: settings.sessionLifetime)
        throttle = LoginThrottle(pool: context.pool, perEmail: settings.loginAttemptsPerEmail,
                                 perAddress: settings.loginAttemptsPerAddress, window: settings.loginWindow)
        if let error = views.loadError { context.logger.error("\(error)") }
        if assets.directory == nil { context.logger.error("the dashboard's Public/ folder was not found; set PARLEY_PUBLIC") }
        if settings.passwordIterations < PasswordHasher.defaultIterations {
            context.logger.warning("PARLEY_PASSWORD_ITERATIONS is below OWASP's 600,000: use that only for tests",
                                   metadata: ["iterations": "\(settings.passwordIterations)"])
        }
    }

    /// Adds the HTML error pages, the static files and the pages of the dashboard.
    ///
    /// Call it after the API middleware: its error middleware then sits inside `ProblemMiddleware` and turns
    /// errors of browser paths into HTML pages while `/api` and `/v1` keep problem+json.
    public func register(on router: inout Router) {
        router.use(WebErrorMiddleware(dashboard: self))
        router.use(assets.middleware())
        SignInPages.register(on: &router, dashboard: self)
        OverviewPage.register(on: &router, dashboard: self)
        ConversationPages.register(on: &router, dashboard: self)
    }

    /// The client's address: the TCP peer, or with `PARLEY_TRUST_PROXY` the last `X-Forwarded-For` entry
    /// (the one our own proxy appended; earlier entries are whatever the client claimed).
    func clientAddress(_ request: Request) -> String {
        if settings.trustProxy, let forwarded = request.headers["X-Forwarded-For"],
           let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty {
            return String(last.prefix(64))
        }
        return request.remoteAddress ?? "unknown"
    }

    /// Whether cookies must be `Secure`: configured so, or the request came through an HTTPS proxy.
    func usesHTTPS(_ request: Request) -> Bool {
        settings.secureCookies || request.headers["X-Forwarded-Proto"]?.lowercased() == "https"
    }

    /// The session cookie for `token` (HttpOnly, SameSite=Lax, Path=/, Secure over HTTPS).
    func sessionCookie(_ token: String, for request: Request) -> Cookie {
        let lifetime = Int(SessionStore.seconds(settings.sessionLifetime))
        return Cookie(name: Self.sessionCookie, value: token, path: "/", maxAge: lifetime,
                      secure: usesHTTPS(request), httpOnly: true, sameSite: .lax)
    }

    /// A cookie that removes the session cookie.
    func expiredSessionCookie(for request: Request) -> Cookie {
        Cookie(name: Self.sessionCookie, value: "", path: "/", maxAge: 0, secure: usesHTTPS(request), httpOnly: true,
               sameSite: .lax)
    }
}

/// One entry of the navigation.
public struct NavigationItem: Sendable {
    public var title: String
    public var path: String
    /// Inner SVG of a 24×24 line icon.
    public var icon: String
    /// Hidden from roles below this.
    public var minimum: Role

    /// Every section of the dashboard, in navigation order.
    public static let all: [NavigationItem] = [
        NavigationItem(title: "Overview", path: "/", icon: """
            <rect x="3" y="3" width="7" height="9" rx="1.5"/><rect x="14" y="3" width="7" height="5" rx="1.5"/>\
            <rect x="14" y="12" width="7" height="9" rx="1.5"/><rect x="3" y="16" width="7" height="5" rx="1.5"/>
            """, minimum: .viewer),
        NavigationItem(title: "Conversations", path: "/conversations", icon: """
            <path d="M4 5h16v10H9l-5 4z"/><path d="M8 9h8M8 12h5"/>
            """, minimum: .viewer),
        NavigationItem(title: "Clusters", path: "/clusters", icon: """
            <circle cx="7" cy="8" r="3"/><circle cx="17" cy="7" r="2.5"/><circle cx="13" cy="17" r="4"/>
            """, minimum: .viewer),
        NavigationItem(title: "Intents", path: "/intents", icon: """
            <path d="M3 4h8l10 10-7 7L4 11z"/><circle cx="8" cy="8.5" r="1.5"/>
            """, minimum: .viewer),
        NavigationItem(title: "Triage", path: "/triage", icon: """
            <path d="M4 13l3-8h10l3 8v6H4z"/><path d="M4 13h5l1 2h4l1-2h5"/>
            """, minimum: .viewer),
        NavigationItem(title: "Compare", path: "/compare", icon: """
            <path d="M12 3v18"/><path d="M4 8h5v9H4zM15 5h5v12h-5z"/>
            """, minimum: .viewer),
        NavigationItem(title: "Replays", path: "/replays", icon: """
            <path d="M4 12a8 8 0 1 0 3-6.2"/><path d="M4 4v4h4"/><path d="M10 9l5 3-5 3z"/>
            """, minimum: .viewer),
        NavigationItem(title: "Jobs", path: "/jobs", icon: """
            <path d="M3 12h4l3-7 4 14 3-7h4"/>
            """, minimum: .viewer),
        NavigationItem(title: "Import", path: "/import", icon: """
            <path d="M12 4v11M7 10l5 5 5-5"/><path d="M4 16v4h16v-4"/>
            """, minimum: .reviewer),
        NavigationItem(title: "Settings", path: "/settings", icon: """
            <path d="M4 7h10M18 7h2M4 17h2M10 17h10"/><circle cx="16" cy="7" r="2"/><circle cx="8" cy="17" r="2"/>
            """, minimum: .admin),
    ]

    /// The section a path belongs to (the longest matching prefix).
    static func section(of path: String) -> NavigationItem? {
        all.filter { item in
            item.path == "/" ? path == "/" : path == item.path || path.hasPrefix(item.path + "/")
        }.max { $0.path.count < $1.path.count }
    }
}
