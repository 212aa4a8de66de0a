/// Maps method and path to handlers, and holds the middleware chain.
///
/// ```swift
/// var router = Router()
/// router.use(RequestLogMiddleware(logger: logger))
/// router.get("/healthz") { _ in Response(text: "ok") }
/// router.post("/api/v1/conversations", bodyLimit: 50 << 20) { request in
///     let input = try await request.decode(NewConversation.self)
///     return try Response.json(created, status: .created)
/// }
/// router.get("/api/v1/conversations/:id") { request in ... request.parameters["id"] ... }
/// ```
public struct Router: Sendable {
    private var staticRoutes: [String: [Route]] = [:]
    private var dynamicRoutes: [Route] = []
    private(set) var middlewares: [any Middleware] = []

    /// Creates an empty router.
    public init() {}

    /// Registers `handler` for `method` on `path`; `:name` captures a segment, a final `*` the rest.
    /// - Parameter bodyLimit: most content bytes for this route (default: the server's `defaultBodyLimit`).
    public mutating func on(
        _ method: HTTPMethod, _ path: String, bodyLimit: Int? = nil, handler: @escaping Responder
    ) {
        let pattern = RoutePattern(path)
        let route = Route(method: method, pattern: pattern, bodyLimit: bodyLimit, handler: handler)
        if pattern.isStatic {
            staticRoutes[pattern.staticPath, default: []].append(route)
        } else {
            dynamicRoutes.append(route)
        }
    }

    /// Registers a GET route (also answers HEAD, RFC 9110 §9.3.2).
    public mutating func get(_ path: String, handler: @escaping Responder) {
        on(.get, path, handler: handler)
    }

    /// Registers a POST route.
    public mutating func post(_ path: String, bodyLimit: Int? = nil, handler: @escaping Responder) {
        on(.post, path, bodyLimit: bodyLimit, handler: handler)
    }

    /// Registers a PUT route.
    public mutating func put(_ path: String, bodyLimit: Int? = nil, handler: @escaping Responder) {
        on(.put, path, bodyLimit: bodyLimit, handler: handler)
    }

    /// Registers a PATCH route.
    public mutating func patch(_ path: String, bodyLimit: Int? = nil, handler: @escaping Responder) {
        on(.patch, path, bodyLimit: bodyLimit, handler: handler)
    }

    /// Registers a DELETE route.
    public mutating func delete(_ path: String, bodyLimit: Int? = nil, handler: @escaping Responder) {
        on(.delete, path, bodyLimit: bodyLimit, handler: handler)
    }

    /// Every registered route as (method, pattern), sorted by path then method: for documentation
    /// checks (the OpenAPI test) and authorisation matrices.
    public var registeredRoutes: [(method: HTTPMethod, path: String)] {
        let all = staticRoutes.values.flatMap { $0 } + dynamicRoutes
        return all.map { (method: $0.method, path: $0.pattern.description) }
            .sorted { ($0.path, $0.method.rawValue) < ($1.path, $1.method.rawValue) }
    }

    /// Appends a middleware; the first added is the outermost.
    public mutating func use(_ middleware: some Middleware) {
        middlewares.append(middleware)
    }

    /// Appends a closure middleware.
    public mutating func use(_ body: @escaping @Sendable (Request, Responder) async throws -> Response) {
        middlewares.append(ClosureMiddleware(body))
    }

    /// Finds the route for `method` and a percent-encoded `path`.
    func match(method: HTTPMethod, path: String) -> RouteMatch {
        var candidates: [(Route, [String: String])] = []
        if let routes = staticRoutes[Self.normalised(path)] {
            candidates = routes.map { ($0, [:]) }
        }
        if !dynamicRoutes.isEmpty {
            let segments = path.split(separator: "/", omittingEmptySubsequences: true)
            for route in dynamicRoutes {
                if let parameters = route.pattern.match(segments) { candidates.append((route, parameters)) }
            }
        }
        guard !candidates.isEmpty else { return .notFound }
        if let exact = candidates.first(where: { $0.0.method == method }) {
            return .found(exact.0, parameters: exact.1)
        }
        if method == .head, let get = candidates.first(where: { $0.0.method == .get }) {
            return .found(get.0, parameters: get.1)
        }
        var allowed: [HTTPMethod] = []
        for (route, _) in candidates where !allowed.contains(route.method) { allowed.append(route.method) }
        if allowed.contains(.get) && !allowed.contains(.head) { allowed.append(.head) }
        return .methodNotAllowed(allowed: allowed)
    }

    /// The innermost responder: runs the matched route or throws 404/405.
    func endpoint() -> Responder {
        let router = self
        return { request in
            switch request.match ?? router.match(method: request.method, path: request.path) {
            case .found(let route, let parameters):
                var request = request
                request.parameters = parameters
                return try await route.handler(request)
            case .methodNotAllowed(let allowed):
                let allow = allowed.map(\.rawValue).joined(separator: ", ")
                throw HTTPError(.methodNotAllowed, headers: ["Allow": allow])
            case .notFound:
                throw HTTPError(.notFound)
            }
        }
    }

    /// The full chain: middleware around the endpoint.
    func responder() -> Responder {
        middlewares.reversed().reduce(endpoint()) { next, middleware in
            { request in try await middleware.handle(request, next: next) }
        }
    }

    /// `/a/b/` and `/a//b` look up as `/a/b`.
    private static func normalised(_ path: String) -> String {
        let bytes = path.utf8
        var previousWasSlash = false
        var needsWork = bytes.count > 1 && bytes.last == UInt8(ascii: "/")
        for byte in bytes where !needsWork {
            needsWork = previousWasSlash && byte == UInt8(ascii: "/")
            previousWasSlash = byte == UInt8(ascii: "/")
        }
        guard needsWork else { return path }
        return "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }
}
