/// The outcome of looking a request up in the router, decided when its head arrives.
enum RouteMatch: Sendable {
    /// A route handles it.
    case found(Route, parameters: [String: String])
    /// The path exists for other methods (405 with `Allow`, RFC 9110 §15.5.6).
    case methodNotAllowed(allowed: [HTTPMethod])
    /// No route (404), unless a middleware answers it.
    case notFound

    /// The content limit the route set, if any.
    var bodyLimit: Int? {
        if case .found(let route, _) = self { return route.bodyLimit }
        return nil
    }
}

/// One registered route.
struct Route: Sendable {
    let method: HTTPMethod
    let pattern: RoutePattern
    let bodyLimit: Int?
    let handler: Responder
}
